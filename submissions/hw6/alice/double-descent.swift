import Foundation

// Alice follows the seed's NumPy code: theta = inv(Phi^T Phi + lambda I) Phi^T y, and the error is
// np.linalg.norm(Phi theta - y).

func matmulT(_ A: [[Double]], _ B: [[Double]]) -> [[Double]] {
    // A B^T
    A.map { a in B.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } } }
}

func inverse(_ M: [[Double]]) -> [[Double]] {
    let n = M.count
    var a = M
    var inv = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    for c in 0..<n {
        var pivot = c
        for r in c..<n where abs(a[r][c]) > abs(a[pivot][c]) { pivot = r }
        a.swapAt(c, pivot)
        inv.swapAt(c, pivot)
        let d = a[c][c]
        for k in 0..<n {
            a[c][k] /= d
            inv[c][k] /= d
        }
        for r in 0..<n where r != c {
            let f = a[r][c]
            for k in 0..<n {
                a[r][k] -= f * a[c][k]
                inv[r][k] -= f * inv[c][k]
            }
        }
    }
    return inv
}

func testLoss(_ Phi: [[Double]], _ y: [Double], _ PhiTest: [[Double]], _ ytest: [Double], _ lambda: Double) -> Double {
    let p = Phi[0].count
    var A = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
    var b = [Double](repeating: 0, count: p)
    for (row, label) in zip(Phi, y) {
        for i in 0..<p {
            b[i] += row[i] * label
            for j in 0..<p { A[i][j] += row[i] * row[j] }
        }
    }
    for i in 0..<p { A[i][i] += lambda }
    let Ainv = inverse(A)
    let theta = Ainv.map { r in zip(r, b).reduce(0) { $0 + $1.0 * $1.1 } }
    var squares = 0.0
    for (row, label) in zip(PhiTest, ytest) {
        let e = zip(row, theta).reduce(0) { $0 + $1.0 * $1.1 } - label
        squares += e * e
    }
    return sqrt(squares)  // np.linalg.norm(X_test_tilda @ theta - Y_test)
}

func ridgeTestError(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    let relu: ([[Double]]) -> [[Double]] = { $0.map { $0.map { max($0, 0) } } }
    return testLoss(relu(matmulT(Xtrain, W)), ytrain, relu(matmulT(Xtest, W)), ytest, lambda)
}

func doubleDescentCurve(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Double(state >> 11) + 0.5) / 9007199254740992.0
    }
    var losses: [Double] = []
    for p in featureCounts {
        let W = (0..<p).map { _ in
            (0..<Xtrain[0].count).map { _ in sqrt(-2 * log(uniform())) * cos(2 * .pi * uniform()) / sqrt(Double(p)) }
        }
        // Phi = X W^T, as X_tilda = f(X, W)
        losses.append(testLoss(matmulT(Xtrain, W), ytrain, matmulT(Xtest, W), ytest, lambda))
    }
    return losses
}
