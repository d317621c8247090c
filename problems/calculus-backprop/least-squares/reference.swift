// Reference implementation of least-squares.
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

/// "" when `output` satisfies the normal equations X^T (X w - y) = 0, else what is wrong with it.
///
/// A backward-stable solver (QR, Cholesky or Gaussian elimination on X^T X) leaves a residual of the order of
/// eps * (|X|^2 |w| + |X| |y|) with eps = 2.2e-16 (Frobenius norm for X, Euclidean for vectors), and evaluating
/// X^T (X w - y) here adds rounding of the same order times m + n. Forming the inverse explicitly multiplies
/// this by up to cond(X^T X), which stays far below 10^4 for most of these draws. 1e-8 times that scale therefore
/// accepts every reasonable way of solving (about 10^7 times the rounding error) while any w off by more than
/// about 1e-8 relative (a ridge penalty, a transposed system, a wrong sign) leaves an entry many orders of
/// magnitude larger.
func maximumLikelihoodCheck(X: [[Double]], y: [Double], output: [Double]) -> String {
    let m = X.count
    let n = X[0].count
    guard output.count == n else {
        return "w has \(output.count) \(output.count == 1 ? "entry" : "entries"), but X has \(n) "
            + "\(n == 1 ? "column" : "columns"), so w needs \(n)."
    }
    if let bad = output.firstIndex(where: { !$0.isFinite }) {
        return "w[\(bad)] = \(output[bad]) is not a finite number."
    }
    var residual = [Double](repeating: 0, count: m)
    for i in 0..<m {
        var score = 0.0
        for j in 0..<n { score += X[i][j] * output[j] }
        residual[i] = score - y[i]
    }
    var normalResidual = [Double](repeating: 0, count: n)
    for j in 0..<n {
        for i in 0..<m { normalResidual[j] += X[i][j] * residual[i] }
    }
    let normX = euclideanNorm(X.flatMap { $0 })
    let normW = euclideanNorm(output)
    let normY = euclideanNorm(y)
    let tolerance = 1e-8 * (1 + normX * normX * normW + normX * normY)
    // A w so large that the residual or the tolerance overflows is no solution: an infinite tolerance accepts all.
    guard tolerance.isFinite, normalResidual.allSatisfy(\.isFinite) else {
        return "X^T (X w - y) overflows: w (norm \(String(format: "%.3g", normW))) is far too large to solve X^T X w = X^T y."
    }
    var worst = 0
    for j in 0..<n where abs(normalResidual[j]) > abs(normalResidual[worst]) { worst = j }
    if abs(normalResidual[worst]) <= tolerance { return "" }
    let value = String(format: "%.3g", normalResidual[worst])
    let allowed = String(format: "%.2g", tolerance)
    return "X^T (X w - y) has entry [\(worst)] = \(value), not 0 (allowed: \(allowed)): "
        + "the normal equations X^T X w = X^T y do not hold, so w does not maximise the likelihood."
}

/// The Euclidean norm of `v`, scaled by its largest entry so that squaring entries of 1e200 does not overflow.
func euclideanNorm(_ v: [Double]) -> Double {
    let largest = v.reduce(0) { max($0, abs($1)) }
    guard largest > 0, largest.isFinite else { return largest }
    return largest * sqrt(v.reduce(0) { $0 + ($1 / largest) * ($1 / largest) })
}

/// Solves the symmetric positive definite system A x = b by a Cholesky factorisation A = L L^T.
func solveSymmetricPositiveDefinite(_ A: [[Double]], _ b: [Double]) -> [Double] {
    let n = b.count
    var L = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0...i {
            var sum = A[i][j]
            for k in 0..<j { sum -= L[i][k] * L[j][k] }
            L[i][j] = i == j ? sqrt(sum) : sum / L[j][j]
        }
    }
    var z = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var sum = b[i]
        for k in 0..<i { sum -= L[i][k] * z[k] }
        z[i] = sum / L[i][i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var sum = z[i]
        for k in (i + 1)..<n { sum -= L[k][i] * x[k] }
        x[i] = sum / L[i][i]
    }
    return x
}

// Known mistakes.

func ridgeRegressionWeights(X: [[Double]], y: [Double]) -> [Double] {
    let n = X[0].count
    var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    var moment = [Double](repeating: 0, count: n)
    for row in X.indices {
        for i in 0..<n {
            moment[i] += X[row][i] * y[row]
            for j in 0..<n { gram[i][j] += X[row][i] * X[row][j] }
        }
    }
    for i in 0..<n { gram[i][i] += 1 }
    return solveSymmetricPositiveDefinite(gram, moment)
}
