// Reference implementation of backprop-mlp. mlpGradients has no reference here: a student's gradients are judged
// by central differences of mlpLoss (`gradient-of` in problem.yaml), independently of any backpropagation code.
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

/// E = 1/2 ||a_L - t||^2 for the network of the statement: `activation` on every hidden layer, the last linear.
func mlpLoss(weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]) -> Double {
    let output = mlpForward(weights: weights, biases: biases, activation: activation, x: x, activateOutput: false)
        .activations.last!
    var loss = 0.0
    for i in output.indices { loss += 0.5 * (output[i] - target[i]) * (output[i] - target[i]) }
    return loss
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

/// The forward pass: activations[l] is a_l (activations[0] = x) and preActivations[l] is z_{l+1}.
func mlpForward(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], activateOutput: Bool
) -> (activations: [[Double]], preActivations: [[Double]]) {
    var activations = [x]
    var preActivations: [[Double]] = []
    for l in weights.indices {
        let input = activations[l]
        let z = weights[l].indices.map { i in
            zip(weights[l][i], input).reduce(biases[l][i]) { $0 + $1.0 * $1.1 }
        }
        preActivations.append(z)
        let last = l == weights.count - 1
        activations.append(last && !activateOutput ? z : z.map { activate(activation, $0) })
    }
    return (activations, preActivations)
}

/// Backpropagation with the slope of each hidden unit given by `slope(z, a)`, for the known mistakes.
func mlpBackpropagate(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double],
    activateOutput: Bool, slope: (Double, Double) -> Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let forward = mlpForward(weights: weights, biases: biases, activation: activation, x: x, activateOutput: activateOutput)
    let depth = weights.count
    var weightGradients = [[[Double]]](repeating: [], count: depth)
    var biasGradients = [[Double]](repeating: [], count: depth)
    // delta = dE/dz of the current layer.
    var delta = zip(forward.activations[depth], target).map { $0 - $1 }
    if activateOutput {
        delta = delta.indices.map { delta[$0] * slope(forward.preActivations[depth - 1][$0], forward.activations[depth][$0]) }
    }
    for l in stride(from: depth - 1, through: 0, by: -1) {
        biasGradients[l] = delta
        weightGradients[l] = delta.map { d in forward.activations[l].map { d * $0 } }
        if l == 0 { break }
        let upstream = forward.activations[l].indices.map { j in
            delta.indices.reduce(0.0) { $0 + weights[l][$1][j] * delta[$1] }
        }
        delta = upstream.indices.map { j in
            upstream[j] * slope(forward.preActivations[l - 1][j], forward.activations[l][j])
        }
    }
    return (weightGradients, biasGradients)
}

// Known mistakes.

func activationDerivativeTanhOfPreActivation(_ activation: String, _ z: Double) -> Double {
    activation == "tanh" ? 1 - z * z : activationDerivative(activation, z)
}

func activationDerivativeTanhLogisticForm(_ activation: String, _ z: Double) -> Double {
    activation == "tanh" ? tanh(z) * (1 - tanh(z)) : activationDerivative(activation, z)
}

func mlpGradientsIgnoringActivationDerivative(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]
) -> (weights: [[[Double]]], biases: [[Double]]) {
    mlpBackpropagate(
        weights: weights, biases: biases, activation: activation, x: x, target: target, activateOutput: false,
        slope: { _, _ in 1 })
}

func mlpGradientsWithDerivativeAtActivation(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]
) -> (weights: [[[Double]]], biases: [[Double]]) {
    mlpBackpropagate(
        weights: weights, biases: biases, activation: activation, x: x, target: target, activateOutput: false,
        slope: { _, a in activationDerivative(activation, a) })
}

func mlpGradientsWithActivatedOutput(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]
) -> (weights: [[[Double]]], biases: [[Double]]) {
    mlpBackpropagate(
        weights: weights, biases: biases, activation: activation, x: x, target: target, activateOutput: true,
        slope: { z, _ in activationDerivative(activation, z) })
}

/// A seed student's (004, line 45): relu'(z) = 1 for z >= 0, so relu'(0) = 1 where the handout takes 0.
func activationDerivativeReluOneAtZero(_ activation: String, _ z: Double) -> Double {
    activation == "relu" ? (z >= 0 ? 1 : 0) : activationDerivative(activation, z)
}

/// A seed student's (004, line 55): W_{l+1} delta_{l+1} where W_{l+1}^T delta_{l+1} belongs, written as a Swift
/// student writes a matrix times a vector, each row of W zipped with delta. Where W_{l+1} is square (hidden to
/// hidden, and the output layer when it is as wide as the hidden ones) this is W_{l+1} delta_{l+1} exactly; where it
/// is not, zip stops at the shorter array, in the product and again in the element-wise act'(z_l), so the student's
/// code returns (cut-short) gradients instead of crashing, and these are them.
func mlpGradientsWithWeightsNotTransposed(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let forward = mlpForward(weights: weights, biases: biases, activation: activation, x: x, activateOutput: false)
    let depth = weights.count
    var weightGradients = [[[Double]]](repeating: [], count: depth)
    var biasGradients = [[Double]](repeating: [], count: depth)
    var delta = zip(forward.activations[depth], target).map { $0 - $1 }
    for l in stride(from: depth - 1, through: 0, by: -1) {
        biasGradients[l] = delta
        weightGradients[l] = delta.map { d in forward.activations[l].map { d * $0 } }
        if l == 0 { break }
        let upstream = weights[l].map { row in zip(row, delta).reduce(0.0) { $0 + $1.0 * $1.1 } }
        delta = zip(upstream, forward.preActivations[l - 1]).map { $0 * activationDerivative(activation, $1) }
    }
    return (weightGradients, biasGradients)
}

/// A seed student's (004, line 67: dMSE/dW_i = dMSE/da_{i+1} sigma' a_i, no outer product): dE/dW_l[i][j] =
/// delta_l[i], the factor a_{l-1}[j] left out (the biases' gradients, right, are delta_l).
func mlpGradientsWithoutOuterProduct(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let right = mlpBackpropagate(
        weights: weights, biases: biases, activation: activation, x: x, target: target, activateOutput: false,
        slope: { z, _ in activationDerivative(activation, z) })
    let weightGradients = right.biases.indices.map { l in
        right.biases[l].indices.map { i in weights[l][i].map { _ in right.biases[l][i] } }
    }
    return (weightGradients, right.biases)
}
