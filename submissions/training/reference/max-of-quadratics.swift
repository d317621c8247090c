// max-of-quadratics: the reference solution, handed in as a student would.

/// f_i(x) = 1/2 x^T A x + b . x.
func piece(_ A: [[Double]], _ b: [Double], _ x: [Double]) -> Double {
    var total = 0.0
    for r in 0..<x.count {
        total += b[r] * x[r]
        for c in 0..<x.count { total += 0.5 * x[r] * A[r][c] * x[c] }
    }
    return total
}

/// The gradient of the largest piece: 1/2 (A_i + A_i^T) x + b_i, since A_i need not be symmetric.
func maxOfQuadraticsGradient(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    var best = 0
    for i in 1..<A.count where piece(A[i], b[i], x) > piece(A[best], b[best], x) { best = i }
    return (0..<x.count).map { r in
        var g = b[best][r]
        for c in 0..<x.count { g += 0.5 * (A[best][r][c] + A[best][c][r]) * x[c] }
        return g
    }
}
