// Writes 1 GB to standard output.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let chunk = [UInt8](repeating: 0x41, count: 1 << 20)
    for _ in 0..<1024 { _ = chunk.withUnsafeBytes { write(1, $0.baseAddress!, $0.count) } }
    return correctLayerJacobian(A: A, b: b, y: y)
}
