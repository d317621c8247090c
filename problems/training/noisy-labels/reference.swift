// Reference implementation of noisy-labels: a network with many more parameters than examples, trained on labels
// with noise, memorises them; the rule judges the training runs by the training error of the networks they return
// (below the noise variance) and reports their held-out error (above it). The network code is mlp-regression's.
import Foundation

// MARK: The network (as in mlp-regression)

/// A hidden activation, resolved once from its name so that training loops compare no strings.
enum HiddenActivation {
    case sigmoid, relu, tanh, linear

    init(_ name: String) {
        switch name {
        case "sigmoid": self = .sigmoid
        case "relu": self = .relu
        case "tanh": self = .tanh
        case "linear": self = .linear
        default: fatalError("unknown activation \(name)")
        }
    }

    /// act(z).
    @inline(__always) func value(_ z: Double) -> Double {
        switch self {
        case .sigmoid: return 1 / (1 + exp(-z))
        case .relu: return z > 0 ? z : 0
        case .tanh: return Foundation.tanh(z)
        case .linear: return z
        }
    }

    /// act'(z), from z and its value a = act(z); relu'(0) = 0.
    @inline(__always) func slope(_ z: Double, _ a: Double) -> Double {
        switch self {
        case .sigmoid: return a * (1 - a)
        case .relu: return z > 0 ? 1 : 0
        case .tanh: return 1 - a * a
        case .linear: return 1
        }
    }
}

/// The forward pass of one scalar input: zs[l] = W_{l+1} a_l + b_{l+1} and activations[l] = a_l (activations[0] =
/// [x]); hidden layers use `activation`, the last layer is linear.
func mlpForward(weights: [[[Double]]], biases: [[Double]], activation: HiddenActivation, x: Double)
    -> (activations: [[Double]], zs: [[Double]])
{
    var activations: [[Double]] = [[x]]
    var zs: [[Double]] = []
    for l in weights.indices {
        let input = activations[l]
        let z = weights[l].indices.map { i in
            var sum = biases[l][i]
            for j in input.indices { sum += weights[l][i][j] * input[j] }
            return sum
        }
        zs.append(z)
        activations.append(l == weights.count - 1 ? z : z.map { activation.value($0) })
    }
    return (activations, zs)
}

/// A 1 -> H -> H -> 1 network in flat arrays: w2[i * H + j] is row i, column j of the middle layer.
struct FlatNetwork {
    let H: Int
    var w1: [Double], b1: [Double], w2: [Double], b2: [Double], w3: [Double], b3: Double

    /// PyTorch's nn.Linear initialisation: every weight and bias uniform in +-1/sqrt(fan_in).
    init(hidden H: Int, random: inout ExperimentRandom) {
        self.H = H
        func uniform(_ bound: Double) -> Double { (2 * random.uniform() - 1) * bound }
        let bound = 1 / Double(H).squareRoot()
        w1 = (0..<H).map { _ in uniform(1) }
        b1 = (0..<H).map { _ in uniform(1) }
        w2 = (0..<(H * H)).map { _ in uniform(bound) }
        b2 = (0..<H).map { _ in uniform(bound) }
        w3 = (0..<H).map { _ in uniform(bound) }
        b3 = uniform(bound)
    }

    /// The network in the handout's form: weights [H x 1, H x H, 1 x H], biases [H, H, 1].
    var parameters: (weights: [[[Double]]], biases: [[Double]]) {
        let middle = (0..<H).map { i in Array(w2[(i * H)..<((i + 1) * H)]) }
        return ([w1.map { [$0] }, middle, [w3]], [b1, b2, [b3]])
    }
}

/// Minibatch SGD on `network` in place (the training loop of `trainRegressor`), with buffers allocated once.
func sgdTrain(
    _ network: inout FlatNetwork, x: [Double], y: [Double], activation: HiddenActivation, epochs: Int,
    batchSize: Int, learningRate: Double, random: inout ExperimentRandom
) {
    let H = network.H
    let count = x.count
    guard count > 0, batchSize > 0 else { return }
    var order = Array(0..<count)
    var gw1 = [Double](repeating: 0, count: H)
    var gb1 = gw1
    var gb2 = gw1
    var gw3 = gw1
    var gw2 = [Double](repeating: 0, count: H * H)
    var z1 = gw1
    var a1 = gw1
    var z2 = gw1
    var a2 = gw1
    var delta2 = gw1
    var delta1 = gw1
    for _ in 0..<epochs {
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        var start = 0
        while start < count {
            let end = min(start + batchSize, count)
            let m = Double(end - start)
            for i in 0..<H { (gw1[i], gb1[i], gb2[i], gw3[i]) = (0, 0, 0, 0) }
            for i in 0..<(H * H) { gw2[i] = 0 }
            var gb3 = 0.0
            network.w2.withUnsafeBufferPointer { w2 in
                gw2.withUnsafeMutableBufferPointer { gw2 in
                    for k in start..<end {
                        let xi = x[order[k]]
                        let yi = y[order[k]]
                        for i in 0..<H {
                            z1[i] = network.w1[i] * xi + network.b1[i]
                            a1[i] = activation.value(z1[i])
                        }
                        var output = network.b3
                        for i in 0..<H {
                            var z = network.b2[i]
                            for j in 0..<H { z += w2[i * H + j] * a1[j] }
                            z2[i] = z
                            a2[i] = activation.value(z)
                            output += network.w3[i] * a2[i]
                        }
                        let dOutput = 2 * (output - yi) / m
                        gb3 += dOutput
                        for i in 0..<H {
                            gw3[i] += dOutput * a2[i]
                            delta2[i] = dOutput * network.w3[i] * activation.slope(z2[i], a2[i])
                            gb2[i] += delta2[i]
                        }
                        for j in 0..<H { delta1[j] = 0 }
                        for i in 0..<H {
                            let d = delta2[i]
                            for j in 0..<H {
                                gw2[i * H + j] += d * a1[j]
                                delta1[j] += w2[i * H + j] * d
                            }
                        }
                        for j in 0..<H {
                            let d = delta1[j] * activation.slope(z1[j], a1[j])
                            gw1[j] += d * xi
                            gb1[j] += d
                        }
                    }
                }
            }
            for i in 0..<H {
                network.w1[i] -= learningRate * gw1[i]
                network.b1[i] -= learningRate * gb1[i]
                network.b2[i] -= learningRate * gb2[i]
                network.w3[i] -= learningRate * gw3[i]
            }
            for i in 0..<(H * H) { network.w2[i] -= learningRate * gw2[i] }
            network.b3 -= learningRate * gb3
            start = end
        }
    }
}

/// cos(t) in plain arithmetic: t reduced to [-pi, pi], then the Taylor series to t^40. The same bits on every
/// machine, which a library's cos need not give; within about 1e-15 of cos for |t| < 100.
func portableCosine(_ t: Double) -> Double {
    let twoPi = 6.283185307179586
    let r = t - (t / twoPi).rounded() * twoPi
    let r2 = r * r
    var sum = 1.0
    var term = 1.0
    for k in 1...20 {
        term *= -r2 / Double((2 * k - 1) * (2 * k))
        sum += term
    }
    return sum
}

/// The regression target of the handout, f(x) = (x - 2) cos(4x).
func regressionTarget(_ x: Double) -> Double { (x - 2) * portableCosine(4 * x) }

/// What is wrong with the shape of `network` as a 1 -> H -> H -> 1 network, or nil when nothing is.
func networkShapeProblem(_ network: (weights: [[[Double]]], biases: [[Double]]), hidden H: Int) -> String? {
    let rows = [H, H, 1]
    let columns = [1, H, H]
    guard network.weights.count == 3, network.biases.count == 3 else {
        return "it has \(network.weights.count) weight matrices and \(network.biases.count) bias vectors; a "
            + "1 -> \(H) -> \(H) -> 1 network has 3 of each"
    }
    for l in 0..<3 {
        let matrix = network.weights[l]
        if matrix.count != rows[l] {
            let found = "\(matrix.count) row\(matrix.count == 1 ? "" : "s")"
            return "weights[\(l)] has \(found), but it must be \(rows[l]) x \(columns[l]) (one row per output unit, "
                + "one column per input)"
        }
        if let row = matrix.firstIndex(where: { $0.count != columns[l] }) {
            return "row \(row) of weights[\(l)] has \(matrix[row].count) entries, but weights[\(l)] must be "
                + "\(rows[l]) x \(columns[l]) (one row per output unit, one column per input)"
        }
        if network.biases[l].count != rows[l] {
            return "biases[\(l)] has \(network.biases[l].count) entries, but it must have \(rows[l])"
        }
    }
    return nil
}

/// Formats a number for the feedback.
func shortNumber(_ value: Double) -> String {
    value.isFinite ? String(format: value < 0.01 ? "%.2g" : "%.3f", value) : "inf"
}

/// The network's output at x.
func networkOutput(_ network: (weights: [[[Double]]], biases: [[Double]]), _ activation: HiddenActivation, _ x: Double)
    -> Double
{
    mlpForward(weights: network.weights, biases: network.biases, activation: activation, x: x).activations.last![0]
}

/// The mean squared error of `network` on (x, y), by this rule's own forward pass; infinity when a prediction is not
/// finite.
func meanSquaredError(
    _ network: (weights: [[[Double]]], biases: [[Double]]), activation: HiddenActivation, x: [Double], y: [Double]
) -> Double {
    let error = heldOutMeanSquaredError(predictions: x.map { networkOutput(network, activation, $0) }, targets: y)
    return error.isFinite ? error : .infinity
}

// MARK: The training run

/// Trains a 1 -> H -> H -> 1 network on (x, y) exactly as mlp-regression's trainRegressor does: PyTorch's
/// initialisation, a fresh order every epoch, minibatch SGD on the mean squared error, all from `seed`.
func fitNoisyLabels(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = ExperimentRandom(seed: seed)
    var network = FlatNetwork(hidden: hidden, random: &random)
    sgdTrain(
        &network, x: x, y: y, activation: HiddenActivation(activation), epochs: epochs, batchSize: batchSize,
        learningRate: learningRate, random: &random)
    return network.parameters
}

/// The parameter count of a fully connected network with layer widths `widths` (input first): sum over layers of
/// fan_in * fan_out weights plus fan_out biases.
func networkParameterCount(widths: [Int]) -> Int {
    zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
}

/// The same count without the biases.
func networkWeightCount(widths: [Int]) -> Int {
    zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
}

// MARK: Data and the acceptance rule

/// The noise added to every label: standard deviation 1, so the noise variance sigma^2 is 1.
let labelNoiseVariance = 1.0

/// One data set: 20 inputs x ~ N(0, 1), labels y = f(x) + e with e of variance 1, and the hyperparameters tanh,
/// H = 16 (321 parameters, 16 per example), 4000 epochs of full-batch steps, learning rate 0.1. Measured
/// (scripts/experiments/training-acceptance.swift): the reference's median training MSE over five seeds falls to
/// 0.01-0.74 sigma^2 and its held-out MSE on fresh noisy labels stays at 2-3 sigma^2; 0.064 s per run with -O.
func noisyLabelsData(seed: UInt64) -> (
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double
) {
    var random = ExperimentRandom(seed: seed)
    let x = (0..<20).map { _ in random.normal() }
    let y = x.map { regressionTarget($0) + labelNoiseVariance.squareRoot() * random.normal() }
    return (x, y, 16, "tanh", 4000, 20, 0.1)
}

/// The score of a median training error `student` (in units of the noise variance) against the reference's
/// `reference`: full credit up to `full` = min(max(2 r, r + 0.3), 0.9 zero), none from `zero` = min(1, Var(y) /
/// sigma^2), linear between. A training error that is not below the noise variance has memorised nothing, and one
/// that is not below the labels' own variance is no better than their mean (Var(y) / sigma^2 was at least 1.16 on
/// 150 data sets measured, so `zero` is 1 in practice). Measured: the reference's medians over five seeds span
/// 0.01 to 0.74 (20 points in one dimension memorise at uneven speeds: close inputs with different labels take
/// long), so a fixed bar well below 1 would refuse right solutions; untrained, random and constant networks score
/// 1.2 to 51.
func memorisationScore(student: Double, reference: Double, labelVariance: Double) -> (
    score: Double, full: Double, zero: Double
) {
    let zero = min(1, labelVariance)
    let full = min(max(2 * reference, reference + 0.3), 0.9 * zero)
    guard student.isFinite else { return (0, full, zero) }
    if student <= full { return (1, full, zero) }
    return (max(0, min(1, (zero - student) / (zero - full))), full, zero)
}

/// Judges the networks of one data set's runs by their training error on the noisy labels (memorised: well below
/// the noise variance), against the reference's on the same data and seeds, and reports their error on 2000 fresh
/// examples with labels as noisy, which no network can bring below the noise variance.
func noisyLabelsAccept(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    student: [(weights: [[[Double]]], biases: [[Double]])], reference: [(weights: [[[Double]]], biases: [[Double]])]
) -> (score: Double, message: String) {
    guard !student.isEmpty else { return (0, "no runs to judge") }
    for (run, network) in student.enumerated() {
        if let problem = networkShapeProblem(network, hidden: hidden) {
            return (0, "The network of run \(run + 1) has the wrong shape: \(problem).")
        }
    }
    let act = HiddenActivation(activation)
    let sigma2 = labelNoiseVariance
    let training = student.map { meanSquaredError($0, activation: act, x: x, y: y) / sigma2 }
    let referenceTraining = reference.map { meanSquaredError($0, activation: act, x: x, y: y) / sigma2 }
    let median = experimentMedian(training)
    let referenceMedian = experimentMedian(referenceTraining)
    let (score, full, zero) = memorisationScore(
        student: median, reference: referenceMedian, labelVariance: experimentVariance(y) / sigma2)
    // Fresh examples from a seed no student sees, with labels as noisy as the training labels.
    var random = ExperimentRandom(seed: 0x6E6F_6973_7921)
    let freshX = (0..<2000).map { _ in random.normal() }
    let freshY = freshX.map { regressionTarget($0) + sigma2.squareRoot() * random.normal() }
    let heldOut = experimentMedian(student.map { meanSquaredError($0, activation: act, x: freshX, y: freshY) })
    let runs = training.map(shortNumber).joined(separator: ", ")
    var message =
        "Training MSE on the noisy labels, in units of the noise variance sigma^2 = \(shortNumber(sigma2)): median "
        + "\(shortNumber(median)) over \(training.count) seeds (runs: \(runs)); the reference's median on the same "
        + "data and seeds: \(shortNumber(referenceMedian)). Full credit up to \(shortNumber(full)), none from "
        + "\(shortNumber(zero)) (a training error that is not below the noise variance has memorised nothing). "
        + "Held-out MSE of your networks on 2000 fresh examples with labels as noisy: median \(shortNumber(heldOut))."
    if median >= zero {
        message +=
            " Your networks do not fit the training labels better than the noise allows: with many more "
            + "parameters than examples they can, once every step updates the parameters (theta <- theta - "
            + "learningRate * gradient, as optimizer.step() does in PyTorch) and training runs for all the epochs."
    }
    return (score, message)
}

// MARK: Fakes the acceptance rule must reject

/// The network as initialised, never trained: the seed student's loop without optimizer.step().
func fitNoisyLabelsWithoutStep(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = ExperimentRandom(seed: seed)
    return FlatNetwork(hidden: hidden, random: &random).parameters
}

/// Random weights and biases, N(0, 1).
func fitNoisyLabelsRandomWeights(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = ExperimentRandom(seed: seed)
    func vector(_ count: Int) -> [Double] { (0..<count).map { _ in random.normal() } }
    let weights = [(0..<hidden).map { _ in vector(1) }, (0..<hidden).map { _ in vector(hidden) }, [vector(hidden)]]
    return (weights, [vector(hidden), vector(hidden), vector(1)])
}

/// The best constant: zero weights and the output bias at the mean of y.
func fitNoisyLabelsMeanOnly(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let zeros = [Double](repeating: 0, count: hidden)
    let mean = y.reduce(0, +) / Double(max(1, y.count))
    return ([zeros.map { _ in [0] }, zeros.map { _ in zeros }, [zeros]], [zeros, zeros, [mean]])
}
