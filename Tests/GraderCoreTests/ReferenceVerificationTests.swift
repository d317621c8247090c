import Foundation
import Testing

@testable import GraderCore

/// Each reference implementation checked by a method that shares no code with it.
@Suite("Reference implementations, verified independently")
struct ReferenceVerificationTests {
    let session = TestSupport.session

    // MARK: residual-jacobians: finite differences

    /// A v + b, written here from the definition.
    static func affine(_ A: [[Double]], _ b: [Double], _ v: [Double]) -> [Double] {
        A.indices.map { i in b[i] + v.indices.reduce(0) { $0 + A[i][$1] * v[$1] } }
    }

    /// y + relu(A y + b).
    static func residualLayer(_ A: [[Double]], _ b: [Double], _ y: [Double]) -> [Double] {
        zip(y, affine(A, b, y)).map { $0 + max(0, $1) }
    }

    /// The scalar output of the network, written here from the definition.
    static func networkOutput(_ weights: [[[Double]]], _ biases: [[Double]], _ x: [Double]) -> Double {
        var y = affine(weights[0], biases[0], x)
        for l in 1..<(weights.count - 1) {
            y = zip(y, affine(weights[l], biases[l], y)).map { $0 + max(0, $1) }
        }
        return affine(weights[weights.count - 1], biases[weights.count - 1], y)[0]
    }

    /// Distance from the nearest relu kink over every pre-activation, so finite differences stay on one side.
    static func kinkMargin(_ weights: [[[Double]]], _ biases: [[Double]], _ x: [Double]) -> Double {
        var margin = Double.infinity
        var y = affine(weights[0], biases[0], x)
        for l in 1..<(weights.count - 1) {
            let z = affine(weights[l], biases[l], y)
            margin = min(margin, z.map(abs).min() ?? .infinity)
            y = zip(y, z).map { $0 + max(0, $1) }
        }
        return margin
    }

    static func randomMatrix(_ rows: Int, _ columns: Int, _ random: inout SeededGenerator) -> [[Double]] {
        (0..<rows).map { _ in (0..<columns).map { _ in Double.random(in: -1.5...1.5, using: &random) } }
    }

    @Test("residualLayerJacobian equals central finite differences", arguments: [2, 3, 5, 7])
    func layerJacobian(n: Int) throws {
        var random = SeededGenerator(seed: UInt64(n) * 7919)
        var cases: [[SnippetValue]] = []
        var raw: [([[Double]], [Double], [Double])] = []
        while raw.count < 6 {
            let A = Self.randomMatrix(n, n, &random)
            let b = (0..<n).map { _ in Double.random(in: -1...1, using: &random) }
            let y = (0..<n).map { _ in Double.random(in: -2...2, using: &random) }
            let z = Self.affine(A, b, y)
            guard z.allSatisfy({ abs($0) > 1e-3 }) else { continue }
            raw.append((A, b, y))
            cases.append([TestSupport.matrix(A), TestSupport.vector(b), TestSupport.vector(y)])
        }
        let outputs = try session.callReference(
            problem: "residual-jacobians",
            signature: "func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]]",
            arguments: cases)
        let h = 1e-6
        for ((A, b, y), output) in zip(raw, outputs) {
            let jacobian = TestSupport.doubles(output)
            for j in 0..<n {
                var plus = y
                var minus = y
                plus[j] += h
                minus[j] -= h
                let column = zip(Self.residualLayer(A, b, plus), Self.residualLayer(A, b, minus)).map {
                    ($0 - $1) / (2 * h)
                }
                for i in 0..<n {
                    #expect(abs(jacobian[i * n + j] - column[i]) < 1e-6, "J[\(i)][\(j)] for n = \(n)")
                }
            }
        }
    }

    @Test("residualGradients equals finite differences on random networks", arguments: [3, 4, 5, 6])
    func gradients(depth: Int) throws {
        var random = SeededGenerator(seed: UInt64(depth) * 104_729)
        var networks: [([[[Double]]], [[Double]], [Double])] = []
        while networks.count < 3 {
            let width = Int.random(in: 1...4, using: &random)
            let inputWidth = Int.random(in: 1...4, using: &random)
            var weights = [Self.randomMatrix(width, inputWidth, &random)]
            for _ in 0..<(depth - 2) { weights.append(Self.randomMatrix(width, width, &random)) }
            weights.append(Self.randomMatrix(1, width, &random))
            let biases = weights.map { layer in layer.map { _ in Double.random(in: -1...1, using: &random) } }
            let x = (0..<inputWidth).map { _ in Double.random(in: -2...2, using: &random) }
            if Self.kinkMargin(weights, biases, x) > 1e-3 { networks.append((weights, biases, x)) }
        }
        let arguments = networks.map { weights, biases, x in
            [
                SnippetValue.array(weights.map(TestSupport.matrix)), .array(biases.map(TestSupport.vector)),
                TestSupport.vector(x),
            ]
        }
        let outputs = try session.callReference(
            problem: "residual-jacobians",
            signature:
                """
                func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: \
                [[[Double]]], biases: [[Double]])
                """,
            arguments: arguments)
        let h = 1e-6
        for ((weights, biases, x), output) in zip(networks, outputs) {
            guard case .tuple(let parts) = output, case .array(let weightGradients) = parts[0],
                case .array(let biasGradients) = parts[1]
            else {
                Issue.record("unexpected output shape")
                continue
            }
            for l in weights.indices {
                let dA = TestSupport.doubles(weightGradients[l])
                let db = TestSupport.doubles(biasGradients[l])
                #expect(dA.count == weights[l].count * weights[l][0].count && db.count == biases[l].count)
                for i in weights[l].indices {
                    var plus = biases
                    var minus = biases
                    plus[l][i] += h
                    minus[l][i] -= h
                    let numeric =
                        (Self.networkOutput(weights, plus, x) - Self.networkOutput(weights, minus, x)) / (2 * h)
                    #expect(abs(db[i] - numeric) < 1e-5, "db_\(l + 1)[\(i)] depth \(depth)")
                    for j in weights[l][i].indices {
                        var wPlus = weights
                        var wMinus = weights
                        wPlus[l][i][j] += h
                        wMinus[l][i][j] -= h
                        let numericW =
                            (Self.networkOutput(wPlus, biases, x) - Self.networkOutput(wMinus, biases, x)) / (2 * h)
                        #expect(
                            abs(dA[i * weights[l][i].count + j] - numericW) < 1e-5,
                            "dA_\(l + 1)[\(i)][\(j)] depth \(depth)")
                    }
                }
            }
        }
    }

    @Test("the handout answers match finite differences and DESIGN's numbers; the relu' mistake is [6, -2.75]")
    func handout() throws {
        let weights: [[[Double]]] = [[[0.5, -1.0], [1.5, 0.25]], [[1.0, -0.5], [-2.0, 0.75]], [[2.0, -1.0]]]
        let biases: [[Double]] = [[0.1, -0.2], [0.0, 0.3], [0.5]]
        let x = [1.0, -1.0]
        let h = 1e-6
        let numericB1 = (0..<2).map { i -> Double in
            var plus = biases
            var minus = biases
            plus[0][i] += h
            minus[0][i] -= h
            return (Self.networkOutput(weights, plus, x) - Self.networkOutput(weights, minus, x)) / (2 * h)
        }
        let b1 = TestSupport.doubles(
            try #require(try session.expectedAnswer(problem: "residual-jacobians", part: "gradient-b1")))
        #expect(zip(b1, numericB1).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(zip(b1, [4.0, -2.0]).allSatisfy { abs($0 - $1) < 1e-12 })
        let a2 = TestSupport.doubles(
            try #require(try session.expectedAnswer(problem: "residual-jacobians", part: "gradient-A2")))
        #expect(zip(a2, [3.2, 2.1, 0, 0]).allSatisfy { abs($0 - $1) < 1e-12 })
        let mistake = TestSupport.doubles(
            try session.mistakeAnswers(problem: "residual-jacobians", part: "gradient-b1")[0])
        #expect(zip(mistake, [6.0, -2.75]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    // MARK: variance-recursion: Monte Carlo

    /// Samples the output variance by simulation. With N samples the standard error of the sample variance is
    /// sqrt((m4 - s^4) / N), estimated from the same samples; the check allows 5 standard errors.
    @Test(
        "outputVariance agrees with Monte Carlo within 5 standard errors",
        arguments: [[16, 32, 8], [4], [3, 7, 2, 5]])
    func varianceMonteCarlo(widths: [Int]) throws {
        let expected = try session.callReference(
            problem: "variance-recursion", signature: "func outputVariance(widths: [Int]) -> Double",
            arguments: [[.array(widths.map(SnippetValue.int))]])[0]
        guard case .double(let variance) = expected else {
            Issue.record("not a double")
            return
        }
        var random = SeededGenerator(seed: 424_242)
        let samples = 40_000
        var sum = 0.0
        var sumSquares = 0.0
        var sumFourth = 0.0
        for _ in 0..<samples {
            // x: i.i.d. mean 0, variance 1 (a Rademacher sign works and is cheap).
            var y = (0..<widths[0]).map { _ in Bool.random(using: &random) ? 1.0 : -1.0 }
            let outputs = Array(widths.dropFirst()) + [1]  // only one output unit of the last layer is needed
            for (layer, inWidth) in widths.enumerated() {
                let bound = 1 / Double(inWidth).squareRoot()
                y = (0..<outputs[layer]).map { _ in
                    y.reduce(Double.random(in: -bound...bound, using: &random)) {
                        $0 + Double.random(in: -bound...bound, using: &random) * $1
                    }
                }
            }
            let value = y[0]
            sum += value
            sumSquares += value * value
            sumFourth += value * value * value * value
        }
        let n = Double(samples)
        let secondMoment = sumSquares / n
        let sampleVariance = secondMoment - (sum / n) * (sum / n)
        let standardError = ((sumFourth / n - secondMoment * secondMoment) / n).squareRoot()
        #expect(
            abs(sampleVariance - variance) < 5 * standardError, "MC \(sampleVariance) vs \(variance) ± \(standardError)"
        )
        if widths == [16, 32, 8] { #expect(abs(variance - 0.0844907407407) < 1e-10) }
    }

    // MARK: parameter-counts: explicit enumeration

    /// Counts parameters by listing every weight and bias of a convolution one by one.
    static func enumerate(inChannels: Int, outChannels: Int, kernel: Int, groups: Int, bias: Bool) -> Int {
        var count = 0
        for output in 0..<outChannels {
            let group = output / (outChannels / groups)
            let inputs = (group * inChannels / groups)..<((group + 1) * inChannels / groups)
            for _ in inputs { for _ in 0..<kernel { for _ in 0..<kernel { count += 1 } } }
            if bias { count += 1 }
        }
        return count
    }

    @Test("conv2dParameterCount equals enumeration of every weight and bias")
    func convolutionEnumeration() throws {
        var cases: [[SnippetValue]] = []
        var expected: [Int] = []
        for groups in [1, 2, 4] {
            for perGroupIn in [1, 3] {
                for perGroupOut in [1, 2] {
                    for kernel in [1, 3] {
                        for bias in [false, true] {
                            cases.append([
                                .int(groups * perGroupIn), .int(groups * perGroupOut), .int(kernel), .int(groups),
                                .bool(bias),
                            ])
                            expected.append(
                                Self.enumerate(
                                    inChannels: groups * perGroupIn, outChannels: groups * perGroupOut, kernel: kernel,
                                    groups: groups, bias: bias))
                        }
                    }
                }
            }
        }
        let outputs = try session.callReference(
            problem: "parameter-counts",
            signature:
                """
                func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: \
                Bool) -> Int
                """,
            arguments: cases)
        #expect(outputs == expected.map(SnippetValue.int))
    }

    @Test("conv2dParameterCount is exact at ResNeXt-101 sizes and beyond a billion")
    func convolutionLargeCounts() throws {
        // ResNeXt-101 (64x4d) conv5 layers, enumerated weight by weight; then layers whose counts pass 1e9 and 2^53,
        // checked against the count done in exact integer arithmetic here.
        let enumerated: [(Int, Int, Int, Int, Bool)] = [
            (2048, 2048, 3, 64, true), (1024, 2048, 1, 1, false), (2048, 1024, 1, 1, true),
        ]
        let huge: [(Int, Int, Int, Int, Bool)] = [
            (65536, 65536, 3, 1, true), (1 << 20, 1 << 20, 3, 1, false), (1 << 27, 1 << 27, 1, 1, true),
        ]
        let cases = enumerated + huge
        let outputs = try session.callReference(
            problem: "parameter-counts",
            signature:
                """
                func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: \
                Bool) -> Int
                """,
            arguments: cases.map { [.int($0.0), .int($0.1), .int($0.2), .int($0.3), .bool($0.4)] })
        let expected =
            enumerated.map {
                Self.enumerate(inChannels: $0.0, outChannels: $0.1, kernel: $0.2, groups: $0.3, bias: $0.4)
            }
            + huge.map { $0.0 / $0.3 * $0.1 * $0.2 * $0.2 + ($0.4 ? $0.1 : 0) }
        #expect(outputs == expected.map(SnippetValue.int))
        #expect(expected.last! > 1 << 53)
    }

    @Test("the block answers and their known mistakes equal layer-by-layer enumeration")
    func blockEnumeration() throws {
        let naive =
            Self.enumerate(inChannels: 256, outChannels: 128, kernel: 1, groups: 1, bias: true)
            + Self.enumerate(inChannels: 128, outChannels: 128, kernel: 3, groups: 1, bias: true)
            + Self.enumerate(inChannels: 128, outChannels: 256, kernel: 1, groups: 1, bias: true)
        let path =
            Self.enumerate(inChannels: 256, outChannels: 4, kernel: 1, groups: 1, bias: true)
            + Self.enumerate(inChannels: 4, outChannels: 4, kernel: 3, groups: 1, bias: true)
            + Self.enumerate(inChannels: 4, outChannels: 256, kernel: 1, groups: 1, bias: true)
        let grouped =
            Self.enumerate(inChannels: 256, outChannels: 128, kernel: 1, groups: 1, bias: true)
            + Self.enumerate(inChannels: 128, outChannels: 128, kernel: 3, groups: 32, bias: true)
            + Self.enumerate(inChannels: 128, outChannels: 256, kernel: 1, groups: 1, bias: true)
        let mlp = [(1, 64), (64, 64), (64, 1)].reduce(0) {
            $0 + Self.enumerate(inChannels: $1.0, outChannels: $1.1, kernel: 1, groups: 1, bias: true)
        }
        #expect(naive == 213504 && 32 * path == 78592 && grouped == 70656 && mlp == 4353)
        #expect(try session.expectedAnswer(problem: "parameter-counts", part: "resnext-naive") == .int(naive))
        #expect(try session.expectedAnswer(problem: "parameter-counts", part: "resnext-split") == .int(32 * path))
        #expect(try session.expectedAnswer(problem: "parameter-counts", part: "mlp") == .int(mlp))
        #expect(try session.mistakeAnswers(problem: "parameter-counts", part: "resnext-naive") == [.int(212992)])
        #expect(try session.mistakeAnswers(problem: "parameter-counts", part: "resnext-split").first == .int(grouped))
    }

    // MARK: dropout-equivalence: enumeration of masks

    static let activations: [String: @Sendable (Double) -> Double] = [
        "relu": { max(0, $0) }, "leaky-relu": { $0 > 0 ? $0 : 0.01 * $0 }, "identity": { $0 },
        "sigmoid": { 1 / (1 + exp(-$0)) }, "tanh": { tanh($0) }, "elu": { $0 > 0 ? $0 : exp($0) - 1 },
        "gelu": { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) },
    ]

    @Test("invertedDropout matches every mask, and averaging over masks returns x")
    func dropoutMasks() throws {
        let x = [0.75, -1.5, 2.25]
        let p = 0.25
        let masks = (0..<8).map { bits in (0..<3).map { bits & (1 << $0) != 0 } }
        let outputs = try session.callReference(
            problem: "dropout-equivalence",
            signature: "func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double]",
            arguments: masks.map { [TestSupport.vector(x), .array($0.map(SnippetValue.bool)), .double(p)] })
        var mean = [0.0, 0.0, 0.0]
        for (mask, output) in zip(masks, outputs) {
            let values = TestSupport.doubles(output)
            let probability = mask.reduce(1.0) { $0 * ($1 ? 1 - p : p) }
            for i in 0..<3 {
                #expect(values[i] == (mask[i] ? x[i] / (1 - p) : 0))
                mean[i] += probability * values[i]
            }
        }
        #expect(zip(mean, x).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("the commuting activations are exactly those that agree under every mask")
    func commutingActivations() throws {
        let p = 0.3
        let inputs = stride(from: -3.0, through: 3.0, by: 0.25).map { $0 }
        var commuting: Set<String> = []
        for (name, sigma) in Self.activations {
            var agree = true
            for z in inputs {
                for kept in [false, true] {
                    let scale = kept ? 1 / (1 - p) : 0
                    if abs(sigma(scale * z) - scale * sigma(z)) > 1e-12 { agree = false }
                }
            }
            if agree { commuting.insert(name) }
        }
        let problem = try #require(session.problems.problem("dropout-equivalence"))
        guard let spec = (problem.parts[0].kind as? ChoiceKind)?.spec else {
            Issue.record("not multiple choice")
            return
        }
        #expect(Set(spec.correct) == commuting)
        #expect(commuting == ["relu", "leaky-relu", "identity"])
    }
}
