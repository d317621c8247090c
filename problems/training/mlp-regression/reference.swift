// Reference implementation of mlp-regression: a network's forward pass, one SGD step on the mean squared error, a
// training run on f(x) = (x - 2) cos(4x), and the rule that judges training runs by the held-out error of the
// networks they return.
import Foundation

// MARK: The network

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

/// The network's output for each scalar input x_i.
func mlpPredict(weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double]) -> [Double] {
    let hidden = HiddenActivation(activation)
    return x.map { mlpForward(weights: weights, biases: biases, activation: hidden, x: $0).activations.last![0] }
}

/// The gradients of L = (1/m) sum_i (yhat_i - y_i)^2 over the batch, times `scale` (1 for the loss itself), by
/// backpropagation: dL/dyhat_i = 2 (yhat_i - y_i) / m, delta_l = act'(z_l) .* (W_{l+1}^T delta_{l+1}),
/// dL/dW_l = sum_i delta_l a_{l-1}^T, dL/db_l = sum_i delta_l.
func batchGradients(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], scale: Double = 1
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let hidden = HiddenActivation(activation)
    var gradientW = weights.map { $0.map { $0.map { _ in 0.0 } } }
    var gradientB = biases.map { $0.map { _ in 0.0 } }
    let m = Double(x.count)
    for (xi, yi) in zip(x, y) {
        let forward = mlpForward(weights: weights, biases: biases, activation: hidden, x: xi)
        var delta = [scale * 2 * (forward.activations.last![0] - yi) / m]
        for l in stride(from: weights.count - 1, through: 0, by: -1) {
            let input = forward.activations[l]
            for i in delta.indices {
                gradientB[l][i] += delta[i]
                for j in input.indices { gradientW[l][i][j] += delta[i] * input[j] }
            }
            if l == 0 { break }
            delta = input.indices.map { j in
                var sum = 0.0
                for i in delta.indices { sum += weights[l][i][j] * delta[i] }
                return sum * hidden.slope(forward.zs[l - 1][j], input[j])
            }
        }
    }
    return (gradientW, gradientB)
}

/// Parameters minus `rate` times gradients.
func applyStep(
    _ weights: [[[Double]]], _ biases: [[Double]], _ gradients: (weights: [[[Double]]], biases: [[Double]]),
    rate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let W = zip(weights, gradients.weights).map { layer, gradient in
        zip(layer, gradient).map { row, g in zip(row, g).map { $0 - rate * $1 } }
    }
    let b = zip(biases, gradients.biases).map { bias, g in zip(bias, g).map { $0 - rate * $1 } }
    return (W, b)
}

/// One SGD step on the batch's mean squared error: theta - learningRate * dL/dtheta.
func sgdStep(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let gradients = batchGradients(weights: weights, biases: biases, activation: activation, x: x, y: y)
    return applyStep(weights, biases, gradients, rate: learningRate)
}

// MARK: Training

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

/// Trains a 1 -> H -> H -> 1 network by minibatch SGD on the mean squared error: PyTorch's initialisation, and each
/// epoch one pass over the examples in a fresh random order, in batches of `batchSize` (the last one smaller when
/// it does not divide the count), all drawn from `seed`.
func trainRegressor(
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

// MARK: Data and the acceptance rule

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

/// The training set size and hyperparameters of every data set: under them the reference learns on every data set
/// and seed measured (scripts/experiments/training-acceptance.swift: held-out MSE 0.03 to 0.5 per run, medians of
/// five runs 0.07 to 0.35, against Var(y) = 2.5; 0.14 s per run compiled with -O).
let regressionExamples = 256
let regressionHidden = 16

/// One data set: 256 inputs x ~ N(0, 1) (ExperimentRandom's near-normal draws), y = f(x) without noise, and the
/// hyperparameters tanh, H = 16, 500 epochs, batches of 32, learning rate 0.1.
func regressionData(seed: UInt64) -> (
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double
) {
    var random = ExperimentRandom(seed: seed)
    let x = (0..<regressionExamples).map { _ in random.normal() }
    return (x, x.map(regressionTarget), regressionHidden, "tanh", 500, 32, 0.1)
}

/// The held-out inputs and targets: 2000 fresh draws from a seed no student sees, the same for every data set.
func regressionHeldOut() -> (x: [Double], y: [Double]) {
    var random = ExperimentRandom(seed: 0x6865_6C64_6F75_7421)
    let x = (0..<2000).map { _ in random.normal() }
    return (x, x.map(regressionTarget))
}

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

/// The held-out mean squared error of a 1 -> H -> H -> 1 network, computed by this rule's own forward pass;
/// infinity when a prediction is not finite (an absurd network earns nothing, whatever its numbers).
func heldOutError(
    _ network: (weights: [[[Double]]], biases: [[Double]]), activation: String, heldOut: (x: [Double], y: [Double])
) -> Double {
    let hidden = HiddenActivation(activation)
    let predictions = heldOut.x.map {
        mlpForward(weights: network.weights, biases: network.biases, activation: hidden, x: $0).activations.last![0]
    }
    let error = heldOutMeanSquaredError(predictions: predictions, targets: heldOut.y)
    return error.isFinite ? error : .infinity
}

/// Formats a number for the feedback.
func shortNumber(_ value: Double) -> String {
    value.isFinite ? String(format: value < 0.01 ? "%.2g" : "%.3f", value) : "inf"
}

/// The score of a median held-out error `student` against the reference's `reference`, and the two thresholds:
/// full credit up to `full` = min(max(2 r, r + 0.4), 0.35 Var(y)), none from `zero` = 0.6 Var(y), linear between.
/// The reference's medians over five seeds span 0.07 to 0.35 and a run far above that has learnt little; an
/// untrained, random or constant network scores at least Var(y).
func regressionScore(student: Double, reference: Double, variance: Double) -> (
    score: Double, full: Double, zero: Double
) {
    let full = min(max(2 * reference, reference + 0.4), 0.35 * variance)
    let zero = 0.6 * variance
    guard student.isFinite else { return (0, full, zero) }
    if student <= full { return (1, full, zero) }
    return (max(0, min(1, (zero - student) / (zero - full))), full, zero)
}

/// Judges the networks of one data set's runs by their held-out mean squared error on 2000 points the student never
/// sees, against the reference's networks trained on the same data with the same seeds.
func regressionAccept(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    student: [(weights: [[[Double]]], biases: [[Double]])], reference: [(weights: [[[Double]]], biases: [[Double]])]
) -> (score: Double, message: String) {
    guard !student.isEmpty else { return (0, "no runs to judge") }
    for (run, network) in student.enumerated() {
        if let problem = networkShapeProblem(network, hidden: hidden) {
            return (0, "The network of run \(run + 1) has the wrong shape: \(problem).")
        }
    }
    let heldOut = regressionHeldOut()
    let variance = experimentVariance(heldOut.y)
    let mine = student.map { heldOutError($0, activation: activation, heldOut: heldOut) }
    let theirs = reference.map { heldOutError($0, activation: activation, heldOut: heldOut) }
    let median = experimentMedian(mine)
    let referenceMedian = experimentMedian(theirs)
    let (score, full, zero) = regressionScore(student: median, reference: referenceMedian, variance: variance)
    let runs = mine.map(shortNumber).joined(separator: ", ")
    var message =
        "Held-out MSE of your networks on \(heldOut.x.count) points you never see: median \(shortNumber(median)) "
        + "over \(mine.count) seeds (runs: \(runs)); the reference's median on the same data and seeds: "
        + "\(shortNumber(referenceMedian)); predicting the mean scores Var(y) = \(shortNumber(variance)). "
        + "Full credit up to \(shortNumber(full)), none from \(shortNumber(zero))."
    if median >= 0.9 * variance {
        message +=
            " Your networks predict no better than a constant: check that every step updates the parameters "
            + "(theta <- theta - learningRate * gradient), as optimizer.step() does in PyTorch."
    }
    return (score, message)
}

// MARK: Known mistakes of sgdStep

/// The parameters returned as they came: the gradient computed and never applied (no optimizer.step()).
func sgdStepWithoutUpdate(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    (weights, biases)
}

/// A step on the gradient of the summed squared error, m times the mean's.
func sgdStepOnSummedLoss(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let gradients = batchGradients(
        weights: weights, biases: biases, activation: activation, x: x, y: y, scale: Double(x.count))
    return applyStep(weights, biases, gradients, rate: learningRate)
}

/// A step uphill: theta + learningRate * gradient.
func sgdStepUphill(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let gradients = batchGradients(weights: weights, biases: biases, activation: activation, x: x, y: y)
    return applyStep(weights, biases, gradients, rate: -learningRate)
}

/// A step on the gradient of half the mean squared error: the factor 2 of the square left out.
func sgdStepWithoutFactorTwo(
    weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], y: [Double], learningRate: Double
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let gradients = batchGradients(weights: weights, biases: biases, activation: activation, x: x, y: y, scale: 0.5)
    return applyStep(weights, biases, gradients, rate: learningRate)
}

// MARK: Known mistakes of mlpPredict

/// The activation applied to the output layer too.
func mlpPredictWithActivatedOutput(weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double])
    -> [Double]
{
    let hidden = HiddenActivation(activation)
    return mlpPredict(weights: weights, biases: biases, activation: activation, x: x).map { hidden.value($0) }
}

// MARK: Fakes the acceptance rule must reject

/// The network as initialised, never trained: the seed student's loop without optimizer.step().
func trainRegressorWithoutStep(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = ExperimentRandom(seed: seed)
    return FlatNetwork(hidden: hidden, random: &random).parameters
}

/// Random weights and biases, N(0, 1).
func trainRegressorRandomWeights(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    var random = ExperimentRandom(seed: seed)
    func vector(_ count: Int) -> [Double] { (0..<count).map { _ in random.normal() } }
    let weights = [(0..<hidden).map { _ in vector(1) }, (0..<hidden).map { _ in vector(hidden) }, [vector(hidden)]]
    return (weights, [vector(hidden), vector(hidden), vector(1)])
}

/// Every weight and bias 0.
func trainRegressorZeroWeights(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let zeros = [Double](repeating: 0, count: hidden)
    return ([zeros.map { _ in [0] }, zeros.map { _ in zeros }, [zeros]], [zeros, zeros, [0]])
}

/// The best constant: zero weights and the output bias at the mean of y.
func trainRegressorMeanOnly(
    x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int, learningRate: Double,
    seed: UInt64
) -> (weights: [[[Double]]], biases: [[Double]]) {
    let zero = trainRegressorZeroWeights(
        x: x, y: y, hidden: hidden, activation: activation, epochs: epochs, batchSize: batchSize,
        learningRate: learningRate, seed: seed)
    return (zero.weights, [zero.biases[0], zero.biases[1], [y.reduce(0, +) / Double(max(1, y.count))]])
}
