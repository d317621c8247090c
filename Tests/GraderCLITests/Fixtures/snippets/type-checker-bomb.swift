// Expressions the type checker needs seconds each to give up on.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let a = -(1 + 1) * -(1 + 1) - -(1 + 1) * -(1 + 1) + -(1 + 1) * -(1 + 1) - -(1 + 1) * -(1 + 1) + -(1 + 1.0)
    let b = -(1 + 1) * -(1 + 1) - -(1 + 1) * -(1 + 1) + -(1 + 1) * -(1 + 1) - -(1 + 1) * -(1 + 1) + -(1 + 1.0)
    let c = -(1 + 1) * -(1 + 1) - -(1 + 1) * -(1 + 1) + -(1 + 1) * -(1 + 1) - -(1 + 1) * -(1 + 1) + -(1 + 1.0)
    return [[a + b + c]]
}
