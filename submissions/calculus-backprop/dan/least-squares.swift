// w = (X^T X)^-1 X^T y, inverting X^T X by Gauss-Jordan elimination.
func invert(_ matrix: [[Double]]) -> [[Double]] {
    let n = matrix.count
    var a = matrix
    var inv = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    for c in 0..<n {
        var p = c
        for r in c..<n where abs(a[r][c]) > abs(a[p][c]) { p = r }
        a.swapAt(c, p)
        inv.swapAt(c, p)
        let d = a[c][c]
        for k in 0..<n { a[c][k] /= d; inv[c][k] /= d }
        for r in 0..<n where r != c {
            let f = a[r][c]
            for k in 0..<n { a[r][k] -= f * a[c][k]; inv[r][k] -= f * inv[c][k] }
        }
    }
    return inv
}

func maximumLikelihoodWeights(X: [[Double]], y: [Double]) -> [Double] {
    let n = X[0].count
    var xtx = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    var xty = [Double](repeating: 0, count: n)
    for (row, label) in zip(X, y) {
        for i in 0..<n {
            xty[i] += row[i] * label
            for j in 0..<n { xtx[i][j] += row[i] * row[j] }
        }
    }
    let inverse = invert(xtx)
    return inverse.map { r in zip(r, xty).map { $0 * $1 }.reduce(0, +) }
}
