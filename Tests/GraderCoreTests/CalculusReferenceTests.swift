import Foundation
import Testing

@testable import GraderCore

/// The references of `problems/calculus-backprop`, each checked by a method that shares no code with it: central
/// differences of the loss written out here, least squares by QR and Cholesky, cross-entropy in 80-bit floats, and
/// backpropagation written out here against the grader's central differences for the gradient-checked part.
@Suite("calculus-backprop references, verified independently")
struct CalculusReferenceTests {
    let session = TestSupport.calculusSession

    static func random(_ count: Int, _ range: ClosedRange<Double>, _ generator: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &generator) }
    }

    static func randomMatrix(
        _ rows: Int, _ columns: Int, _ range: ClosedRange<Double>, _ generator: inout SeededGenerator
    ) -> [[Double]] {
        (0..<rows).map { _ in random(columns, range, &generator) }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
    static func times(_ a: [[Double]], _ v: [Double]) -> [Double] { a.map { dot($0, v) } }

    /// Central differences of `f` at `x`, entry by entry.
    static func gradient(_ f: ([Double]) -> Double, at x: [Double]) -> [Double] {
        x.indices.map { i in
            let h = 1e-6 * max(1, abs(x[i]))
            var plus = x
            var minus = x
            plus[i] += h
            minus[i] -= h
            return (f(plus) - f(minus)) / (2 * h)
        }
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-6) -> Bool {
        let scale = max(1, (a + b).map(abs).max() ?? 0)
        return a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * scale }
    }

    static func values(_ value: SnippetValue) -> [Double] { TestSupport.doubles(value) }

    // MARK: logistic regression and the bipolar sigmoid

    /// L(w) = sum_i [-y_i ln f_i - (1 - y_i) ln(1 - f_i)] + ||w||^2.
    static func logisticLoss(_ w: [Double], _ X: [[Double]], _ y: [Double]) -> Double {
        zip(X, y).reduce(dot(w, w)) { total, example in
            let f = sigmoid(dot(example.0, w))
            return total - example.1 * log(f) - (1 - example.1) * log(1 - f)
        }
    }

    /// L(w) = 1/2 sum_i (f_i - y_i)^2 with f = (1 - e^{-w.x}) / (1 + e^{-w.x}).
    static func bipolarLoss(_ w: [Double], _ X: [[Double]], _ y: [Double]) -> Double {
        zip(X, y).reduce(0) { total, example in
            let e = exp(-dot(w, example.0))
            let f = (1 - e) / (1 + e)
            return total + 0.5 * (f - example.1) * (f - example.1)
        }
    }

    @Test(
        "l2LogisticGradient, gradientDescentStep and bipolarSigmoidGradient equal central differences of their losses")
    func logisticAndBipolar() throws {
        var generator = SeededGenerator(seed: 4242)
        var cases: [(w: [Double], X: [[Double]], y01: [Double], ypm: [Double])] = []
        for _ in 0..<8 {
            let n = Int.random(in: 1...4, using: &generator)
            let m = Int.random(in: 1...6, using: &generator)
            let labels = (0..<m).map { _ in Double(Int.random(in: 0...1, using: &generator)) }
            cases.append(
                (
                    Self.random(n, -1...1, &generator), Self.randomMatrix(m, n, -2...2, &generator), labels,
                    labels.map { 2 * $0 - 1 }
                ))
        }
        let logistic = try session.callReference(
            problem: "logistic-regression",
            signature: "func l2LogisticGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double]",
            arguments: cases.map { [TestSupport.vector($0.w), TestSupport.matrix($0.X), TestSupport.vector($0.y01)] })
        let steps = try session.callReference(
            problem: "logistic-regression",
            signature:
                "func gradientDescentStep(w: [Double], X: [[Double]], y: [Double], learningRate: Double) -> [Double]",
            arguments: cases.map {
                [TestSupport.vector($0.w), TestSupport.matrix($0.X), TestSupport.vector($0.y01), .double(0.125)]
            })
        let bipolar = try session.callReference(
            problem: "bipolar-sigmoid",
            signature: "func bipolarSigmoidGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double]",
            arguments: cases.map { [TestSupport.vector($0.w), TestSupport.matrix($0.X), TestSupport.vector($0.ypm)] })
        for (index, example) in cases.enumerated() {
            let numeric = Self.gradient({ Self.logisticLoss($0, example.X, example.y01) }, at: example.w)
            #expect(Self.close(Self.values(logistic[index]), numeric), "logistic case \(index)")
            #expect(
                Self.close(Self.values(steps[index]), zip(example.w, numeric).map { $0 - 0.125 * $1 }),
                "step case \(index)")
            let bipolarNumeric = Self.gradient({ Self.bipolarLoss($0, example.X, example.ypm) }, at: example.w)
            #expect(Self.close(Self.values(bipolar[index]), bipolarNumeric), "bipolar case \(index)")
        }
    }

    // MARK: least squares

    @Test("maximumLikelihoodWeights equals a QR and a Cholesky solve, and meets the normal equations")
    func leastSquares() throws {
        var generator = SeededGenerator(seed: 77)
        var cases: [([[Double]], [Double])] = []
        for _ in 0..<8 {
            let n = Int.random(in: 1...4, using: &generator)
            let m = n + Int.random(in: 2...5, using: &generator)
            cases.append((Self.randomMatrix(m, n, -2...2, &generator), Self.random(m, -3...3, &generator)))
        }
        let outputs = try session.callReference(
            problem: "least-squares",
            signature: "func maximumLikelihoodWeights(X: [[Double]], y: [Double]) -> [Double]",
            arguments: cases.map { [TestSupport.matrix($0.0), TestSupport.vector($0.1)] })
        for ((X, y), output) in zip(cases, outputs) {
            let w = Self.values(output)
            #expect(Self.close(w, LeastSquaresSolvers.qr(X, y), 1e-9))
            #expect(Self.close(w, LeastSquaresSolvers.cholesky(X, y), 1e-8))
            let residual = zip(Self.times(X, w), y).map { $0 - $1 }
            for j in w.indices { #expect(abs(X.indices.reduce(0) { $0 + X[$1][j] * residual[$1] }) < 1e-9) }
        }
        // The property check accepts the reference's answer and rejects a perturbed one, with a message.
        let check = try session.callReference(
            problem: "least-squares",
            signature: "func maximumLikelihoodCheck(X: [[Double]], y: [Double], output: [Double]) -> String",
            arguments: zip(cases, outputs).map { [TestSupport.matrix($0.0.0), TestSupport.vector($0.0.1), $0.1] }
                + zip(cases, outputs).map {
                    [
                        TestSupport.matrix($0.0.0), TestSupport.vector($0.0.1),
                        TestSupport.vector(Self.values($0.1).map { $0 + 0.01 }),
                    ]
                })
        #expect(check.prefix(cases.count).allSatisfy { $0 == .string("") })
        #expect(
            check.suffix(cases.count).allSatisfy {
                if case .string(let text) = $0 { return !text.isEmpty } else { return false }
            })
    }

    // MARK: the residual sigmoid network

    @Test("residualNetworkGradients equals central differences of L in h and in W1")
    func residualSigmoidNetwork() throws {
        var generator = SeededGenerator(seed: 9001)
        var cases: [(W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double)] = []
        for _ in 0..<8 {
            let M = Int.random(in: 1...4, using: &generator)
            let D = Int.random(in: 1...4, using: &generator)
            cases.append(
                (
                    Self.randomMatrix(M, D, -2...2, &generator), Self.randomMatrix(D, M, -2...2, &generator),
                    Self.random(D, -2...2, &generator), Self.random(D, -2...2, &generator),
                    Double.random(in: 0...1, using: &generator)
                ))
        }
        let outputs = try session.callReference(
            problem: "residual-sigmoid-network",
            signature:
                """
                func residualNetworkGradients(W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: \
                Double) -> (h: [Double], W1: [[Double]])
                """,
            arguments: cases.map {
                [
                    TestSupport.matrix($0.W0), TestSupport.matrix($0.W1), TestSupport.vector($0.w2),
                    TestSupport.vector($0.x), .double($0.y),
                ]
            })
        for (example, output) in zip(cases, outputs) {
            guard case .tuple(let parts) = output, parts.count == 2 else {
                Issue.record("not a pair")
                continue
            }
            let z = Self.times(example.W0, example.x).map(Self.sigmoid)
            let lossOfH: ([Double]) -> Double = { h in 0.5 * pow(Self.sigmoid(Self.dot(example.w2, h)) - example.y, 2) }
            let h = zip(example.x, Self.times(example.W1, z).map(Self.sigmoid)).map(+)
            #expect(Self.close(Self.values(parts[0]), Self.gradient(lossOfH, at: h)))
            let D = example.W1.count
            let lossOfW1: ([Double]) -> Double = { flat in
                let W1 = (0..<D).map { Array(flat[($0 * z.count)..<(($0 + 1) * z.count)]) }
                return lossOfH(zip(example.x, Self.times(W1, z).map(Self.sigmoid)).map(+))
            }
            #expect(Self.close(Self.values(parts[1]), Self.gradient(lossOfW1, at: example.W1.flatMap { $0 })))
        }
    }

    // MARK: softmax cross-entropy

    /// -log softmax(f)_y in 80-bit floats, exponentiating directly: exp(1000) is far inside Float80's range.
    static func highPrecisionLoss(_ logits: [Double], _ label: Int) -> Double {
        let sum = logits.reduce(Float80(0)) { $0 + Foundation.exp(Float80($1)) }
        return Double(Foundation.log(sum) - Float80(logits[label]))
    }

    @Test(
        """
        crossEntropyLoss is exact on logits up to +-1000 and on lambda e_y up to lambda = 5000, and \
        crossEntropyGradient equals central differences
        """
    )
    func crossEntropy() throws {
        var generator = SeededGenerator(seed: 31337)
        var cases: [([Double], Int)] = [
            ([1000, -1000, 0.5], 0), ([-1000, 999.5, 1000], 1), ([1000, 1000], 1), ([-1000, -999], 0),
            ([700, 710, -3], 2),
            // lambda e_y, the stability trials whose loss log(1 + (k - 1) e^-lambda) tends to 0.
            ([50, 0, 0], 0), ([0, 0, 0, 500], 3), ([0, 5000], 1),
        ]
        for _ in 0..<8 {
            let n = Int.random(in: 2...6, using: &generator)
            cases.append((Self.random(n, -5...5, &generator), Int.random(in: 0..<n, using: &generator)))
        }
        let losses = try session.callReference(
            problem: "softmax-cross-entropy",
            signature: "func crossEntropyLoss(logits: [Double], label: Int) -> Double",
            arguments: cases.map { [TestSupport.vector($0.0), .int($0.1)] })
        let gradients = try session.callReference(
            problem: "softmax-cross-entropy",
            signature: "func crossEntropyGradient(logits: [Double], label: Int) -> [Double]",
            arguments: cases.map { [TestSupport.vector($0.0), .int($0.1)] })
        for ((logits, label), (loss, gradient)) in zip(cases, zip(losses, gradients)) {
            let exact = Self.highPrecisionLoss(logits, label)
            guard case .double(let value) = loss else {
                Issue.record("not a double")
                continue
            }
            #expect(
                value.isFinite && abs(value - exact) <= 1e-12 * max(1, abs(exact)),
                "\(logits), \(label): \(value) vs \(exact)")
            let numeric = Self.gradient({ Self.highPrecisionLoss($0, label) }, at: logits)
            #expect(Self.close(Self.values(gradient), numeric, 1e-5), "\(logits)")
        }
    }

    // MARK: the skip network and activation derivatives

    static func relu(_ x: Double) -> Double { max(0, x) }

    /// E(x) = 1/2 (a4 - t)^2 for the skip network of DESIGN 4b.
    static func skipLoss(_ w: [Double], _ b: [Double], _ x: Double, _ t: Double) -> Double {
        let a1 = w[0] * x + b[0]
        let a2 = w[1] * relu(x) + b[1]
        let a3 = w[2] * relu(relu(x)) + b[2]
        let a4 = w[3] * (a1 + a2 + a3) + b[3]
        return 0.5 * (a4 - t) * (a4 - t)
    }

    @Test("skipNetworkInputGradient equals central differences in x away from the kink")
    func skipNetwork() throws {
        var generator = SeededGenerator(seed: 5150)
        var cases: [([Double], [Double], Double, Double)] = []
        while cases.count < 12 {
            let x = Double.random(in: -2...2, using: &generator)
            guard abs(x) > 1e-3 else { continue }
            cases.append(
                (
                    Self.random(4, -2...2, &generator), Self.random(4, -2...2, &generator), x,
                    Double.random(in: -2...2, using: &generator)
                ))
        }
        let outputs = try session.callReference(
            problem: "skip-network",
            signature: "func skipNetworkInputGradient(w: [Double], b: [Double], x: Double, target: Double) -> Double",
            arguments: cases.map { [TestSupport.vector($0.0), TestSupport.vector($0.1), .double($0.2), .double($0.3)] })
        for ((w, b, x, t), output) in zip(cases, outputs) {
            let numeric = Self.gradient({ Self.skipLoss(w, b, $0[0], t) }, at: [x])
            #expect(Self.close(Self.values(output), numeric), "x = \(x)")
        }
    }

    @Test("activationDerivative equals central differences of each activation away from 0")
    func activationDerivative() throws {
        let functions: [(String, (Double) -> Double)] = [
            ("linear", { $0 }), ("relu", { max(0, $0) }), ("tanh", { tanh($0) }),
        ]
        let points: [Double] = [-2.5, -0.75, -0.01, 0.01, 0.5, 2.25]
        let cases = functions.flatMap { name, _ in points.map { [SnippetValue.string(name), .double($0)] } }
        let outputs = try session.callReference(
            problem: "backprop-mlp",
            signature: "func activationDerivative(_ activation: String, _ z: Double) -> Double", arguments: cases)
        for (index, output) in outputs.enumerated() {
            let (name, f) = functions[index / points.count]
            let z = points[index % points.count]
            #expect(Self.close(Self.values(output), Self.gradient({ f($0[0]) }, at: [z])), "\(name)'(\(z))")
        }
        let atZero = try session.callReference(
            problem: "backprop-mlp",
            signature: "func activationDerivative(_ activation: String, _ z: Double) -> Double",
            arguments: [[.string("relu"), .double(0)]])
        #expect(atZero == [.double(0)], "relu'(0) is 0 by the handout's convention")
    }

    // MARK: backprop-mlp: the grader's central differences against backpropagation written here

    /// dE/dW_l and dE/db_l by backpropagation, E = 1/2 ||a_L - t||^2, hidden activation `activation`, last layer
    /// linear.
    static func backpropagation(
        _ weights: [[[Double]]], _ biases: [[Double]], _ activation: String, _ x: [Double], _ t: [Double]
    )
        -> (weights: [[[Double]]], biases: [[Double]])
    {
        func act(_ z: Double) -> Double { activation == "relu" ? max(0, z) : activation == "tanh" ? tanh(z) : z }
        func derivative(_ z: Double) -> Double {
            activation == "relu" ? (z > 0 ? 1 : 0) : activation == "tanh" ? 1 - tanh(z) * tanh(z) : 1
        }
        var a = [x]
        var zs: [[Double]] = []
        for l in weights.indices {
            let z = zip(times(weights[l], a[l]), biases[l]).map(+)
            zs.append(z)
            a.append(l == weights.count - 1 ? z : z.map(act))
        }
        var delta = zip(a.last!, t).map(-)
        var gradientsW = weights
        var gradientsB = biases
        for l in weights.indices.reversed() {
            if l < weights.count - 1 { delta = zip(delta, zs[l]).map { $0 * derivative($1) } }
            gradientsB[l] = delta
            gradientsW[l] = delta.map { d in a[l].map { d * $0 } }
            if l > 0 {
                delta = weights[l][0].indices.map { j in
                    weights[l].indices.reduce(0) { $0 + weights[l][$1][j] * delta[$1] }
                }
            }
        }
        return (gradientsW, gradientsB)
    }

    @Test("mlpGradients' expected outputs (central differences of mlpLoss) equal backpropagation written out")
    func mlpGradientCheck() throws {
        let problem = try #require(session.problems.problem("backprop-mlp"))
        let expectation = try #require(try session.referenceResults(for: problem).snippets["mlpGradients"])
        #expect(expectation.trials.count >= 10)
        for (trial, expected) in zip(expectation.trials, expectation.expected) {
            guard case .array(let w) = trial[0], case .array(let b) = trial[1], case .string(let activation) = trial[2]
            else {
                Issue.record("unexpected trial shape")
                continue
            }
            let weights = w.map { layer -> [[Double]] in
                guard case .array(let rows) = layer else { return [] }
                return rows.map(TestSupport.doubles)
            }
            let analytic = Self.backpropagation(
                weights, b.map(TestSupport.doubles), activation, TestSupport.doubles(trial[3]),
                TestSupport.doubles(trial[4]))
            let numeric = Self.values(expected)
            let written = analytic.weights.flatMap { $0.flatMap { $0 } } + analytic.biases.flatMap { $0 }
            #expect(Self.close(numeric, written, 1e-7), "\(activation): \(numeric) vs \(written)")
        }
    }

    // MARK: dead-relu: the leaky ReLU follow-up

    @Test("leaky-unit-update's key is the change one SGD step makes, by central differences of the prompt's loss")
    func leakyUnitUpdate() throws {
        let problem = try #require(session.problems.problem("dead-relu"))
        let key = try #require(try session.referenceResults(for: problem).answerKeys["leaky-unit-update"]?.expected)
        // g = v leaky(a x + b) + c, loss 1/2 (g - t)^2, at a = -1, b = 0.25, where a x + b = -1.25 < 0.
        let alpha = 0.01
        let v = 2.0
        let c = 0.5
        let x = 1.5
        let t = 1.0
        let learningRate = 0.1
        func loss(_ parameters: [Double]) -> Double {
            let u = parameters[0] * x + parameters[1]
            let g = v * (u > 0 ? u : alpha * u) + c
            return 0.5 * (g - t) * (g - t)
        }
        let change = Self.gradient(loss, at: [-1, 0.25]).map { -learningRate * $0 }
        #expect(change.allSatisfy { $0 > 0 }, "the leaky unit still learns: \(change)")
        #expect(Self.close(TestSupport.doubles(key), change, 1e-9), "\(key) vs \(change)")
    }
}
