// erin: right. y = A_L(...(A_1 x + b_1)...) + b_L = C x + d.

func matmul(_ P: [[Double]], _ Q: [[Double]]) -> [[Double]] {
    var R = [[Double]](repeating: [Double](repeating: 0, count: Q[0].count), count: P.count)
    for i in 0..<P.count {
        for k in 0..<Q.count {
            for j in 0..<Q[0].count { R[i][j] += P[i][k] * Q[k][j] }
        }
    }
    return R
}

func collapseAffine(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double]) {
    var C = weights[0]
    var d = biases[0].map { [$0] }
    for l in 1..<weights.count {
        C = matmul(weights[l], C)
        d = matmul(weights[l], d)
        for i in 0..<d.count { d[i][0] += biases[l][i] }
    }
    return (C, d.map { $0[0] })
}
