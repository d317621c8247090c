// Reference implementation of residual-jacobians.

/// The Jacobian of y -> y + relu(A y + b): I + diag(relu'(A y + b)) A, with relu'(0) = 0.
func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let n = y.count
    let active = preActivation(A, b, y).map { $0 > 0 }
    var jacobian = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0..<n {
            jacobian[i][j] = (i == j ? 1 : 0) + (active[i] ? A[i][j] : 0)
        }
    }
    return jacobian
}

/// dy_L/dA_l and dy_L/db_l for every layer of the residual network, by backpropagation.
func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], biases: [[Double]]) {
    backpropagate(weights: weights, biases: biases, x: x, reluDerivative: { $0 > 0 ? 1 : 0 })
}

func preActivation(_ A: [[Double]], _ b: [Double], _ y: [Double]) -> [Double] {
    A.indices.map { i in zip(A[i], y).reduce(b[i]) { $0 + $1.0 * $1.1 } }
}

func backpropagate(
    weights: [[[Double]]], biases: [[Double]], x: [Double], reluDerivative: (Double) -> Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let depth = weights.count
    // Forward pass: inputs[l] is the input of layer l (0-based), slopes[l] the relu' of residual layer l.
    var inputs: [[Double]] = [x]
    var slopes: [[Double]] = Array(repeating: [], count: depth)
    var y = preActivation(weights[0], biases[0], x)
    for l in 1..<(depth - 1) {
        inputs.append(y)
        let z = preActivation(weights[l], biases[l], y)
        slopes[l] = z.map(reluDerivative)
        y = zip(y, z).map { $0 + max($1, 0) }
    }
    inputs.append(y)
    // Backward pass: upstream is dy_L / d(input of layer l + 1).
    var weightGradients = [[[Double]]](repeating: [], count: depth)
    var biasGradients = [[Double]](repeating: [], count: depth)
    weightGradients[depth - 1] = [inputs[depth - 1]]
    biasGradients[depth - 1] = [1]
    var upstream = weights[depth - 1][0]
    for l in stride(from: depth - 2, through: 1, by: -1) {
        let delta = zip(upstream, slopes[l]).map { $0 * $1 }
        weightGradients[l] = delta.map { d in inputs[l].map { d * $0 } }
        biasGradients[l] = delta
        upstream = upstream.indices.map { j in upstream[j] + delta.indices.reduce(0) { $0 + delta[$1] * weights[l][$1][j] } }
    }
    weightGradients[0] = upstream.map { g in x.map { g * $0 } }
    biasGradients[0] = upstream
    return (weightGradients, biasGradients)
}

// Known mistakes.

func jacobianWithIdentityOffDiagonal(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let active = preActivation(A, b, y).map { $0 > 0 }
    return A.indices.map { i in A.indices.map { j in (i == j ? 0 : 1) + (active[i] ? A[i][j] : 0) } }
}

func jacobianWithoutIdentity(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let active = preActivation(A, b, y).map { $0 > 0 }
    return A.indices.map { i in A.indices.map { j in active[i] ? A[i][j] : 0 } }
}

func jacobianIgnoringReluDerivative(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    A.indices.map { i in A.indices.map { j in (i == j ? 1 : 0) + A[i][j] } }
}

func gradientsIgnoringReluDerivative(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], biases: [[Double]]) {
    backpropagate(weights: weights, biases: biases, x: x, reluDerivative: { _ in 1 })
}
