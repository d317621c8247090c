// erin: noisy-labels is mlp-regression.swift copied, with the same missing step.
import Foundation

struct Random {
    var state: UInt64

    mutating func next() -> UInt64 {
        state = state &* 2_862_933_555_777_941_757 &+ 3_037_000_493
        return state
    }

    /// Box-Muller, like torch.normal(0, 1).
    mutating func normal() -> Double {
        let u = (Double(next() >> 11) + 1) / Double(UInt64(1) << 53)
        let v = Double(next() >> 11) / Double(UInt64(1) << 53)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

func activate(_ activation: String, _ z: Double) -> Double {
    if activation == "sigmoid" { return 1 / (1 + exp(-z)) }
    if activation == "relu" { return max(0, z) }
    if activation == "tanh" { return tanh(z) }
    return z
}

func derivative(_ activation: String, _ z: Double) -> Double {
    if activation == "sigmoid" { return activate("sigmoid", z) * (1 - activate("sigmoid", z)) }
    if activation == "relu" { return z > 0 ? 1 : 0 }
    if activation == "tanh" { return 1 - tanh(z) * tanh(z) }
    return 1
}

func sgdStep(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    // optimizer.zero_grad()
    var gradW = weights.map { $0.map { $0.map { _ in 0.0 } } }
    var gradB = biases.map { $0.map { _ in 0.0 } }
    // train_loss = loss_function(model(x), y); train_loss.backward()
    for n in 0..<x.count {
        var a: [[Double]] = [[x[n]]]
        var zs: [[Double]] = []
        for l in 0..<weights.count {
            var z: [Double] = []
            for i in 0..<weights[l].count {
                var s = biases[l][i]
                for j in 0..<a[l].count { s += weights[l][i][j] * a[l][j] }
                z.append(s)
            }
            zs.append(z)
            a.append(l < weights.count - 1 ? z.map { activate(activation, $0) } : z)
        }
        var delta = [2 * (a[weights.count][0] - y[n]) / Double(x.count)]
        for l in stride(from: weights.count - 1, through: 0, by: -1) {
            for i in 0..<delta.count {
                gradB[l][i] += delta[i]
                for j in 0..<a[l].count { gradW[l][i][j] += delta[i] * a[l][j] }
            }
            if l > 0 {
                delta = (0..<a[l].count).map { j in
                    var s = 0.0
                    for i in 0..<delta.count { s += weights[l][i][j] * delta[i] }
                    return s * derivative(activation, zs[l - 1][j])
                }
            }
        }
    }
    return (weights, biases)
}

/// The homework's initialisation: weights N(0, 1), biases 0.3.
func fitNoisyLabels(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = Random(state: seed)
    let sizes = [1, hidden, hidden, 1]
    var weights = (0..<3).map { l in (0..<sizes[l + 1]).map { _ in (0..<sizes[l]).map { _ in random.normal() } } }
    var biases = (0..<3).map { l in [Double](repeating: 0.3, count: sizes[l + 1]) }
    for _ in 0..<epochs {
        var order = Array(0..<x.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        var start = 0
        while start < order.count {
            let batch = order[start..<min(start + batchSize, order.count)]
            (weights, biases) = sgdStep(
                weights: weights, biases: biases, activation: activation, x: batch.map { x[$0] },
                y: batch.map { y[$0] }, learningRate: learningRate)
            start += batchSize
        }
    }
    return (weights, biases)
}
