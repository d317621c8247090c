// A runtime trap: reads past the end of an array.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    [[A[A.count][0]]]
}
