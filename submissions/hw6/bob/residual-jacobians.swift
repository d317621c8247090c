// Correct layer Jacobian in a different style; residualGradients has the wrong signature.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let active = A.indices.map { i in A[i].indices.reduce(b[i]) { $0 + A[i][$1] * y[$1] } > 0 }
    return A.indices.map { i in
        A[i].indices.map { j in (i == j ? 1.0 : 0.0) + (active[i] ? A[i][j] : 0.0) }
    }
}

func residualGradients(weights: [[[Float]]], biases: [[Float]], x: [Float]) -> [[Float]] {
    return biases
}
