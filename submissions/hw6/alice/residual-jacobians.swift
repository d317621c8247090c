import Foundation

// Identity placed on the off-diagonal entries: the i == j and i != j cases are swapped.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let n = y.count
    var J = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        var z = b[i]
        for k in 0..<n { z += A[i][k] * y[k] }
        let d: Double = z > 0 ? 1 : 0
        for j in 0..<n {
            if i == j {
                J[i][j] = d * A[i][j]
            } else {
                J[i][j] = 1 + d * A[i][j]
            }
        }
    }
    return J
}

// relu' ignored: gradients flow through every unit.
func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], biases: [[Double]]) {
    let L = weights.count
    func mv(_ A: [[Double]], _ v: [Double]) -> [Double] { A.map { row in zip(row, v).map(*).reduce(0, +) } }
    var ys = [x]
    var y = zip(mv(weights[0], x), biases[0]).map(+)
    for l in 1..<(L - 1) {
        ys.append(y)
        let z = zip(mv(weights[l], y), biases[l]).map(+)
        y = zip(y, z).map { $0 + max($1, 0) }
    }
    ys.append(y)
    var gW = [[[Double]]](repeating: [], count: L)
    var gB = [[Double]](repeating: [], count: L)
    gW[L - 1] = [y]
    gB[L - 1] = [1]
    var g = weights[L - 1][0]
    for l in stride(from: L - 2, to: 0, by: -1) {
        gB[l] = g
        gW[l] = g.map { gi in ys[l].map { gi * $0 } }
        var next = g
        for i in 0..<g.count { for j in 0..<g.count { next[j] += g[i] * weights[l][i][j] } }
        g = next
    }
    gB[0] = g
    gW[0] = g.map { gi in x.map { gi * $0 } }
    return (gW, gB)
}
