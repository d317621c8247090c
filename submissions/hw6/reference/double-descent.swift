import Foundation

// Random ReLU features phi(x) = relu(W x) and ridge regression on them.

func features(_ X: [[Double]], _ W: [[Double]]) -> [[Double]] {
    X.map { x in W.map { w in max(0, zip(w, x).reduce(0) { $0 + $1.0 * $1.1 }) } }
}

/// Solves A x = b for a symmetric positive definite A by Cholesky, A = L L^T.
func choleskySolve(_ A: [[Double]], _ b: [Double]) -> [Double] {
    let n = b.count
    var L = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0...i {
            var s = A[i][j]
            for k in 0..<j { s -= L[i][k] * L[j][k] }
            L[i][j] = i == j ? sqrt(s) : s / L[j][j]
        }
    }
    var z = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var s = b[i]
        for k in 0..<i { s -= L[i][k] * z[k] }
        z[i] = s / L[i][i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = z[i]
        for k in (i + 1)..<n { s -= L[k][i] * x[k] }
        x[i] = s / L[i][i]
    }
    return x
}

/// theta = (Phi^T Phi + lambda I)^-1 Phi^T y, or Phi^T (Phi Phi^T + lambda I)^-1 y when there are more features
/// than examples (the same vector, from the smaller system).
func ridge(_ Phi: [[Double]], _ y: [Double], _ lambda: Double) -> [Double] {
    let n = Phi.count
    let p = Phi[0].count
    if p <= n {
        var A = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var b = [Double](repeating: 0, count: p)
        for r in 0..<n {
            for i in 0..<p {
                b[i] += Phi[r][i] * y[r]
                for j in 0..<p { A[i][j] += Phi[r][i] * Phi[r][j] }
            }
        }
        for i in 0..<p { A[i][i] += lambda }
        return choleskySolve(A, b)
    }
    var K = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0..<n { K[i][j] = zip(Phi[i], Phi[j]).reduce(0) { $0 + $1.0 * $1.1 } }
        K[i][i] += lambda
    }
    let alpha = choleskySolve(K, y)
    var theta = [Double](repeating: 0, count: p)
    for i in 0..<n {
        for k in 0..<p { theta[k] += alpha[i] * Phi[i][k] }
    }
    return theta
}

func ridgeTestError(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    let theta = ridge(features(Xtrain, W), ytrain, lambda)
    let test = features(Xtest, W)
    var total = 0.0
    for i in test.indices {
        let error = zip(test[i], theta).reduce(0) { $0 + $1.0 * $1.1 } - ytest[i]
        total += error * error
    }
    return total / Double(ytest.count)
}

/// A small generator of my own (SplitMix64) with normal draws by the Marsaglia polar method.
struct Generator {
    var state: UInt64
    var spare: Double? = nil

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func normal() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = sqrt(-2 * log(s) / s)
                spare = v * factor
                return u * factor
            }
        }
    }
}

func doubleDescentCurve(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var generator = Generator(seed: seed)
    let d = Xtrain[0].count
    return featureCounts.map { p in
        // Entries N(0, 1/p): standard normals times 1/sqrt(p).
        let W = (0..<p).map { _ in (0..<d).map { _ in generator.normal() / sqrt(Double(p)) } }
        return ridgeTestError(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
    }
}
