// Unbounded recursion.
func depth(_ n: Int) -> Int { n < 0 ? 0 : depth(n + 1) + 1 }

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    [[Double(depth(0))]]
}
