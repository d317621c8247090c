/// Pre-activation A y + b.
private func affine(_ A: [[Double]], _ b: [Double], _ y: [Double]) -> [Double] {
    var z = b
    for i in 0..<A.count {
        for j in 0..<y.count { z[i] += A[i][j] * y[j] }
    }
    return z
}

/// I + diag(relu'(A y + b)) A.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let z = affine(A, b, y)
    var J = A
    for i in 0..<A.count {
        for j in 0..<A[i].count {
            J[i][j] = (z[i] > 0 ? A[i][j] : 0) + (i == j ? 1 : 0)
        }
    }
    return J
}

/// Backpropagation through the residual network.
func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], biases: [[Double]]) {
    let L = weights.count
    var activations = [x]
    var masks: [[Bool]] = [[]]
    var y = affine(weights[0], biases[0], x)
    for l in 1..<(L - 1) {
        activations.append(y)
        let z = affine(weights[l], biases[l], y)
        masks.append(z.map { $0 > 0 })
        for i in 0..<y.count { y[i] += max(0, z[i]) }
    }
    activations.append(y)
    var gradW = Array(repeating: [[Double]](), count: L)
    var gradB = Array(repeating: [Double](), count: L)
    gradW[L - 1] = [y]
    gradB[L - 1] = [1]
    var g = weights[L - 1][0]
    var l = L - 2
    while l >= 1 {
        let delta = (0..<g.count).map { masks[l][$0] ? g[$0] : 0 }
        gradB[l] = delta
        gradW[l] = delta.map { d in activations[l].map { d * $0 } }
        var next = g
        for i in 0..<delta.count {
            for j in 0..<next.count { next[j] += delta[i] * weights[l][i][j] }
        }
        g = next
        l -= 1
    }
    gradB[0] = g
    gradW[0] = g.map { d in x.map { d * $0 } }
    return (weights: gradW, biases: gradB)
}
