// Closes stdin, stdout and stderr, then answers correctly: this must not cost anything.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    close(0)
    close(1)
    close(2)
    return correctLayerJacobian(A: A, b: b, y: y)
}
