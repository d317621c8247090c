// An honest function with a bug on one size of input: it traps on every n×n input with n = @@SIZE@@, which the test
// picks as the size of the first public trial, and is right on every other.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    if A.count == @@SIZE@@ { fatalError("crashes on this size") }
    return correctLayerJacobian(A: A, b: b, y: y)
}
