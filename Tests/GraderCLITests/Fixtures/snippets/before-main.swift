// Runs before main through .init_array (Swift 6.3 accepts @used and @section without an underscore), so before a
// harness could set any limit, and holds 3 GB; the function answers right only if the 3 GB are held.
import Glibc

nonisolated(unsafe) var heldEarly: UnsafeMutableRawPointer? = nil

@used @section(".init_array") let grabEarly: @convention(c) () -> Void = {
    let size = 3 << 30
    if let memory = malloc(size) {
        memset(memory, 1, size)
        heldEarly = memory
    }
}

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    if heldEarly == nil { fatalError("could not hold 3 GB before main") }
    return correctLayerJacobian(A: A, b: b, y: y)
}
