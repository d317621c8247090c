import Foundation
import Testing

@testable import GraderCore

/// Each answer kind's decoder on its own: what it reads from a part of `problem.yaml`, and the exact diagnostic,
/// with file and line, for each way a definition goes wrong.
@Suite("answer kinds: decoding")
struct AnswerKindTests {
    /// The part written in `yaml`, read as the loader reads a part of `p/problem.yaml`.
    static func part(_ yaml: String, role: ProblemSet.Role = .instructor) throws -> Part {
        let tree = try #require(try YAMLReader.parse(yaml, file: "p/problem.yaml"))
        return try PartReader.read(tree, file: "p/problem.yaml", problemID: "p", role: role)
    }

    /// The diagnostic reading `yaml` throws, as the CLI prints it.
    static func failure(_ yaml: String) -> String {
        do {
            _ = try part(yaml)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func registryListsEveryKindOnce() {
        let names = AnswerKinds.names.map(\.rawValue)
        #expect(
            names == [
                "integer", "real", "vector", "matrix", "choice", "multiple-choice", "formula", "snippet", "experiment",
            ])
        #expect(Set(names).count == names.count)
        for name in AnswerKinds.names { #expect(AnswerKinds.type(named: name) != nil) }
        #expect(AnswerKinds.type(named: "essay") == nil)
    }

    @Test func unknownKindNamesTheKnownOnes() {
        #expect(
            Self.failure("id: a\nkind: essay\n")
                == """
                p/problem.yaml:2: part `a`: unknown kind `essay` (integer, real, vector, matrix, choice, \
                multiple-choice, formula, snippet, experiment)
                """
        )
    }

    @Test func keyOfAnotherKindIsRejected() {
        let message = Self.failure("id: a\nkind: integer\nanswer: 3\nsignature: \"func a() -> Int\"\n")
        #expect(message.hasPrefix("p/problem.yaml:4: unknown key `signature`"), "\(message)")
        let typo = Self.failure("id: a\nkind: integer\nanswr: 3\n")
        #expect(typo.hasPrefix("p/problem.yaml:3: unknown key `answr`"), "\(typo)")
    }

    // MARK: numeric

    @Test func integerWithLiteralAnswer() throws {
        let part = try Self.part(
            "id: a\nkind: integer\npoints: 2\nanswer: 213504\nmistakes:\n  - answer: 212992\n    feedback: biases\n")
        let kind = try #require(part.kind as? NumericKind)
        #expect(kind.name == .integer && kind.valueType == .int && kind.spec.tolerance == .exact)
        guard case .literal(.int(213504)) = kind.spec.expected else {
            Issue.record("\(kind.spec.expected)")
            return
        }
        #expect(part.points == 2 && part.mistakes.count == 1 && part.mistakes[0].line == 6)
        guard case .value(.literal(.int(212992))) = part.mistakes[0].match else {
            Issue.record("mistake")
            return
        }
        #expect(!part.needsReference)
    }

    @Test func realWithExpressionNeedsTheReference() throws {
        let part = try Self.part("id: a\nkind: real\nexpression: \"outputVariance(widths: [1])\"\nrtol: 1e-9\n")
        let kind = try #require(part.kind as? NumericKind)
        #expect(kind.spec.tolerance.rtol == 1e-9)
        #expect(part.expressions == ["outputVariance(widths: [1])"] && part.needsReference)
        #expect(kind.referenceExpressions(of: part).map(\.entry) == ["answer:a"])
    }

    @Test func numericDiagnostics() {
        #expect(
            Self.failure("id: a\nkind: real\nanswer: 0.5\n")
                == "p/problem.yaml:1: part `a`: a real part needs `rtol`, `atol` or `significant-figures`")
        #expect(
            Self.failure("id: a\nkind: integer\nanswer: 1\nexpression: f()\n")
                == "p/problem.yaml:1: part `a`: give either `answer` or `expression`, not both")
        #expect(
            Self.failure("id: a\nkind: integer\n")
                == """
                p/problem.yaml:1: part `a`: needs `answer` (a value) or `expression` (Swift, evaluated with \
                reference.swift)
                """
        )
        #expect(
            Self.failure("id: a\nkind: matrix\nanswer: [[1]]\nshape: [2]\n")
                == "p/problem.yaml:4: part `a`: `shape` must list two sizes (rows, columns) for a matrix part")
        #expect(Self.failure("id: a\nkind: integer\nanswer: 1.5\n").hasPrefix("p/problem.yaml:3: part `a`: `answer` "))
    }

    @Test func withheldVectorKeepsItsShape() throws {
        let part = try Self.part("id: a\nkind: vector\nshape: [3]\nrtol: 1e-6\n", role: .student)
        let kind = try #require(part.kind as? NumericKind)
        #expect(part.answerWithheld && kind.spec.shape == [3])
        guard case .withheld = kind.spec.expected else {
            Issue.record("not withheld")
            return
        }
    }

    // MARK: choice

    @Test func choiceAndMultipleChoice() throws {
        let one = try #require(try Self.part("id: a\nkind: choice\noptions: [x, y]\nanswer: y\n").kind as? ChoiceKind)
        #expect(!one.multiple && one.spec.correct == ["y"])
        let many = try #require(
            try Self.part("id: a\nkind: multiple-choice\noptions: [x, y, z]\nanswer: [x, z]\n").kind as? ChoiceKind)
        #expect(many.multiple && many.spec.correct == ["x", "z"] && many.spec.options == ["x", "y", "z"])
    }

    @Test func choiceDiagnostics() {
        #expect(
            Self.failure("id: a\nkind: choice\noptions: [x]\nanswer: x\n")
                == "p/problem.yaml:1: part `a`: `options` must list at least two choices")
        #expect(
            Self.failure("id: a\nkind: choice\noptions: [x, x]\nanswer: x\n")
                == "p/problem.yaml:1: part `a`: `options` repeats a choice")
        #expect(
            Self.failure("id: a\nkind: choice\noptions: [x, y]\nanswer: z\n")
                == "p/problem.yaml:4: part `a`: answer `z` is not one of the options")
        #expect(
            Self.failure("id: a\nkind: choice\noptions: [x, y]\nanswer: [x, y]\n")
                == "p/problem.yaml:1: part `a`: a choice part has exactly one answer")
        #expect(
            Self.failure(
                "id: a\nkind: choice\noptions: [x, y]\nanswer: x\nmistakes:\n  - feedback: no\n    answer: y\n")
                == "p/problem.yaml:6: part `a`: choice parts explain mistakes per option; use `hint`")
    }

    // MARK: formula

    static let formula = """
        id: f
        kind: formula
        variables:
          X: {shape: [n, n]}
          w: {shape: [n], range: [-1, 1]}
        dimensions: {n: [2, 4]}
        answer: "(X + X^T)*w"
        mistakes:
          - formula: "2*X*w"
            feedback: only when X is symmetric

        """

    @Test func formulaPart() throws {
        let part = try Self.part(Self.formula)
        let kind = try #require(part.kind as? FormulaKind)
        #expect(kind.spec.variables.map(\.name) == ["X", "w"])
        #expect(
            kind.spec.variables[1].range == -1...1 && kind.spec.variables[0].shape.map(\.description) == ["n", "n"])
        #expect(
            kind.spec.dimensions.map(\.name) == ["n"] && kind.spec.answerText == "(X + X^T)*w" && kind.spec.trials == 8)
        guard case .formula("2*X*w") = part.mistakes[0].match else {
            Issue.record("mistake")
            return
        }
        #expect(kind.isAnswer("X*w + X^T*w") && !kind.isAnswer("2*X*w"))
        #expect(kind.answerKeyText(of: part, key: nil) == "\"(X + X^T)*w\"")
    }

    @Test func formulaDiagnostics() {
        #expect(
            Self.failure("id: f\nkind: formula\nanswer: x\n")
                == """
                p/problem.yaml:1: part `f`: a formula part needs `variables`, mapping each name to its shape (`X: \
                {shape: [n, n]}`)
                """
        )
        #expect(
            Self.failure("id: f\nkind: formula\nvariables: {X: {shape: [m]}}\nanswer: X\n")
                == "p/problem.yaml:3: variable `X`: `m` is neither a number nor one of the part's `dimensions`")
        #expect(
            Self.failure("id: f\nkind: formula\nvariables: {X: {}}\nanswer: 2*Y\n")
                == "p/problem.yaml:4: part `f`: `answer` `Y` is not one of the part's variables (X)")
        #expect(
            Self.failure("id: f\nkind: formula\nvariables: {T: {}}\nanswer: T\n")
                == """
                p/problem.yaml:3: part `f`: variable `T` must be a name (letters, digits, `_`), not `I`, `T` or a \
                function
                """
        )
        #expect(
            Self.failure(
                """
                id: f\nkind: formula\nvariables: {X: {}}\nanswer: X\nmistakes:\n  - formula: \"2*(X\"\n    \
                feedback: no\n
                """
            ).hasPrefix("p/problem.yaml:6: part `f`: mistake `2*(X`: "))
        #expect(
            Self.failure("id: f\nkind: formula\nvariables: {X: {}}\nanswer: X\ntrials: 0\n")
                == "p/problem.yaml:1: part `f`: `trials` must be between 1 and 100")
    }

    // MARK: snippet

    static let snippet = """
        id: outputVariance
        kind: snippet
        signature: "func outputVariance(widths: [Int]) -> Double"
        trials: 4
        hidden-trials: 2
        dimensions: {n: [1, 3]}
        inputs:
          widths: {shape: [n], range: [1, 9]}
        mistakes:
          - implementation: outputVarianceWrong
            feedback: wrong
          - non-finite: true
            feedback: overflow

        """

    @Test func snippetPart() throws {
        let part = try Self.part(Self.snippet)
        let spec = try #require(part.snippet)
        #expect(part.isSnippet && spec.signature.name == "outputVariance" && spec.trials == 4 && spec.hiddenTrials == 2)
        #expect(spec.inputs["widths"]?.range == 1...9 && spec.tolerance.rtol == 1e-9)
        guard case .implementation("outputVarianceWrong") = part.mistakes[0].match,
            case .nonFinite = part.mistakes[1].match
        else {
            Issue.record("mistakes")
            return
        }
        let reference = "func outputVariance(widths: [Int]) -> Double { 0 }"
        let entries = try part.kind.referenceEntries(of: part, bindings: [], reference: reference).map(\.name)
        #expect(entries == ["outputVariance", "outputVarianceWrong"])
        #expect(part.kind.answerKeyText(of: part, key: nil) == nil)
    }

    @Test func snippetDiagnostics() {
        #expect(
            Self.failure("id: g\nkind: snippet\nsignature: \"func f(x: Double) -> Double\"\ninputs: {x: {}}\n")
                == "p/problem.yaml:1: part `g`: a snippet part's id must be its function's name, `f`")
        #expect(
            Self.failure("id: f\nkind: snippet\nsignature: \"func f(x: Double) -> Double\"\n")
                == "p/problem.yaml:1: part `f`: `inputs` says nothing about parameter `x`")
        #expect(
            Self.failure(
                """
                id: f\nkind: snippet\nsignature: \"func f(x: Double) -> Double\"\ninputs: {x: \
                {}}\nimmediate-feedback: true\n
                """
            )
                == """
                p/problem.yaml:1: part `f`: `immediate-feedback` is for answer parts; a snippet part always has \
                public trials
                """
        )
        #expect(
            Self.failure(
                """
                id: f\nkind: snippet\nsignature: \"func f(x: Double) -> Double\"\ninputs: {x: {}}\nmistakes:\n  - \
                feedback: no\n
                """
            )
                == """
                p/problem.yaml:6: part `f`: a function's mistake needs `implementation: <function in \
                reference.swift>` or `non-finite: true`
                """
        )
        let missing = Self.snippet.replacingOccurrences(of: "hidden-trials: 2", with: "check: isAcceptable")
        #expect(throws: ReferenceEntryMissing.self) {
            let part = try Self.part(missing)
            _ = try part.kind.referenceEntries(
                of: part, bindings: [], reference: "func outputVariance(widths: [Int]) -> Double { 0 }")
        }
    }
}
