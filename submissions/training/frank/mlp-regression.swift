// frank: mlpPredict right; sgdStep steps on the gradient of the summed squared error (m times the mean's);
// trainRegressor right but written his own way: Glorot-uniform weights with zero biases, a linear congruential
// generator, each epoch's order from sorting random keys, and the whole batch pushed through layer by layer.
import Foundation

struct LCG {
    var state: UInt64

    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }
}

func activationFunction(_ name: String) -> (Double) -> Double {
    switch name {
    case "sigmoid": return { 1 / (1 + exp(-$0)) }
    case "relu": return { max(0, $0) }
    case "tanh": return { tanh($0) }
    default: return { $0 }
    }
}

/// The derivative from the pre-activation z.
func activationGradient(_ name: String) -> (Double) -> Double {
    switch name {
    case "sigmoid":
        return { z in
            let s = 1 / (1 + exp(-z))
            return s * (1 - s)
        }
    case "relu": return { $0 > 0 ? 1 : 0 }
    case "tanh": return { 1 - tanh($0) * tanh($0) }
    default: return { _ in 1 }
    }
}

/// Z = W A + b for a batch: A and Z hold one column per example (A[j][k] is unit j of example k).
func layer(_ W: [[Double]], _ b: [Double], _ A: [[Double]]) -> [[Double]] {
    let count = A.first?.count ?? 0
    return W.indices.map { i in
        (0..<count).map { k in
            var sum = b[i]
            for j in W[i].indices { sum += W[i][j] * A[j][k] }
            return sum
        }
    }
}

func mlpPredict(weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double]) -> [Double] {
    let f = activationFunction(activation)
    var A = [x]
    for l in weights.indices {
        let Z = layer(weights[l], biases[l], A)
        A = l == weights.count - 1 ? Z : Z.map { $0.map(f) }
    }
    return A[0]
}

/// Backpropagation for a batch; `scale` multiplies dLoss/dyhat_k = yhat_k - y_k.
func batchGradients(
    _ weights: [[[Double]]], _ biases: [[Double]], _ activation: String, _ x: [Double], _ y: [Double], scale: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let f = activationFunction(activation)
    let fPrime = activationGradient(activation)
    var As = [[x]]
    var Zs: [[[Double]]] = []
    for l in weights.indices {
        let Z = layer(weights[l], biases[l], As[l])
        Zs.append(Z)
        As.append(l == weights.count - 1 ? Z : Z.map { $0.map(f) })
    }
    var delta = [zip(As.last![0], y).map { scale * ($0 - $1) }]
    var gW = weights
    var gB = biases
    for l in stride(from: weights.count - 1, through: 0, by: -1) {
        gB[l] = delta.map { $0.reduce(0, +) }
        gW[l] = delta.map { row in As[l].map { a in zip(row, a).reduce(0) { $0 + $1.0 * $1.1 } } }
        if l > 0 {
            delta = As[l].indices.map { j in
                As[l][j].indices.map { k in
                    var sum = 0.0
                    for i in delta.indices { sum += weights[l][i][j] * delta[i][k] }
                    return sum * fPrime(Zs[l - 1][j][k])
                }
            }
        }
    }
    return (gW, gB)
}

func update(_ weights: inout [[[Double]]], _ biases: inout [[Double]], _ g: (weights: [[[Double]]], biases: [[Double]]), _ rate: Double) {
    for l in weights.indices {
        for i in weights[l].indices {
            biases[l][i] -= rate * g.biases[l][i]
            for j in weights[l][i].indices { weights[l][i][j] -= rate * g.weights[l][i][j] }
        }
    }
}

/// The summed squared error's gradient: 2 (yhat - y) for each example, not divided by the batch size.
func sgdStep(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var W = weights
    var b = biases
    update(&W, &b, batchGradients(weights, biases, activation, x, y, scale: 2), learningRate)
    return (W, b)
}

func trainRegressor(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = LCG(state: seed ^ 0x5DEE_CE66_D)
    let sizes = [1, hidden, hidden, 1]
    var W: [[[Double]]] = []
    var b: [[Double]] = []
    for l in 0..<3 {
        let limit = (6 / Double(sizes[l] + sizes[l + 1])).squareRoot()
        W.append((0..<sizes[l + 1]).map { _ in (0..<sizes[l]).map { _ in limit * (2 * random.next() - 1) } })
        b.append([Double](repeating: 0, count: sizes[l + 1]))
    }
    for _ in 0..<epochs {
        let order = x.indices.map { ($0, random.next()) }.sorted { $0.1 < $1.1 }.map(\.0)
        var start = 0
        while start < order.count {
            let batch = Array(order[start..<min(start + batchSize, order.count)])
            let g = batchGradients(
                W, b, activation, batch.map { x[$0] }, batch.map { y[$0] }, scale: 2 / Double(batch.count))
            update(&W, &b, g, learningRate)
            start += batchSize
        }
    }
    return (W, b)
}
