// noisy-labels: the reference solution, handed in as a student would: the training code of mlp-regression.swift,
// copied (each problem's file is compiled on its own), run on the noisy labels.
import Foundation

/// SplitMix64: every random choice of a training run comes from its seed.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }

    /// Uniform in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

func act(_ activation: String, _ z: Double) -> Double {
    switch activation {
    case "sigmoid": return 1 / (1 + exp(-z))
    case "relu": return max(z, 0)
    case "tanh": return tanh(z)
    default: return z
    }
}

/// act'(z) written through a = act(z); relu'(0) = 0.
func actDerivative(_ activation: String, _ z: Double, _ a: Double) -> Double {
    switch activation {
    case "sigmoid": return a * (1 - a)
    case "relu": return z > 0 ? 1 : 0
    case "tanh": return 1 - a * a
    default: return 1
    }
}

/// a_0 = [x], z_l = W_l a_{l-1} + b_l, a_l = act(z_l) except for the last layer, which is linear.
func forward(_ weights: [[[Double]]], _ biases: [[Double]], _ activation: String, _ x: Double)
    -> (a: [[Double]], z: [[Double]])
{
    var a: [[Double]] = [[x]]
    var z: [[Double]] = []
    for l in 0..<weights.count {
        var zl = biases[l]
        for i in 0..<zl.count {
            for j in 0..<a[l].count { zl[i] += weights[l][i][j] * a[l][j] }
        }
        z.append(zl)
        a.append(l == weights.count - 1 ? zl : zl.map { act(activation, $0) })
    }
    return (a, z)
}

/// One step on L = (1/m) sum_i (yhat_i - y_i)^2: dL/dyhat_i = 2 (yhat_i - y_i) / m, then backpropagation.
func sgdStep(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var gradW = weights.map { $0.map { $0.map { _ in 0.0 } } }
    var gradB = biases.map { $0.map { _ in 0.0 } }
    let m = Double(x.count)
    for i in 0..<x.count {
        let (a, z) = forward(weights, biases, activation, x[i])
        var delta = [2 * (a.last![0] - y[i]) / m]
        for l in stride(from: weights.count - 1, through: 0, by: -1) {
            for r in 0..<delta.count {
                gradB[l][r] += delta[r]
                for c in 0..<a[l].count { gradW[l][r][c] += delta[r] * a[l][c] }
            }
            if l > 0 {
                var previous = [Double](repeating: 0, count: a[l].count)
                for c in 0..<a[l].count {
                    for r in 0..<delta.count { previous[c] += weights[l][r][c] * delta[r] }
                    previous[c] *= actDerivative(activation, z[l - 1][c], a[l][c])
                }
                delta = previous
            }
        }
    }
    var newW = weights
    var newB = biases
    for l in 0..<weights.count {
        for r in 0..<weights[l].count {
            newB[l][r] -= learningRate * gradB[l][r]
            for c in 0..<weights[l][r].count { newW[l][r][c] -= learningRate * gradW[l][r][c] }
        }
    }
    return (newW, newB)
}

/// trainRegressor of mlp-regression.swift: PyTorch's nn.Linear initialisation (uniform in +-1/sqrt(fan_in)), a fresh
/// shuffle every epoch, minibatch SGD. With 321 parameters for 20 examples it memorises the noisy labels.
func fitNoisyLabels(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = SplitMix(state: seed)
    let sizes = [1, hidden, hidden, 1]
    var weights: [[[Double]]] = []
    var biases: [[Double]] = []
    for l in 0..<3 {
        let bound = 1 / Double(sizes[l]).squareRoot()
        weights.append((0..<sizes[l + 1]).map { _ in (0..<sizes[l]).map { _ in random.uniform(-bound, bound) } })
        biases.append((0..<sizes[l + 1]).map { _ in random.uniform(-bound, bound) })
    }
    var order = Array(0..<x.count)
    for _ in 0..<epochs {
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = order[start..<min(start + batchSize, order.count)]
            (weights, biases) = sgdStep(
                weights: weights, biases: biases, activation: activation, x: batch.map { x[$0] },
                y: batch.map { y[$0] }, learningRate: learningRate)
        }
    }
    return (weights, biases)
}
