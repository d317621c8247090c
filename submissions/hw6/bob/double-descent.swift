import Foundation

// Bob: always the kernel form theta = Phi^T (Phi Phi^T + lambda I)^-1 y, solved by Gaussian elimination with
// partial pivoting; W from a xorshift generator and Box-Muller normals.

func reluFeatures(_ X: [[Double]], _ W: [[Double]]) -> [[Double]] {
    var out: [[Double]] = []
    for x in X {
        var row: [Double] = []
        for w in W {
            var z = 0.0
            for j in 0..<x.count { z += w[j] * x[j] }
            row.append(z > 0 ? z : 0)
        }
        out.append(row)
    }
    return out
}

func gaussSolve(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
    var a = matrix
    var b = rhs
    let n = b.count
    for col in 0..<n {
        var pivot = col
        for r in col..<n where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
        a.swapAt(col, pivot)
        b.swapAt(col, pivot)
        for r in (col + 1)..<n {
            let f = a[r][col] / a[col][col]
            if f == 0 { continue }
            for c in col..<n { a[r][c] -= f * a[col][c] }
            b[r] -= f * b[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = b[r]
        for c in (r + 1)..<n { s -= a[r][c] * x[c] }
        x[r] = s / a[r][r]
    }
    return x
}

func ridgeTestError(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    let phi = reluFeatures(Xtrain, W)
    let n = phi.count
    let p = W.count
    var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0..<n {
            var s = 0.0
            for k in 0..<p { s += phi[i][k] * phi[j][k] }
            gram[i][j] = s + (i == j ? lambda : 0)
        }
    }
    let alpha = gaussSolve(gram, ytrain)
    var theta = [Double](repeating: 0, count: p)
    for k in 0..<p {
        for i in 0..<n { theta[k] += phi[i][k] * alpha[i] }
    }
    let test = reluFeatures(Xtest, W)
    var sum = 0.0
    for i in 0..<test.count {
        var pred = 0.0
        for k in 0..<p { pred += test[i][k] * theta[k] }
        sum += (pred - ytest[i]) * (pred - ytest[i])
    }
    return sum / Double(test.count)
}

struct XorShift {
    var s: UInt64
    init(_ seed: UInt64) { s = seed == 0 ? 0x2545_F491_4F6C_DD1D : seed }
    mutating func next() -> UInt64 {
        s ^= s << 13
        s ^= s >> 7
        s ^= s << 17
        return s &* 0x2545_F491_4F6C_DD1D
    }
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }
    mutating func gaussian() -> Double {
        sqrt(-2 * log(uniform())) * cos(2 * Double.pi * uniform())
    }
}

func doubleDescentCurve(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var rng = XorShift(seed)
    // Warm up: nearby seeds give unrelated streams.
    for _ in 0..<16 { _ = rng.next() }
    var errors: [Double] = []
    for p in featureCounts {
        let std = 1 / sqrt(Double(p))
        var W: [[Double]] = []
        for _ in 0..<p { W.append((0..<Xtrain[0].count).map { _ in std * rng.gaussian() }) }
        errors.append(ridgeTestError(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda))
    }
    return errors
}
