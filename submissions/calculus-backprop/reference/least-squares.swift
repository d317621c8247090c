// least-squares: the reference implementation, handed in as a student would.
import Foundation

/// The maximum likelihood weights (X^T X)^-1 X^T y, computed by a Householder QR factorisation of X: this solves
/// min ||X w - y|| without forming X^T X, whose condition number is the square of X's.
func maximumLikelihoodWeights(X: [[Double]], y: [Double]) -> [Double] {
    let m = X.count
    let n = X[0].count
    var R = X
    var b = y
    for k in 0..<n {
        // The reflection I - 2 v v^T / (v^T v) maps column k below the diagonal onto a multiple of e_k.
        var norm = 0.0
        for i in k..<m { norm = hypot(norm, R[i][k]) }
        if norm == 0 { continue }
        let alpha = R[k][k] > 0 ? -norm : norm
        var v = [Double](repeating: 0, count: m)
        for i in k..<m { v[i] = R[i][k] }
        v[k] -= alpha
        var vv = 0.0
        for i in k..<m { vv += v[i] * v[i] }
        for j in k..<n {
            var dot = 0.0
            for i in k..<m { dot += v[i] * R[i][j] }
            let scale = 2 * dot / vv
            for i in k..<m { R[i][j] -= scale * v[i] }
        }
        var dot = 0.0
        for i in k..<m { dot += v[i] * b[i] }
        let scale = 2 * dot / vv
        for i in k..<m { b[i] -= scale * v[i] }
    }
    // Back substitution in the upper triangle: R[0..<n][0..<n] w = b[0..<n].
    var w = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var sum = b[i]
        for j in (i + 1)..<n { sum -= R[i][j] * w[j] }
        w[i] = sum / R[i][i]
    }
    return w
}
