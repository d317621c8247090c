// Gives up with fatalError.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    fatalError("not implemented yet")
}
