// Invalid UTF-8 inside a string literal.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let s = "café ÿþ"
    return [[Double(s.count)]]
}
