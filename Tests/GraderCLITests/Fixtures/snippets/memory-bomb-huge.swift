// Asks for 16 GB at once.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let huge = [Double](repeating: 1, count: 1 << 31)
    return [[huge[12345]]]
}
