import Foundation
import Testing

@testable import GraderCore

/// Per-student variants of HW6's numbers, each checked against a computation that shares no code with the reference.
@Suite("Per-student variants")
struct VariantTests {
    let session = TestSupport.session
    static let secret = String(repeating: "5eed", count: 16)

    /// Fifty student ids, drawn once.
    static let students: [String] = {
        var random = SeededGenerator(seed: 1301)
        return (0..<50).map { _ in "s" + String(random.next() % 1_000_000_007, radix: 36) }
    }()

    func problem(_ id: String) throws -> Problem { try #require(session.problems.problem(id)) }

    /// Each student's variant of `problem` and its answer keys, all computed in one batch as `grader batch` does.
    func keyedVariants(_ problem: Problem) throws -> [(variant: ParameterValues, keys: [String: AnswerKey])] {
        let variants = try Self.students.map { try problem.variant(student: $0, secret: Self.secret) }
        try session.prepareVariants(variants, of: problem)
        return try variants.map { ($0, try session.referenceResults(for: problem, variant: $0).answerKeys) }
    }

    static func doubles(_ value: SnippetValue?) -> [Double] { value.map(TestSupport.doubles) ?? [] }

    static func matrix(_ value: SnippetValue?) -> [[Double]] {
        guard case .array(let rows)? = value else { return [] }
        return rows.map(TestSupport.doubles)
    }

    @Test(
        """
        residual-jacobians: 50 students' gradients equal central differences, one unit of layer 2 is inactive, \
        relu' ignored is a distinct answer
        """
    )
    func residualNetworks() throws {
        let keyed = try keyedVariants(try problem("residual-jacobians"))
        var networks = Set<String>()
        for (variant, keys) in keyed {
            let x = Self.doubles(variant["x"])
            let weights = ["A1", "A2", "A3"].map { Self.matrix(variant[$0]) }
            let biases = ["b1", "b2", "b3"].map { Self.doubles(variant[$0]) }
            networks.insert(variant.description)
            let y1 = ReferenceVerificationTests.affine(weights[0], biases[0], x)
            let z2 = ReferenceVerificationTests.affine(weights[1], biases[1], y1)
            #expect(z2.filter { $0 < 0 }.count == 1 && z2.filter { $0 > 0 }.count == 1, "\(variant)")
            // Central differences of the network's output, written in the verification tests from the definition.
            let h = 1e-6
            func output(_ weights: [[[Double]]], _ biases: [[Double]]) -> Double {
                ReferenceVerificationTests.networkOutput(weights, biases, x)
            }
            let numericB1 = (0..<2).map { i -> Double in
                var plus = biases
                var minus = biases
                plus[0][i] += h
                minus[0][i] -= h
                return (output(weights, plus) - output(weights, minus)) / (2 * h)
            }
            let numericA2 = (0..<2).flatMap { i in
                (0..<2).map { j -> Double in
                    var plus = weights
                    var minus = weights
                    plus[1][i][j] += h
                    minus[1][i][j] -= h
                    return (output(plus, biases) - output(minus, biases)) / (2 * h)
                }
            }
            let b1 = try #require(keys["gradient-b1"])
            let a2 = try #require(keys["gradient-A2"])
            #expect(zip(Self.doubles(b1.expected), numericB1).allSatisfy { abs($0 - $1) < 1e-6 }, "\(variant)")
            #expect(zip(Self.doubles(a2.expected), numericA2).allSatisfy { abs($0 - $1) < 1e-6 }, "\(variant)")
            // The relu' mistake is recognisable: its value differs from the answer beyond the part's tolerance.
            for key in [b1, a2] {
                let expected = Self.doubles(key.expected)
                let mistake = Self.doubles(key.mistakes.first?.value)
                #expect(zip(expected, mistake).contains { abs($0 - $1) > 1e-3 }, "\(variant)")
            }
        }
        #expect(networks.count >= 45, "only \(networks.count) distinct networks for 50 students")
    }

    @Test("parameter-counts: 50 students' blocks equal layer-by-layer enumeration, and so do the known mistakes")
    func resnextBlocks() throws {
        let keyed = try keyedVariants(try problem("parameter-counts"))
        let count = ReferenceVerificationTests.enumerate
        var blocks = Set<String>()
        for (variant, keys) in keyed {
            guard case .int(let channels)? = variant["channels"], case .int(let width)? = variant["width"],
                case .int(let cardinality)? = variant["cardinality"]
            else {
                Issue.record("missing parameters in \(variant)")
                continue
            }
            blocks.insert(variant.description)
            #expect(width < channels && width % cardinality == 0)
            let pathWidth = width / cardinality
            func block(_ input: Int, _ inner: Int, groups: Int, bias: Bool) -> Int {
                count(input, inner, 1, 1, bias) + count(inner, inner, 3, groups, bias) + count(inner, input, 1, 1, bias)
            }
            let naive = block(channels, width, groups: 1, bias: true)
            let split = (0..<cardinality).reduce(0) { total, _ in
                total + block(channels, pathWidth, groups: 1, bias: true)
            }
            let splitWithoutBias = (0..<cardinality).reduce(0) { total, _ in
                total + block(channels, pathWidth, groups: 1, bias: false)
            }
            #expect(keys["resnext-naive"]?.expected == .int(naive), "\(variant)")
            #expect(
                keys["resnext-naive"]?.mistakes.map(\.value) == [.int(block(channels, width, groups: 1, bias: false))])
            #expect(keys["resnext-split"]?.expected == .int(split), "\(variant)")
            #expect(
                keys["resnext-split"]?.mistakes.map(\.value) == [
                    .int(block(channels, width, groups: cardinality, bias: true)), .int(splitWithoutBias),
                ])
            #expect(keys["mlp"]?.expected == .int(4353))
        }
        #expect(blocks.count >= 3)
    }

    /// 3^-L + sum_i 3^-(L-i) / n_i, DESIGN's closed form.
    static func closedForm(_ widths: [Int]) -> Double {
        let depth = widths.count
        return pow(3, -Double(depth))
            + widths.enumerated().reduce(0) { $0 + pow(3, -Double(depth - $1.offset)) / Double($1.element) }
    }

    @Test(
        "variance-recursion: 50 students' variances equal the closed form, which Monte Carlo confirms on three of them")
    func variances() throws {
        let keyed = try keyedVariants(try problem("variance-recursion"))
        var checked: [[Int]] = []
        for (variant, keys) in keyed {
            guard case .array(let items)? = variant["widths"] else {
                Issue.record("no widths in \(variant)")
                continue
            }
            let widths = items.compactMap { if case .int(let n) = $0 { return n } else { return nil } }
            #expect(widths.count == 3)
            guard case .double(let answer)? = keys["output-variance"]?.expected else {
                Issue.record("no key")
                continue
            }
            let closed = Self.closedForm(widths)
            #expect(abs(answer - closed) <= 1e-12 * closed, "\(widths)")
            #expect(keys["output-variance"]?.mistakes.first?.value == .double(pow(3, -3)))
            if !checked.contains(widths) { checked.append(widths) }
        }
        // Monte Carlo on the three cheapest distinct variants (the cost grows with the widths' products).
        let cheapest = checked.sorted { $0[0] * $0[1] + $0[1] * $0[2] < $1[0] * $1[1] + $1[1] * $1[2] }.prefix(3)
        #expect(cheapest.count == 3)
        for widths in cheapest {
            var random = SeededGenerator(seed: UInt64(widths.reduce(17) { $0 * 131 + $1 }))
            let samples = 20_000
            var sum = 0.0
            var sumSquares = 0.0
            var sumFourth = 0.0
            for _ in 0..<samples {
                var y = (0..<widths[0]).map { _ in Bool.random(using: &random) ? 1.0 : -1.0 }
                let outputs = Array(widths.dropFirst()) + [1]
                for (layer, inWidth) in widths.enumerated() {
                    let bound = 1 / Double(inWidth).squareRoot()
                    y = (0..<outputs[layer]).map { _ in
                        y.reduce(Double.random(in: -bound...bound, using: &random)) {
                            $0 + Double.random(in: -bound...bound, using: &random) * $1
                        }
                    }
                }
                sum += y[0]
                sumSquares += y[0] * y[0]
                sumFourth += y[0] * y[0] * y[0] * y[0]
            }
            let n = Double(samples)
            let second = sumSquares / n
            let variance = second - (sum / n) * (sum / n)
            let standardError = ((sumFourth / n - second * second) / n).squareRoot()
            #expect(
                abs(variance - Self.closedForm(widths)) < 5 * standardError,
                "\(widths): MC \(variance) vs \(Self.closedForm(widths))")
        }
    }

    @Test(
        """
        the id reference gets DESIGN's numbers with or without a secret; other ids get their own, which the \
        secret changes
        """
    )
    func whoGetsWhat() throws {
        for id in ["residual-jacobians", "parameter-counts", "variance-recursion"] {
            let problem = try problem(id)
            let defaults = try problem.variant(key: nil)
            #expect(try problem.variant(student: "reference", secret: Self.secret) == defaults)
            #expect(try problem.variant(student: nil, secret: nil) == defaults)
            #expect(
                try problem.variant(student: "alice", secret: Self.secret)
                    == problem.variant(student: "alice", secret: Self.secret))
        }
        let network = try problem("residual-jacobians")
        #expect(Self.doubles(try network.variant(key: nil)["x"]) == [1, -1])
        #expect(
            try network.variant(student: "alice", secret: Self.secret) != network.variant(student: "alice", secret: nil)
        )
        #expect(
            try network.variant(student: "alice", secret: Self.secret)
                != network.variant(student: "bob", secret: Self.secret))
        // The student kit's route to a variant is the variant key, which only the secret yields.
        let key = Variants.key(student: "alice", secret: Self.secret)
        #expect(try network.variant(key: key) == network.variant(student: "alice", secret: Self.secret))
        #expect(key != Variants.key(student: "alice", secret: nil))
    }

    @Test(
        """
        grading fills the student's numbers into each part's prompt, hint and mistakes, and leaves the statement, \
        which only a handout shows; a part with nothing to fill stays as it is
        """
    )
    func gradedInstance() throws {
        let network = try problem("residual-jacobians")
        let values = try network.variant(student: "alice", secret: Self.secret)
        let x = try #require(values["x"]).swiftLiteral
        let parts = network.parts
        #expect(parts.count >= 4)
        func edited(_ index: Int, prompt: String? = nil, hint: String? = nil, mistake: String? = nil) -> Part {
            let part = parts[index]
            var copy = Part(
                id: part.id, prompt: prompt ?? part.prompt, points: part.points, kind: part.kind,
                mistakes: part.mistakes
                    + (mistake.map { [KnownMistake(match: .implementation("f"), feedback: $0, line: 7)] } ?? []),
                hint: hint ?? part.hint, line: part.line)
            copy.immediateFeedback = index != 1
            copy.answerWithheld = index != 2
            return copy
        }
        var untouched = parts[3]
        untouched.immediateFeedback = true
        untouched.answerWithheld = true
        // Each text alone is enough for a part to be filled.
        var problem = Problem(
            id: network.id, title: network.title, statement: network.statement,
            definitionPath: network.definitionPath, referencePath: network.referencePath,
            parts: [
                edited(0, prompt: "x is {{x}}"), edited(1, hint: "see {{x}}"), edited(2, mistake: "with {{x}}"),
                untouched,
            ] + parts[4...], limits: network.limits)
        problem.parameters = network.parameters
        let graded = problem.gradedInstance(values)
        #expect(problem.parts[0].line > 0 && problem.parts[3].line > 0)
        #expect(graded.statement == network.statement && graded.statement.contains("{{x}}"))
        #expect(problem.instantiated(values).statement.contains("x = \(x)"))
        #expect(graded.parts[0].prompt == "x is \(x)")
        #expect(graded.parts[1].hint == "see \(x)")
        #expect(graded.parts[2].mistakes.last?.feedback == "with \(x)")
        for (part, original) in zip(graded.parts[3...], parts[3...]) {
            #expect(part.prompt == original.prompt && part.hint == original.hint)
            #expect(part.mistakes.map(\.feedback) == original.mistakes.map(\.feedback))
        }
        #expect(graded.parts.map(\.id) == parts.map(\.id))
        // Filled in or kept as it is, a part keeps every field but its texts.
        for (part, original) in zip(graded.parts, problem.parts) {
            #expect(part.points == original.points && part.line == original.line)
            #expect(part.immediateFeedback == original.immediateFeedback)
            #expect(part.answerWithheld == original.answerWithheld && part.kindName == original.kindName)
            #expect(part.mistakes.map(\.line) == original.mistakes.map(\.line))
        }
        #expect(
            !Variants.opensPlaceholder("{ {x} }") && !Variants.opensPlaceholder("") && Variants.opensPlaceholder("a{{"))
    }

    @Test("two students' handouts differ, and each shows that student's numbers")
    func handouts() throws {
        let network = try problem("residual-jacobians")
        var set = session.problems
        set.secret = Self.secret
        let limits = SandboxLimits()
        let alice = Handout.markdown(
            network, limits: limits, variant: try set.handoutVariant(of: network, student: "alice", key: nil))
        let bob = Handout.markdown(
            network, limits: limits, variant: try set.handoutVariant(of: network, student: "bob", key: nil))
        #expect(alice != bob)
        let aliceX = try network.variant(student: "alice", secret: Self.secret)["x"]!.swiftLiteral
        #expect(alice.contains("x = \(aliceX)") && alice.contains("student `alice`"))
        #expect(!alice.contains("{{"))
        let plain = Handout.markdown(network, limits: limits)
        #expect(plain.contains("x = [1.0, -1.0]") && plain.contains("differ from student to student"))
    }
}
