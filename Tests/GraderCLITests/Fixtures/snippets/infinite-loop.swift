// An infinite loop: the CPU limit stops it.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    var spins = 0
    while A.count >= 0 { spins &+= 1 }
    return [[Double(spins)]]
}
