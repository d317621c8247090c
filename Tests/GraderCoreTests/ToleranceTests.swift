import Testing

@testable import GraderCore

@Suite("Tolerance")
struct ToleranceTests {
    @Test("rtol and atol follow numpy's allclose rule at the boundary")
    func allcloseBoundary() {
        let tolerance = Tolerance(rtol: 0.5, atol: 0.25)
        // allowance for 2 is 0.25 + 0.5 * 2 = 1.25, exactly representable.
        #expect(tolerance.accepts(3.25, expected: 2))
        #expect(tolerance.accepts(0.75, expected: 2))
        #expect(!tolerance.accepts(3.25.nextUp, expected: 2))
        #expect(!tolerance.accepts(0.74, expected: 2))
    }

    @Test("exact means equal, and -0 equals 0")
    func exact() {
        #expect(Tolerance.exact.accepts(213504, expected: 213504))
        #expect(!Tolerance.exact.accepts(213503, expected: 213504))
        #expect(Tolerance.exact.accepts(-0.0, expected: 0.0))
        #expect(Tolerance(rtol: 1e-9).accepts(0.0, expected: -0.0))
    }

    @Test(
        "NaN never matches, infinities match only themselves",
        arguments: [
            (Double.nan, 1.0, false), (1.0, Double.nan, false), (Double.nan, Double.nan, false),
            (Double.infinity, Double.infinity, true), (-Double.infinity, Double.infinity, false),
            (Double.infinity, 1e308, false), (1e308, Double.infinity, false),
        ])
    func nonFinite(given: Double, expected: Double, accepted: Bool) {
        #expect(Tolerance(rtol: 1, atol: 1e300).accepts(given, expected: expected) == accepted)
    }

    @Test(
        "significant figures allow half a unit in the last kept digit",
        arguments: [
            (0.0845, 0.0844907407, 3, true),  // 0.0845 vs 0.08449...: 3 figures allow 5e-5
            (0.08449, 0.0844907407, 4, true),
            (0.0845, 0.0844907407, 4, false),  // 4 figures allow 5e-6; off by 9.3e-6
            (0.0844, 0.0844907407, 3, false),  // off by 9.1e-5 > 5e-5
            (1.05, 1.0, 2, true),  // at a power of ten: 2 figures allow 0.05
            (1.0500001, 1.0, 2, false),
            (-123.4, -123.0, 3, true),
            (-124.0, -123.0, 3, false),
        ])
    func significantFigures(given: Double, expected: Double, figures: Int, accepted: Bool) {
        #expect(Tolerance(significantFigures: figures).accepts(given, expected: expected) == accepted)
    }
}

@Suite("Answer parsing and numeric checking")
struct AnswerParsingTests {
    func tree(_ yaml: String) throws -> YAMLTree {
        try #require(
            try YAMLReader.parse("v: \(yaml)\n", file: "answers.yaml").flatMap { tree -> YAMLTree? in
                if case .mapping(let entries, _) = tree { return entries.first?.value }
                return nil
            })
    }

    @Test(
        "numbers in every YAML spelling",
        arguments: [
            ("1e-3", 0.001), ("-2.5", -2.5), ("4353", 4353), (".5", 0.5), ("\"0.25\"", 0.25),
        ])
    func reals(yaml: String, value: Double) throws {
        #expect(try AnswerParser.parse(tree(yaml), as: .double) == .success(.double(value)))
    }

    @Test(
        "wrong types and shapes say what was expected",
        arguments: [
            ("abc", SwiftType.double, "must be a number"),
            ("[1, 2]", SwiftType.double, "must be a number"),
            ("1.5", SwiftType.int, "must be a whole number"),
            ("213504000000000000000000000", SwiftType.int, "too large"),
            ("99999999999999999999", SwiftType.int, "too large"),
            (".inf", SwiftType.int, "finite"),
            ("3.2", SwiftType.array(.double), "must be a list"),
            ("[[1, 2], [3]]", SwiftType.array(.array(.double)), "ragged"),
            ("[1, x]", SwiftType.array(.double), "at [1]"),
            ("[1, 2]", SwiftType.array(.array(.double)), "must be a list of rows"),
        ])
    func wrongTypes(yaml: String, type: SwiftType, fragment: String) throws {
        guard case .failure(let problem) = AnswerParser.parse(try tree(yaml), as: type) else {
            Issue.record("expected a parse failure for \(yaml)")
            return
        }
        #expect(problem.message.contains(fragment), "\(problem.message)")
    }

    func part(_ kind: any AnswerKind) -> Part {
        Part(id: "p", prompt: "", points: 2, kind: kind, mistakes: [], hint: nil)
    }

    @Test("NaN and infinity answers never score, and say why")
    func nonFiniteAnswers() throws {
        let spec = NumericSpec(expected: .literal(.double(1)), tolerance: Tolerance(rtol: 1e300))
        for text in [".nan", ".inf", "-.inf"] {
            let grade = NumericKind(name: .real, spec: spec).check(
                problem: "x", part: part(NumericKind(name: .real, spec: spec)), answer: try tree(text),
                key: AnswerKey(expected: .double(1)))
            #expect(grade.status == .failed && grade.score == 0)
            #expect(grade.message.contains("finite"))
        }
    }

    @Test("a matrix of the wrong shape fails on shape before values")
    func shapeFirst() throws {
        let expected = TestSupport.matrix([[1, 2], [3, 4]])
        let spec = NumericSpec(expected: .literal(expected), tolerance: Tolerance(rtol: 1))
        let grade = NumericKind(name: .matrix, spec: spec).check(
            problem: "x", part: part(NumericKind(name: .matrix, spec: spec)),
            answer: try tree("[[1, 2, 0], [3, 4, 0]]"),
            key: AnswerKey(expected: expected))
        #expect(grade.status == .failed)
        #expect(grade.message.contains("wrong shape"))
    }

    @Test("whole numbers are compared exactly, as integers, unless the part states a tolerance")
    func integersExact() throws {
        let big = 1 << 53
        #expect(
            ValueComparison.firstDifference(expected: .int(big), got: .int(big + 1), tolerance: .exact) != nil,
            "2^53 + 1 is not 2^53")
        // The default snippet tolerance (rtol 1e-9) is not stated by the part: an off-by-one at a billion still fails.
        let defaultSnippet = Tolerance(rtol: 1e-9, atol: 1e-12)
        #expect(
            ValueComparison.firstDifference(
                expected: .int(1_000_000_000), got: .int(1_000_000_001), tolerance: defaultSnippet) != nil)
        #expect(
            ValueComparison.firstDifference(
                expected: .int(Int.max), got: .int(Int.min), tolerance: Tolerance(rtol: 1, appliesToIntegers: true))
                != nil,
            "an overflowing difference is never within tolerance")
        // A tolerance the part states applies, measured on the exact difference.
        let stated = Tolerance(rtol: 1e-3, appliesToIntegers: true)
        #expect(ValueComparison.firstDifference(expected: .int(1000), got: .int(1001), tolerance: stated) == nil)
        #expect(ValueComparison.firstDifference(expected: .int(1000), got: .int(1002), tolerance: stated) != nil)
        // Through the answers file: an integer part without a tolerance.
        let spec = NumericSpec(expected: .literal(.int(big)), tolerance: .exact)
        let key = AnswerKey(expected: .int(big))
        #expect(
            NumericKind(name: .integer, spec: spec).check(
                problem: "x", part: part(NumericKind(name: .integer, spec: spec)), answer: try tree("\(big + 1)"),
                key: key
            ).status == .failed)
        #expect(
            NumericKind(name: .integer, spec: spec).check(
                problem: "x", part: part(NumericKind(name: .integer, spec: spec)), answer: try tree("\(big)"), key: key
            ).status == .passed)
    }

    @Test("a known mistake gets its feedback; a near miss does not")
    func knownMistake() throws {
        let spec = NumericSpec(expected: .literal(.int(213504)), tolerance: .exact)
        let key = AnswerKey(expected: .int(213504), mistakes: [(.int(212992), "biases left out")])
        let hit = NumericKind(name: .integer, spec: spec).check(
            problem: "x", part: part(NumericKind(name: .integer, spec: spec)), answer: try tree("212992"), key: key)
        #expect(hit.mistake == "biases left out")
        let miss = NumericKind(name: .integer, spec: spec).check(
            problem: "x", part: part(NumericKind(name: .integer, spec: spec)), answer: try tree("212993"), key: key)
        #expect(miss.mistake == nil && miss.status == .failed)
    }

    @Test(
        "multiple choice: (right - wrong) / correct options, floored at 0; an empty or everything answer earns nothing")
    func multipleChoice() throws {
        let spec = ChoiceSpec(options: ["a", "b", "c", "d"], correct: ["a", "b"])
        let checker = ChoiceKind(name: .multipleChoice, spec: spec)
        func score(_ answer: String) throws -> PartGrade {
            checker.check(problem: "x", part: part(checker), answer: try tree(answer), key: AnswerKey(expected: nil))
        }
        #expect(try score("[a, c]").score == 0 && score("[a, c]").status == .failed)  // one right undone by one wrong
        #expect(try score("[a]").score == 1 && score("[a]").status == .partial)
        #expect(try score("[a, b, c]").score == 1)
        #expect(try score("[b, a]").score == 2 && score("[b, a]").status == .passed)
        #expect(try score("[]").score == 0, "the empty answer")
        #expect(try score("[a, b, c, d]").score == 0, "every option")
        #expect(try score("[c, d]").score == 0)
        // The bundled part: 3 of 7 correct. The old per-option rule gave the empty answer 4/7 and everything 3/7.
        let activations = ChoiceSpec(
            options: ["relu", "leaky-relu", "identity", "sigmoid", "tanh", "elu", "gelu"],
            correct: ["relu", "leaky-relu", "identity"])
        func bundled(_ answer: String) throws -> Double {
            ChoiceKind(name: .multipleChoice, spec: activations).check(
                problem: "x", part: part(ChoiceKind(name: .multipleChoice, spec: activations)),
                answer: try tree(answer), key: AnswerKey(expected: nil)
            ).score
        }
        #expect(try bundled("[]") == 0)
        #expect(try bundled("[relu, leaky-relu, identity, sigmoid, tanh, elu, gelu]") == 0)
        #expect(try bundled("[relu, leaky-relu, identity, elu]") == 2 * 2 / 3.0)
        // Independent check of the rule by enumeration: over every subset, only the right one earns full credit,
        // credit never rises by adding a wrong option, and a random guess earns less than half on average.
        let options = activations.options
        var total = 0.0
        for mask in 0..<(1 << options.count) {
            let chosen = options.indices.filter { mask & (1 << $0) != 0 }.map { options[$0] }
            let fraction = ChoiceKind.fractionOfCredit(selected: Set(chosen), correct: Set(activations.correct))
            total += fraction
            #expect((fraction == 1) == (Set(chosen) == Set(activations.correct)))
            for wrong in options where !activations.correct.contains(wrong) && !chosen.contains(wrong) {
                #expect(
                    ChoiceKind.fractionOfCredit(selected: Set(chosen + [wrong]), correct: Set(activations.correct))
                        <= fraction)
            }
        }
        #expect(total / Double(1 << options.count) < 0.5)
        let unknown = checker.check(
            problem: "x", part: part(checker), answer: try tree("[a, z]"), key: AnswerKey(expected: nil))
        #expect(unknown.score == 0 && unknown.message.contains("`z`"))
        let single = ChoiceKind(name: .choice, spec: ChoiceSpec(options: ["a", "b"], correct: ["b"])).check(
            problem: "x", part: part(ChoiceKind(name: .choice, spec: ChoiceSpec(options: ["a", "b"], correct: ["b"]))),
            answer: try tree("b"), key: AnswerKey(expected: nil))
        #expect(single.status == .passed)
    }
}

@Suite("Untrusted YAML")
struct YAMLReaderTests {
    @Test("an alias bomb is refused quickly")
    func aliasBomb() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        let names = "abcdefghij".map(String.init)
        for index in 1..<names.count {
            text +=
                "\(names[index]): &\(names[index]) ["
                + Array(repeating: "*\(names[index - 1])", count: 9).joined(separator: ", ") + "]\n"
        }
        #expect(throws: YAMLReadError.self) { try YAMLReader.parse(text, file: "answers.yaml") }
    }

    @Test("malformed YAML and duplicate keys report their line")
    func lines() {
        do {
            _ = try YAMLReader.parse("a: 1\nb: [1, 2\nc: 3\n", file: "answers.yaml")
            Issue.record("no error")
        } catch let error as YAMLReadError {
            #expect(error.line != nil && error.description.hasPrefix("answers.yaml:"))
        } catch { Issue.record("\(error)") }
        do {
            _ = try YAMLReader.parse("a: 1\nb: 2\na: 3\n", file: "answers.yaml")
            Issue.record("no error")
        } catch let error as YAMLReadError {
            #expect(error.message.contains("duplicate key `a` (first on line 1)"))
            #expect(error.line == 3)
        } catch { Issue.record("\(error)") }
    }

    @Test("a byte-order mark and CRLF line ends are accepted")
    func bomAndCRLF() throws {
        let tree = try #require(try YAMLReader.parse("\u{FEFF}a: 1\r\nb: [2, 3]\r\n", file: "answers.yaml"))
        guard case .mapping(let entries, _) = tree else {
            Issue.record("not a mapping")
            return
        }
        #expect(entries.map(\.key) == ["a", "b"])
    }
}
