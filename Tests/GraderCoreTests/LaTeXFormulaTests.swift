import Foundation
import Testing

@testable import GraderCore

/// Formula answers written in LaTeX, as the seed write-ups write them: each spelling is checked against its twin in
/// the calculator syntax, read by the other parser, at seeded random points.
@Suite("LaTeX formulas")
struct LaTeXFormulaTests {
    static let variables = ["X", "Y", "B", "w", "y", "x", "a", "b", "lambda", "n"]

    /// Random values of the variables: square matrices that are not symmetric, vectors, positive scalars.
    static func points(count: Int = 6) -> [[String: MathValue]] {
        var generator = SeededGenerator(seed: 20_261_203)
        func entry() -> Double { Double.random(in: -2...2, using: &generator) }
        return (0..<count).map { _ in
            var point: [String: MathValue] = [:]
            for name in ["X", "Y", "B"] { point[name] = .matrix((0..<3).map { _ in (0..<3).map { _ in entry() } }) }
            for name in ["w", "y"] { point[name] = .vector((0..<3).map { _ in entry() }) }
            for name in ["x", "a", "b", "lambda", "n"] { point[name] = .scalar(abs(entry()) + 0.5) }
            return point
        }
    }

    static let twins: [(latex: String, calculator: String)] = [
        ("X^\\top", "X^T"), ("X^T", "X^T"), ("X^{T}", "X^T"), ("X^\\intercal", "X^T"), ("X^{\\top}", "X^T"),
        ("X'", "X^T"), ("\\frac{a}{b}", "a/b"), ("a \\cdot b", "a*b"), ("a \\times b", "a*b"),
        ("\\left(X + Y\\right)w", "(X + Y)*w"), ("2\\{a + b\\}", "2*(a + b)"), ("\\mathbf{X}w", "X*w"),
        ("\\boldsymbol{w}", "w"), ("\\bm{w}", "w"), ("\\vec{w}", "w"), ("\\operatorname{tr}(X)", "tr(X)"),
        ("\\mathrm{tr}(X)", "tr(X)"), ("\\text{tr}(X)", "tr(X)"), ("\\exp(x)", "exp(x)"), ("\\log(x)", "log(x)"),
        ("\\ln x", "log(x)"), ("\\sqrt{x}", "sqrt(x)"), ("\\sigma(x)", "sigmoid(x)"), ("\\tanh(a)", "tanh(a)"),
        ("\\operatorname{diag}(w)", "diag(w)"), ("X^{-1}", "inv(X)"), ("\\mathbf{I} + X", "I + X"),
        ("I + X", "I + X"), ("\\lambda w", "lambda*w"), ("2X^\\top", "2*X^T"),
        ("X^\\top(\\sigma(Xw) - y) + 2w", "X^T*(sigmoid(X*w) - y) + 2*w"), ("(X + X^\\top)w", "(X + X^T)*w"),
        ("$2 X^{\\top}$", "2*X^T"), ("e^{x}", "exp(x)"), ("(X^{T}X)^{-1}X^{T}y", "inv(X^T*X)*X^T*y"),
        ("3\\left(X^{T}\\right)^2", "3*(X^T)^2"), ("\\frac{1}{n} X^\\top (Xw - y)", "(1/n)*X^T*(X*w - y)"),
        ("X \\odot Y", "X .* Y"), ("-\\frac{1}{2}\\,w^\\top w", "-0.5*w^T*w"), ("a^{2}b", "a^2*b"),
    ]

    @Test("each LaTeX spelling equals its calculator twin at seeded points", arguments: twins)
    func spellings(_ twin: (latex: String, calculator: String)) throws {
        let read = try LaTeXReader(variables: Self.variables).read(twin.latex)
        let reference = try MathExpression(parsing: twin.calculator)
        for point in Self.points() {
            let got = try MathEvaluator(variables: point).evaluate(read)
            let expected = try MathEvaluator(variables: point).evaluate(reference)
            #expect(got.shapeDescription == expected.shapeDescription, "\(twin.latex)")
            for (a, b) in zip(got.entries, expected.entries) {
                #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(twin.latex): \(a) against \(b)")
            }
        }
    }

    /// What is written back reads again as the same formula: the feedback shows what the grader understood.
    @Test("a formula written back in LaTeX reads again as the same formula", arguments: twins)
    func writtenBack(_ twin: (latex: String, calculator: String)) throws {
        let reference = try MathExpression(parsing: twin.calculator)
        let written = LaTeXWriter.latex(reference)
        let again = try LaTeXReader(variables: Self.variables).read(written)
        for point in Self.points(count: 3) {
            let a = try MathEvaluator(variables: point).evaluate(again).entries
            let b = try MathEvaluator(variables: point).evaluate(reference).entries
            let close = zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
            #expect(close, "\(twin.calculator) → \(written)")
        }
    }

    @Test("what a formula was read as is written back in LaTeX")
    func writesLaTeX() throws {
        let read = { (text: String) in LaTeXWriter.latex(try LaTeXReader(variables: Self.variables).read(text)) }
        #expect(try read("2X^T") == "2 X^{\\top}")
        #expect(try read("2Xw") == "2 X w")
        #expect(try read("\\frac{1}{n}X^\\top(Xw - y)") == "\\frac{1}{n} X^{\\top} \\left(X w - y\\right)")
        #expect(try read("\\sigma(Xw)") == "\\sigma\\left(X w\\right)")
        #expect(try read("\\lambda w") == "\\lambda w")
    }

    /// What the writer writes reads again as itself: a negated factor keeps its parentheses, numbers keep every
    /// digit. The first two inputs are what `fuzz-formula` found (`-B \cdot 2` read back as -(B 2), and a long
    /// number written as a product of rounded factors).
    @Test("LaTeX written back reads again as the same text, numbers exact")
    func writtenFixedPoint() throws {
        let reader = LaTeXReader(variables: ["B", "X", "a", "b", "x"])
        for text in [
            "+-B2", "X''''44444444444444444444444", "0.00000015x", "-(-x)", "a - -b", "2\\cdot(-x)", "-a^{2}",
            "\\frac{-a}{b}", "3.25 \\cdot 10^{-7}", "1234567.5a", "\\max\\left(a, b\\right)", "max(a, b)x",
        ] {
            let written = LaTeXWriter.latex(try reader.read(text))
            #expect(LaTeXWriter.latex(try reader.read(written)) == written, "\(text) → \(written)")
        }
        #expect(LaTeXWriter.number(1.5e-7) == "0.00000015")
        #expect(LaTeXWriter.number(4.4444444444444445e22) == "44444444444444445000000")
        #expect(LaTeXWriter.number(-2) == "-2")
        #expect(LaTeXWriter.number(0.1) == "0.1")
        #expect(Double(LaTeXWriter.number(1e-300)) == 1e-300)
    }

    /// LaTeX in YAML's double quotes is mangled before the grader sees it (`\t` of `\top` a tab, `\l` of `\left`
    /// an error of the whole file): both are said, with the way out, single quotes.
    @Test("LaTeX in double quotes is explained, not misread")
    func doubleQuotes() throws {
        let problems = try ProblemLoader.load(directory: TestSupport.packageRoot + "/problems/calculus-backprop")
        let part = try #require(problems.problem("matrix-derivatives")?.parts.first { $0.id == "trace-square" })
        let grade = part.kind.check(
            problem: "matrix-derivatives", part: part, answer: .plain("2X^\top"), key: AnswerKey(expected: nil))
        #expect(grade.status == .failed && grade.message.contains("single quotes"), "\(grade.message)")
        #expect(!grade.details.contains { $0.hasPrefix("Read as") })
        do {
            _ = try YAMLReader.parse(
                "matrix-derivatives:\n  trace-square: \"\\left(X\\right)\"\n", file: "answers.yaml")
            Issue.record("an unknown escape was read")
        } catch {
            #expect("\(error)".contains("single quotes"), "\(error)")
        }
    }

    /// MathML for the overview: the formulas the writer writes are typeset again (read with any name), each
    /// construct in its MathML element.
    @Test("formulas are typeset as MathML, from their LaTeX as written")
    func mathML() throws {
        let typeset = { (text: String) in MathMLWriter.mathML(try MathExpression(parsing: text)) }
        #expect(try typeset("2*X^T").contains("<msup><mi>X</mi><mi>⊤</mi></msup>"))
        #expect(try typeset("a/b").contains("<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi></mrow></mfrac>"))
        #expect(try typeset("sigmoid(x)").contains("<mi>σ</mi><mo>&#x2061;</mo>"))
        #expect(try typeset("inv(X)").contains("<mn>−1</mn></msup>"))
        #expect(try typeset("sqrt(x) < 1").contains("<msqrt><mi>x</mi></msqrt><mo>&lt;</mo>"))
        for twin in Self.twins {
            let written = LaTeXWriter.latex(try MathExpression(parsing: twin.calculator))
            #expect(MathMLWriter.mathML(latex: written) != nil, "\(written)")
        }
    }

    /// The part's declaration decides a reading; where it cannot, the student is told the readings, never guessed.
    @Test("ambiguities are decided by the part's variables or reported with both readings")
    func ambiguities() throws {
        // `\sigma` is the variable where the part declares one, else the sigmoid of its argument.
        let written = { (text: String, variables: [String]) in
            LaTeXWriter.latex(try LaTeXReader(variables: variables).read(text))
        }
        #expect(try written("\\sigma x", ["sigma", "x"]) == "\\sigma x")
        #expect(try written("\\sigma(x)", ["x"]) == "\\sigma\\left(x\\right)")
        #expect(throws: MathExpressionError.self) { try LaTeXReader(variables: ["x"]).read("\\sigma x") }
        do {
            _ = try LaTeXReader(variables: ["x"]).read("2\\sigma")
            Issue.record("a bare \\sigma was guessed")
        } catch {
            #expect(error.message.contains("sigmoid function") && error.message.contains("variable `sigma`"))
            #expect(error.column == 2)
        }
        // `e^x` is Euler's number unless `e` is a variable of the part.
        let euler = try LaTeXReader(variables: ["x"]).read("e^{x}")
        let variable = try LaTeXReader(variables: ["e", "x"]).read("e^{x}")
        #expect(euler == .call("exp", [.name("x", column: 4)], column: 1))
        #expect(variable == .power(.name("e", column: 1), .name("x", column: 4), column: 2))
        // Letters split against the variables; a declared name that is the whole run is that name.
        #expect(try LaTeXReader(variables: ["X", "w", "Xw"]).read("Xw") == .name("Xw", column: 1))
        do {
            _ = try LaTeXReader(variables: ["a", "b", "ab", "ba"]).read("aba")
            Issue.record("`aba` was guessed")
        } catch {
            #expect(error.message.contains("`a b a`") && error.message.contains("`a ba`"), "\(error.message)")
        }
        #expect(throws: MathExpressionError.self) { try LaTeXReader(variables: ["X", "T"]).read("X^T") }
        do {
            _ = try LaTeXReader(variables: ["z"]).read("\\sigma'(z)")
            Issue.record("a derivative was read")
        } catch { #expect(error.message.contains("derivative")) }
    }

    /// Hostile or unsupported LaTeX is refused with the command and its column, never expanded, and never hangs.
    @Test("unsupported and hostile LaTeX is named with its column and never expanded")
    func hostile() throws {
        let reader = LaTeXReader(variables: ["x"])
        for (text, named, column) in [
            ("\\input{/etc/passwd}", "\\input", 1), ("x + \\def\\y{1}", "\\def", 5), ("2\\int x", "\\int", 2),
            ("\\newcommand{\\x}{1}", "\\newcommand", 1), ("x\\catcode", "\\catcode", 2),
        ] {
            do {
                _ = try reader.read(text)
                Issue.record("\(text) was read")
            } catch {
                #expect(error.message.contains("`\(named)` is not supported"), "\(text): \(error.message)")
                #expect(error.column == column, "\(text): \(error)")
            }
        }
        let deep = String(repeating: "\\frac{1}{", count: 5_000) + "x" + String(repeating: "}", count: 5_000)
        #expect(throws: MathExpressionError.self) { try reader.read(deep) }
        let braces = String(repeating: "{", count: 300) + "x" + String(repeating: "}", count: 300)
        #expect(throws: MathExpressionError.self) { try reader.read(braces) }
        let nested = String(repeating: "\\frac{1}{", count: 100) + "x" + String(repeating: "}", count: 100)
        #expect(try LaTeXWriter.latex(reader.read(nested)).hasPrefix("\\frac{1}{\\frac{1}{"))
        let lefts = String(repeating: "\\left(", count: 10_000) + "x"
        #expect(throws: MathExpressionError.self) { try reader.read(lefts) }
        let fewLefts = String(repeating: "\\left(", count: 300) + "x" + String(repeating: "\\right)", count: 300)
        #expect(throws: MathExpressionError.self) { try reader.read(fewLefts) }
        // `sigmoid(x, 3)`: found by fuzz-formula, read with two arguments and written back as LaTeX that did not read.
        for text in [
            "", "$$", "\\", "{", "x^", "\\frac{x}", "\\left(x", "x_1", "\\sqrt[3]{x}", "x \\right)", "sigmoid(x,3)",
            "\\sigma\\left(x, 3\\right)", "\\exp(x, x)",
        ] {
            #expect(throws: MathExpressionError.self, "\(text)") { try reader.read(text) }
        }
    }

    /// The answers of calculus-backprop's formula parts as the seed write-ups write them pass; the known mistakes
    /// written the same way get their feedback.
    @Test("calculus-backprop's formula parts accept LaTeX answers and name LaTeX mistakes")
    func calculusBackprop() throws {
        let problems = try ProblemLoader.load(directory: TestSupport.packageRoot + "/problems/calculus-backprop")
        let right: [(String, String, String)] = [
            ("matrix-derivatives", "trace-square", "$2X^\\top$"),
            ("matrix-derivatives", "trace-cube", "3\\left(X^{T}\\right)^{2}"),
            ("matrix-derivatives", "frobenius", "\\mathbf{B}"),
            ("matrix-derivatives", "quadratic-form", "(X + X^\\top)\\mathbf{w}"),
            ("logistic-regression", "gradient", "X^{T}\\left(\\sigma(X\\boldsymbol{w}) - y\\right) + 2w"),
            ("least-squares", "closed-form", "\\left(X^\\top X\\right)^{-1} X^\\top y"),
        ]
        for (problemID, partID, answer) in right {
            let part = try #require(problems.problem(problemID)?.parts.first { $0.id == partID })
            let grade = part.kind.check(
                problem: problemID, part: part, answer: .plain(answer), key: AnswerKey(expected: nil))
            #expect(grade.status == .passed, "\(problemID).\(partID) \(answer): \(grade.message) \(grade.details)")
            #expect(grade.details.contains { $0.hasPrefix("Read as $") }, "\(grade.details)")
        }
        let mistakes: [(String, String, String)] = [
            ("matrix-derivatives", "trace-square", "2\\mathbf{X}"), ("matrix-derivatives", "trace-cube", "3X^{2}"),
            ("matrix-derivatives", "frobenius", "B^\\top"), ("matrix-derivatives", "quadratic-form", "2Xw"),
        ]
        for (problemID, partID, answer) in mistakes {
            let part = try #require(problems.problem(problemID)?.parts.first { $0.id == partID })
            let grade = part.kind.check(
                problem: problemID, part: part, answer: .plain(answer), key: AnswerKey(expected: nil))
            #expect(grade.status == .failed && grade.score == 0, "\(answer)")
            let known = part.mistakes.map(\.feedback)
            #expect(grade.mistake != nil && known.contains(grade.mistake!), "\(problemID).\(partID) \(answer)")
        }
    }
}
