import Foundation

// Solve the normal equations (X^T X) w = X^T y with Gaussian elimination.
func maximumLikelihoodWeights(X: [[Double]], y: [Double]) -> [Double] {
    let m = X.count
    let n = X[0].count
    var A = [[Double]](repeating: [Double](repeating: 0.0, count: n + 1), count: n)
    for i in 0..<n {
        for j in 0..<n {
            for k in 0..<m { A[i][j] += X[k][i] * X[k][j] }
        }
        for k in 0..<m { A[i][n] += X[k][i] * y[k] }
    }
    for col in 0..<n {
        // partial pivoting
        var pivot = col
        for r in col..<n where abs(A[r][col]) > abs(A[pivot][col]) { pivot = r }
        A.swapAt(col, pivot)
        for r in (col + 1)..<n {
            let factor = A[r][col] / A[col][col]
            for c in col...n { A[r][c] -= factor * A[col][c] }
        }
    }
    var w = [Double](repeating: 0.0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = A[i][n]
        for j in (i + 1)..<n { s -= A[i][j] * w[j] }
        w[i] = s / A[i][i]
    }
    return w
}
