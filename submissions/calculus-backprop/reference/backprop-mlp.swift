// backprop-mlp: the reference implementation, handed in as a student would.
import Foundation

/// act'(z) for "linear", "relu" (relu'(0) = 0) and "tanh" (1 / cosh(z)^2 = 1 - tanh(z)^2, without cancellation).
func activationDerivative(_ activation: String, _ z: Double) -> Double {
    switch activation {
    case "linear": return 1
    case "relu": return z > 0 ? 1 : 0
    case "tanh":
        let c = cosh(z)
        return 1 / (c * c)
    default: fatalError("unknown activation \(activation)")
    }
}

/// act(z) for "linear", "relu" and "tanh".
func activate(_ activation: String, _ z: Double) -> Double {
    switch activation {
    case "linear": return z
    case "relu": return max(z, 0)
    case "tanh": return tanh(z)
    default: fatalError("unknown activation \(activation)")
    }
}

/// dE/dW_l and dE/db_l by backpropagation: delta_L = a_L - t, delta_l = act'(z_l) .* (W_{l+1}^T delta_{l+1}),
/// dE/dW_l = delta_l a_{l-1}^T, dE/db_l = delta_l.
func mlpGradients(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let depth = weights.count
    // Forward pass: activations[l] is a_l (activations[0] = x), preActivations[l] is z_{l+1}.
    var activations = [x]
    var preActivations: [[Double]] = []
    for l in 0..<depth {
        let z = weights[l].indices.map { i in
            zip(weights[l][i], activations[l]).reduce(biases[l][i]) { $0 + $1.0 * $1.1 }
        }
        preActivations.append(z)
        activations.append(l == depth - 1 ? z : z.map { activate(activation, $0) })
    }
    // Backward pass: delta is dE/dz of the current layer.
    var weightGradients = [[[Double]]](repeating: [], count: depth)
    var biasGradients = [[Double]](repeating: [], count: depth)
    var delta = zip(activations[depth], target).map { $0 - $1 }
    for l in stride(from: depth - 1, through: 0, by: -1) {
        biasGradients[l] = delta
        weightGradients[l] = delta.map { d in activations[l].map { d * $0 } }
        if l == 0 { break }
        delta = activations[l].indices.map { j in
            let upstream = delta.indices.reduce(0.0) { $0 + weights[l][$1][j] * delta[$1] }
            return upstream * activationDerivative(activation, preActivations[l - 1][j])
        }
    }
    return (weights: weightGradients, biases: biasGradients)
}
