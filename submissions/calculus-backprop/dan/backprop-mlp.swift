import Foundation

func activationDerivative(_ activation: String, _ z: Double) -> Double {
    switch activation {
    case "relu": return z > 0 ? 1 : 0
    case "tanh": return 1 - pow(tanh(z), 2)
    default: return 1
    }
}

func act(_ activation: String, _ z: Double) -> Double {
    switch activation {
    case "relu": return max(z, 0)
    case "tanh": return tanh(z)
    default: return z
    }
}

func mlpGradients(weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]) -> (weights: [[[Double]]], biases: [[Double]]) {
    // forward
    var outs = [x]
    for (l, (W, b)) in zip(weights, biases).enumerated() {
        let z = zip(W, b).map { row, bias in zip(row, outs[l]).map { $0 * $1 }.reduce(bias, +) }
        outs.append(l == weights.count - 1 ? z : z.map { act(activation, $0) })
    }
    // backward
    var gW: [[[Double]]] = []
    var gb: [[Double]] = []
    var delta = zip(outs.last!, target).map { $0 - $1 }
    for l in stride(from: weights.count - 1, through: 0, by: -1) {
        gW.insert(delta.map { d in outs[l].map { d * $0 } }, at: 0)
        gb.insert(delta, at: 0)
        delta = (0..<outs[l].count).map { j in
            delta.indices.map { weights[l][$0][j] * delta[$0] }.reduce(0, +)
        }
    }
    return (weights: gW, biases: gb)
}
