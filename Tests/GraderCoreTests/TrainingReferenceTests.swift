import Foundation
import Testing

@testable import GraderCore

/// The references of `problems/training`, each checked by a method that shares no code with them: forward passes and
/// batch losses written out here, central differences of those losses, direct evaluation of the maximum of the
/// quadratics and of the stacked layers, and the trained networks judged on points drawn here.
///
/// The snippets of mlp-regression and noisy-labels, which have experiment parts, are checked through the expectations
/// the grader computes (`referenceResults`), which also run the reference's training on the public and hidden data
/// sets.
@Suite("training references, verified independently")
struct TrainingReferenceTests {
    let session = TestSupport.trainingSession

    // MARK: Helpers written from the definitions

    static func activation(_ name: String, _ z: Double) -> Double {
        switch name {
        case "sigmoid": return 1 / (1 + exp(-z))
        case "relu": return max(0, z)
        case "tanh": return tanh(z)
        default: return z
        }
    }

    /// The scalar output of the network of the handout at the scalar input x: hidden layers activated, last linear.
    static func output(_ weights: [[[Double]]], _ biases: [[Double]], _ name: String, _ x: Double) -> Double {
        var a = [x]
        for l in weights.indices {
            var z: [Double] = []
            for i in weights[l].indices {
                var sum = biases[l][i]
                for j in a.indices { sum += weights[l][i][j] * a[j] }
                z.append(sum)
            }
            a = l == weights.count - 1 ? z : z.map { activation(name, $0) }
        }
        return a[0]
    }

    /// L = (1/m) sum_i (yhat_i - y_i)^2.
    static func batchLoss(
        _ weights: [[[Double]]], _ biases: [[Double]], _ name: String, _ x: [Double], _ y: [Double]
    ) -> Double {
        zip(x, y).reduce(0) { total, example in
            let error = output(weights, biases, name, example.0) - example.1
            return total + error * error
        } / Double(x.count)
    }

    /// Every weight, then every bias, in order.
    static func flatten(_ weights: [[[Double]]], _ biases: [[Double]]) -> [Double] {
        weights.flatMap { $0.flatMap { $0 } } + biases.flatMap { $0 }
    }

    /// The inverse of `flatten` for parameters shaped like `weights` and `biases`.
    static func unflatten(_ flat: [Double], like weights: [[[Double]]], _ biases: [[Double]])
        -> (weights: [[[Double]]], biases: [[Double]])
    {
        var index = 0
        func take() -> Double {
            index += 1
            return flat[index - 1]
        }
        let w = weights.map { $0.map { $0.map { _ in take() } } }
        let b = biases.map { $0.map { _ in take() } }
        return (w, b)
    }

    /// Central differences of `f` at `x`, entry by entry.
    static func gradient(_ f: ([Double]) -> Double, at x: [Double], step: Double = 1e-6) -> [Double] {
        x.indices.map { i in
            let h = step * max(1, abs(x[i]))
            var plus = x
            var minus = x
            plus[i] += h
            minus[i] -= h
            return (f(plus) - f(minus)) / (plus[i] - minus[i])
        }
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-6) -> Bool {
        let scale = max(1, (a + b).map(abs).max() ?? 0)
        return a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * scale }
    }

    static func matrix(_ value: SnippetValue) -> [[Double]] {
        guard case .array(let rows) = value else { return [] }
        return rows.map(TestSupport.doubles)
    }

    static func layers(_ value: SnippetValue) -> [[[Double]]] {
        guard case .array(let layers) = value else { return [] }
        return layers.map(matrix)
    }

    static func string(_ value: SnippetValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }

    static func integer(_ value: SnippetValue) -> Int? {
        if case .int(let number) = value { return number }
        return nil
    }

    static func number(_ value: SnippetValue) -> Double? {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: return nil
        }
    }

    /// A network returned by a training run, `(weights, biases)`.
    static func network(_ value: SnippetValue) -> (weights: [[[Double]]], biases: [[Double]])? {
        guard case .tuple(let parts) = value, parts.count == 2 else { return nil }
        return (layers(parts[0]), matrix(parts[1]))
    }

    /// A standard normal draw by Box-Muller: not the grader's near-normal draws, so the points are the test's own.
    static func normal(_ generator: inout SeededGenerator) -> Double {
        let u = Double.random(in: Double.ulpOfOne...1, using: &generator)
        let v = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func target(_ x: Double) -> Double { (x - 2) * cos(4 * x) }

    // MARK: mlp-regression: the forward pass and one SGD step

    @Test("mlpPredict's expected outputs equal a forward pass written out here, on every public and hidden trial")
    func forwardPass() throws {
        let problem = try #require(session.problems.problem("mlp-regression"))
        let expectation = try #require(try session.referenceResults(for: problem).snippets["mlpPredict"])
        #expect(expectation.trials.count >= 12)
        #expect(expectation.trials.contains { TestSupport.doubles($0[3]).count > 1 }, "some trial holds a batch")
        for (trial, expected) in zip(expectation.trials, expectation.expected) {
            let weights = Self.layers(trial[0])
            let biases = Self.matrix(trial[1])
            let name = try #require(Self.string(trial[2]))
            let written = TestSupport.doubles(trial[3]).map { Self.output(weights, biases, name, $0) }
            #expect(Self.close(TestSupport.doubles(expected), written, 1e-12), "\(name): \(expected) vs \(written)")
        }
    }

    @Test("sgdStep's expected outputs are theta - eta times central differences of the batch's mean squared error")
    func sgdStepAgainstCentralDifferences() throws {
        let problem = try #require(session.problems.problem("mlp-regression"))
        let expectation = try #require(try session.referenceResults(for: problem).snippets["sgdStep"])
        #expect(expectation.trials.count >= 12)
        #expect(expectation.trials.contains { TestSupport.doubles($0[3]).count > 1 }, "some trial holds a batch")
        for (trial, expected) in zip(expectation.trials, expectation.expected) {
            let weights = Self.layers(trial[0])
            let biases = Self.matrix(trial[1])
            let name = try #require(Self.string(trial[2]))
            let x = TestSupport.doubles(trial[3])
            let y = TestSupport.doubles(trial[4])
            let rate = try #require(Self.number(trial[5]))
            let theta = Self.flatten(weights, biases)
            let numeric = Self.gradient(
                { flat in
                    let p = Self.unflatten(flat, like: weights, biases)
                    return Self.batchLoss(p.weights, p.biases, name, x, y)
                }, at: theta)
            let stepped = zip(theta, numeric).map { $0 - rate * $1 }
            #expect(Self.close(TestSupport.doubles(expected), stepped), "\(name), batch of \(x.count)")
        }
    }

    // MARK: mlp-regression: the training runs and their data

    @Test("trainRegressor's data are f(x) = (x - 2) cos(4x), and its networks fit f on points drawn here")
    func trainedNetworksFit() throws {
        let problem = try #require(session.problems.problem("mlp-regression"))
        let expectation = try #require(try session.referenceResults(for: problem).snippets["trainRegressor"])
        let runs = 5
        #expect(expectation.trials.count >= 3 * runs, "one public and two hidden data sets of five runs")
        // Fresh points x ~ N(0, 1) by Box-Muller, never the grader's held-out set.
        var generator = SeededGenerator(seed: 20_240_917)
        let fresh = (0..<4000).map { _ in Self.normal(&generator) }
        let targets = fresh.map(Self.target)
        let mean = targets.reduce(0, +) / Double(targets.count)
        let variance = targets.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(targets.count)
        #expect(variance > 2 && variance < 3.2, "Var(y) = \(variance)")
        for first in stride(from: 0, to: expectation.trials.count, by: runs) {
            let trial = expectation.trials[first]
            let x = TestSupport.doubles(trial[0])
            let y = TestSupport.doubles(trial[1])
            #expect(x.count == 256)
            // The data function's own cosine, against Foundation's.
            #expect(Self.close(y, x.map(Self.target), 1e-12))
            #expect(Self.integer(trial[2]) == 16)
            #expect(Self.string(trial[3]) == "tanh")
            #expect(Self.integer(trial[4]) == 500 && Self.integer(trial[5]) == 32 && Self.number(trial[6]) == 0.1)
            var errors: [Double] = []
            for run in first..<min(first + runs, expectation.trials.count) {
                let network = try #require(Self.network(expectation.expected[run]))
                #expect(network.weights.map(\.count) == [16, 16, 1] && network.biases.map(\.count) == [16, 16, 1])
                let predictions = fresh.map { Self.output(network.weights, network.biases, "tanh", $0) }
                errors.append(zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 4000)
            }
            // Measured medians 0.07 to 0.35 on the grader's held-out points; these reach the normal's far tails too.
            #expect(Self.median(errors) < 0.6, "held-out MSE \(errors) against Var(y) = \(variance)")
        }
    }

    // MARK: noisy-labels

    @Test("fitNoisyLabels memorises: training MSE below the noise variance, held-out MSE above it; 321 parameters")
    func noisyLabelsMemorised() throws {
        let problem = try #require(session.problems.problem("noisy-labels"))
        let expectation = try #require(try session.referenceResults(for: problem).snippets["fitNoisyLabels"])
        let runs = 5
        #expect(expectation.trials.count >= 3 * runs)
        var generator = SeededGenerator(seed: 777)
        let freshX = (0..<4000).map { _ in Self.normal(&generator) }
        let freshY = freshX.map { Self.target($0) + Self.normal(&generator) }
        for first in stride(from: 0, to: expectation.trials.count, by: runs) {
            let trial = expectation.trials[first]
            let x = TestSupport.doubles(trial[0])
            let y = TestSupport.doubles(trial[1])
            #expect(x.count == 20 && y.count == 20)
            // The labels are f plus noise of variance 1: the residuals' mean square is near 1 (chi-square, 20 terms).
            let noise = zip(y, x.map(Self.target)).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 20
            #expect(noise > 0.25 && noise < 2.5, "noise mean square \(noise)")
            var training: [Double] = []
            var heldOut: [Double] = []
            for run in first..<min(first + runs, expectation.trials.count) {
                let network = try #require(Self.network(expectation.expected[run]))
                let name = try #require(Self.string(trial[3]))
                training.append(Self.batchLoss(network.weights, network.biases, name, x, y))
                heldOut.append(Self.batchLoss(network.weights, network.biases, name, freshX, freshY))
                let parameters = Self.flatten(network.weights, network.biases).count
                #expect(
                    try session.expectedAnswer(problem: "noisy-labels", part: "parameter-count") == .int(parameters))
            }
            #expect(Self.median(training) < 1, "training MSE \(training) against the noise variance 1")
            #expect(Self.median(heldOut) > 1, "held-out MSE \(heldOut) against the noise variance 1")
        }
    }

    // MARK: max-of-quadratics

    /// f(x) = max_i (1/2 x^T A_i x + b_i . x), each piece evaluated from the definition.
    static func pieces(_ A: [[[Double]]], _ b: [[Double]], _ x: [Double]) -> [Double] {
        A.indices.map { i in
            var value = 0.0
            for r in x.indices {
                value += b[i][r] * x[r]
                for c in x.indices { value += 0.5 * x[r] * A[i][r][c] * x[c] }
            }
            return value
        }
    }

    @Test("maxOfQuadraticsGradient equals central differences of the maximum, evaluated here, where one piece leads")
    func maxOfQuadraticsGradient() throws {
        var generator = SeededGenerator(seed: 4141)
        var cases: [(A: [[[Double]]], b: [[Double]], x: [Double])] = []
        while cases.count < 16 {
            let k = Int.random(in: 2...4, using: &generator)
            let n = Int.random(in: 1...4, using: &generator)
            let A = (0..<k).map { _ in
                (0..<n).map { _ in (0..<n).map { _ in Double.random(in: -2...2, using: &generator) } }
            }
            let b = (0..<k).map { _ in (0..<n).map { _ in Double.random(in: -2...2, using: &generator) } }
            let x = (0..<n).map { _ in Double.random(in: -2...2, using: &generator) }
            let sorted = Self.pieces(A, b, x).sorted(by: >)
            guard sorted[0] - sorted[1] > 1e-3 else { continue }
            cases.append((A, b, x))
        }
        let arguments = cases.map {
            [SnippetValue.array($0.A.map(TestSupport.matrix)), TestSupport.matrix($0.b), TestSupport.vector($0.x)]
        }
        let gradients = try session.callReference(
            problem: "max-of-quadratics",
            signature: "func maxOfQuadraticsGradient(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double]",
            arguments: arguments)
        let values = try session.callReference(
            problem: "max-of-quadratics",
            signature: "func maxOfQuadratics(A: [[[Double]]], b: [[Double]], x: [Double]) -> Double",
            arguments: arguments)
        for (index, example) in cases.enumerated() {
            let f: ([Double]) -> Double = { Self.pieces(example.A, example.b, $0).max()! }
            #expect(Self.close(TestSupport.doubles(values[index]), [f(example.x)], 1e-12))
            #expect(Self.close(TestSupport.doubles(gradients[index]), Self.gradient(f, at: example.x)), "case \(index)")
        }
        // The check accepts the reference's gradients, and rejects A x + b where A is not symmetric.
        let checks = try session.callReference(
            problem: "max-of-quadratics",
            signature:
                "func maxOfQuadraticsCheck(A: [[[Double]]], b: [[Double]], x: [Double], output: [Double]) -> String",
            arguments: zip(arguments, gradients).map { $0 + [$1] })
        #expect(checks.allSatisfy { $0 == .string("") })
        let unsymmetrised = cases.enumerated().compactMap { index, example -> [SnippetValue]? in
            guard example.x.count > 1 else { return nil }
            let pieceValues = Self.pieces(example.A, example.b, example.x)
            let i = pieceValues.indices.max { pieceValues[$0] < pieceValues[$1] }!
            let wrong = example.x.indices.map { r in
                example.x.indices.reduce(example.b[i][r]) { $0 + example.A[i][r][$1] * example.x[$1] }
            }
            return arguments[index] + [TestSupport.vector(wrong)]
        }
        let rejected = try session.callReference(
            problem: "max-of-quadratics",
            signature:
                "func maxOfQuadraticsCheck(A: [[[Double]]], b: [[Double]], x: [Double], output: [Double]) -> String",
            arguments: unsymmetrised)
        #expect(!unsymmetrised.isEmpty)
        #expect(rejected.allSatisfy { Self.string($0).map { !$0.isEmpty } ?? false })
    }

    @Test("at an exact tie the check accepts either piece's gradient and refuses the differences straddling the kink")
    func maxOfQuadraticsTie() throws {
        // f_0 = x_1^2 and f_1 = x_1 tie at x = (1, 0): gradients (2, 0) and (1, 0); central differences of f give
        // (1.5, 0), the average of the two one-sided slopes, which is no gradient of f.
        let A: SnippetValue = .array([TestSupport.matrix([[2, 0], [0, 0]]), TestSupport.matrix([[0, 0], [0, 0]])])
        let b = TestSupport.matrix([[0, 0], [1, 0]])
        let x = TestSupport.vector([1, 0])
        let outputs: [[Double]] = [[2, 0], [1, 0], [1.5, 0]]
        let checks = try session.callReference(
            problem: "max-of-quadratics",
            signature:
                "func maxOfQuadraticsCheck(A: [[[Double]]], b: [[Double]], x: [Double], output: [Double]) -> String",
            arguments: outputs.map { [A, b, x, TestSupport.vector($0)] })
        #expect(checks[0] == .string("") && checks[1] == .string(""))
        #expect(Self.string(checks[2]).map { !$0.isEmpty } ?? false)
    }

    // MARK: network-depth

    @Test("collapseAffine's C x + d equals the stacked layers evaluated here, for layers of any widths")
    func collapseAffine() throws {
        var generator = SeededGenerator(seed: 6060)
        var cases: [(weights: [[[Double]]], biases: [[Double]])] = []
        for _ in 0..<10 {
            let depth = Int.random(in: 1...4, using: &generator)
            let widths = (0...depth).map { _ in Int.random(in: 1...4, using: &generator) }
            let weights = (0..<depth).map { l in
                (0..<widths[l + 1]).map { _ in (0..<widths[l]).map { _ in Double.random(in: -2...2, using: &generator) }
                }
            }
            let biases = (0..<depth).map { l in
                (0..<widths[l + 1]).map { _ in Double.random(in: -2...2, using: &generator) }
            }
            cases.append((weights, biases))
        }
        let outputs = try session.callReference(
            problem: "network-depth",
            signature: "func collapseAffine(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double])",
            arguments: cases.map { [.array($0.weights.map(TestSupport.matrix)), TestSupport.matrix($0.biases)] })
        for (example, output) in zip(cases, outputs) {
            guard case .tuple(let parts) = output, parts.count == 2 else {
                Issue.record("not a pair")
                continue
            }
            let C = Self.matrix(parts[0])
            let d = TestSupport.doubles(parts[1])
            let inputWidth = example.weights[0][0].count
            let outputWidth = example.biases.last!.count
            #expect(C.count == outputWidth && C.allSatisfy { $0.count == inputWidth } && d.count == outputWidth)
            for _ in 0..<3 {
                let x = (0..<inputWidth).map { _ in Double.random(in: -2...2, using: &generator) }
                var a = x
                for l in example.weights.indices {
                    a = example.weights[l].indices.map { i in
                        a.indices.reduce(example.biases[l][i]) { $0 + example.weights[l][i][$1] * a[$1] }
                    }
                }
                let collapsed = C.indices.map { i in x.indices.reduce(d[i]) { $0 + C[i][$1] * x[$1] } }
                #expect(Self.close(collapsed, a, 1e-12), "\(collapsed) vs \(a)")
            }
        }
    }
}
