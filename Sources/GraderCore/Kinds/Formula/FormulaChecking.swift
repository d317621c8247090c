import Foundation

/// Checks a formula answer (`kind: formula`): it parses, names only the part's variables, and equals the
/// reference formula at seeded random points, shapes drawn anew at each point.
///
/// Evaluating at random points (as WeBWorK and PrairieLearn do) accepts every spelling of the right formula,
/// `2*X^T`, `2*X'` and `transpose(2*X)` alike, and rejects a formula right only on special inputs: the points'
/// matrices are not symmetric, so `2*X` fails where `2*X^T` is asked. Entry by entry, a value passes when
/// |got - expected| <= atol + rtol * max(|expected|, largest |entry| of the expected value): spellings differ by
/// rounding relative to the size of the whole answer, not of each entry.
extension FormulaKind {
    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        guard let answer, !answer.isNull else { return missing(problem: problem, part: part) }
        switch read(answer, problem: problem, part: part, key: key) {
        case .rejected(let grade): return grade
        case .formula(let text, let formula, let asLaTeX):
            var grade = check(text, formula, problem: problem, part: part)
            // A formula read as LaTeX is shown as the grader read it, written back in LaTeX.
            let written = LaTeXWriter.latex(formula)
            if asLaTeX, written.count <= 600 {
                let wrote = grade.details.first?.hasPrefix("You wrote") ?? false
                let mistake = grade.mistakeFormula.map { ", the known mistake $\($0)$" } ?? ""
                grade.details.insert("Read as $\(written)$\(mistake).", at: wrote ? 1 : 0)
            }
            return grade
        }
    }

    /// The grade of a well-formed formula `formula`, written `text`.
    private func check(_ text: String, _ formula: MathExpression, problem: String, part: Part) -> PartGrade {
        let points = spec.points()
        // The student's formula, evaluated once at each point.
        let values = points.map { point in
            Result { () throws(MathExpressionError) in try MathEvaluator(variables: point).evaluate(formula) }
        }
        guard let reference = spec.answer else {
            // A student kit: the form is checked on the first point, the value at final grading.
            if let point = points.first, let shape = shapeProblem(values[0], expected: nil, at: point, spec: spec) {
                return PartGrade(
                    problem: problem, part: part, status: .failed, score: 0, message: shape.message,
                    details: shape.details)
            }
            return .pending(problem: problem, part: part, reading: "`\(ReportText.clean(text, limit: 300))`")
        }
        var failing: [(trial: Int, reason: String)] = []
        var compared = 0
        for (trial, point) in points.enumerated() {
            guard let expected = try? MathEvaluator(variables: point).evaluate(reference),
                expected.entries.allSatisfy(\.isFinite)
            else {
                continue  // the reference is undefined here (a singular matrix): the point decides nothing
            }
            compared += 1
            if let shape = shapeProblem(values[trial], expected: expected, at: point, spec: spec) {
                return PartGrade(
                    problem: problem, part: part, status: .failed, score: 0, message: shape.message,
                    details: shape.details)
            }
            if let difference = Self.difference(
                expected: expected, got: (try? values[trial].get()) ?? .scalar(.nan), tolerance: spec.tolerance)
            {
                failing.append((trial, difference))
            }
        }
        if compared == 0 {
            return PartGrade(
                problem: problem, part: part, status: .error, outcome: .graderError, score: 0,
                message: "the reference formula is undefined at every trial point; tell your instructor")
        }
        if failing.isEmpty {
            return PartGrade(
                problem: problem, part: part, status: .passed, score: part.points,
                message: "correct: equal to the answer at \(compared) random points")
        }
        var details = ["You wrote `\(ReportText.clean(text, limit: 300))`."]
        let first = failing[0]
        details.append(
            """
            At random point \(first.trial + 1) (\(pointDescription(points[first.trial], spec: spec))): \
            \(first.reason).
            """
        )
        let known = knownMistake(part, points: points, values: values)
        let mistake = known?.feedback
        if mistake == nil, isRightWhenSymmetric(formula, reference: reference) {
            details.append(
                """
                Your formula agrees with the answer when the matrices are symmetric, but not in general: check \
                where a transpose belongs.
                """
            )
        }
        var grade = PartGrade(
            problem: problem, part: part, status: .failed, score: 0,
            message: "the formula differs from the answer at \(failing.count) of \(compared) random points",
            details: details, mistake: mistake)
        grade.mistakeFormula = known.map { LaTeXWriter.latex($0.formula) }
        return grade
    }

    /// An answer read as a formula, or the grade that rejects it.
    private enum Reading {
        /// `asLaTeX`: read as LaTeX (written so, or readable only so).
        case formula(text: String, MathExpression, asLaTeX: Bool)
        case rejected(PartGrade)
    }

    /// The answer as a formula in the part's variables: text that parses, with no unknown name.
    private func read(_ answer: YAMLTree, problem: String, part: Part, key: AnswerKey) -> Reading {
        let form = self.form(of: part, key: key)
        guard case .scalar(let raw, _, _) = answer else {
            return .rejected(
                PartGrade(
                    problem: problem, part: part, status: .failed, score: 0,
                    message: "answer must be a formula written as text, found \(answer.kindDescription)",
                    details: ["Expected \(form)."]))
        }
        let text = raw.trimmingWhitespace()
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            // YAML's double quotes turn `\top` into a tab and "op", `\frac` into a form feed, `\right` into a return.
            return .rejected(
                PartGrade(
                    problem: problem, part: part, status: .failed, score: 0,
                    message:
                        """
                        the formula holds a control character: in double quotes YAML reads `\\t` of `\\top` as a tab \
                        (and `\\f`, `\\r`, `\\b` likewise); write LaTeX in single quotes, '2X^\\top'
                        """,
                    details: ["Expected \(form)."]))
        }
        let formula: MathExpression
        let asLaTeX: Bool
        do {
            (formula, asLaTeX) = try FormulaParsing.reading(text, variables: spec.variables)
        } catch {
            var details = ["You wrote `\(ReportText.clean(text, limit: 300))`."]
            if let column = error.column, text.count <= 200 {
                details.append("```\n\(text)\n\(String(repeating: " ", count: max(0, column - 1)))^\n```")
            }
            details.append("Expected \(form).")
            return .rejected(
                PartGrade(
                    problem: problem, part: part, status: .failed, score: 0,
                    message: "the formula does not parse: \(error)", details: details))
        }
        let unknown = FormulaSpec.unknownNames(in: formula, variables: spec.variables)
        guard unknown.isEmpty else {
            let names = unknown.map { "`\($0)`" }.joined(separator: ", ")
            let functions = MathEvaluator.functions.map(\.name).joined(separator: ", ")
            return .rejected(
                PartGrade(
                    problem: problem, part: part, status: .failed, score: 0,
                    message: "unknown name\(unknown.count == 1 ? "" : "s") \(names) in the formula",
                    details: [
                        "The formula may use \(spec.variableList), `I` (the identity) and the functions \(functions)."
                    ]))
        }
        return .formula(text: text, formula, asLaTeX: asLaTeX)
    }

    /// The known mistake equal to the student's formula at every point, if one is: its feedback and formula.
    private func knownMistake(
        _ part: Part, points: [[String: MathValue]], values: [Result<MathValue, MathExpressionError>]
    ) -> (feedback: String, formula: MathExpression)? {
        for mistake in part.mistakes {
            guard case .formula(let mistakeText) = mistake.match,
                let wrong = try? FormulaParsing.expression(mistakeText, variables: spec.variables)
            else { continue }
            let equal = zip(points, values).allSatisfy { point, value in
                guard let expected = try? MathEvaluator(variables: point).evaluate(wrong), let got = try? value.get()
                else { return false }
                return Self.difference(expected: expected, got: got, tolerance: spec.tolerance) == nil
            }
            if equal { return (mistake.feedback, wrong) }
        }
        return nil
    }

    /// Whether a formula in matrices equals the answer at symmetric points: a transpose in the wrong place.
    private func isRightWhenSymmetric(_ formula: MathExpression, reference: MathExpression) -> Bool {
        guard spec.variables.contains(where: { $0.shape.count == 2 }) else { return false }
        return spec.points(symmetric: true).allSatisfy { point in
            guard let expected = try? MathEvaluator(variables: point).evaluate(reference),
                let got = try? MathEvaluator(variables: point).evaluate(formula)
            else { return false }
            return Self.difference(expected: expected, got: got, tolerance: spec.tolerance) == nil
        }
    }

    /// Why the formula's `value` at `point` is unusable (shapes that do not conform, or a shape other than the
    /// `expected` value's), with the shapes of that point; `nil` when it is a value of the expected shape.
    private func shapeProblem(
        _ value: Result<MathValue, MathExpressionError>, expected: MathValue?, at point: [String: MathValue],
        spec: FormulaSpec
    ) -> (message: String, details: [String])? {
        let shapes =
            "Shapes at this point: "
            + spec.variables.map { "\($0.name) is \(point[$0.name]?.shapeDescription ?? "?")" }.joined(separator: ", ")
            + "."
        let got: MathValue
        switch value {
        case .success(let evaluated): got = evaluated
        case .failure(let error):
            return (
                "the formula cannot be evaluated: \(error)",
                [
                    shapes,
                    "Vectors are columns (n×1): write `w^T*x` for a dot product and `X*w` for a matrix times a vector.",
                ]
            )
        }
        if let expected, let mismatch = Self.shapeMismatch(expected: expected, got: got) {
            return ("wrong shape: the formula gives \(mismatch.got) where the answer is \(mismatch.expected)", [shapes])
        }
        return nil
    }

    /// The two shapes, described, when `got` cannot be compared with `expected` entry by entry.
    static func shapeMismatch(expected: MathValue, got: MathValue) -> (expected: String, got: String)? {
        switch (expected, got) {
        case (.matrix(let rows, let columns, _), .matrix(let gotRows, let gotColumns, _))
        where rows != gotRows || columns != gotColumns:
            return (expected.shapeDescription, got.shapeDescription)
        case (.scalar, .matrix), (.matrix, .scalar):
            return (expected.shapeDescription, got.shapeDescription)
        default:
            return nil
        }
    }

    /// How `got` differs from `expected` beyond `tolerance`, in words; `nil` when it does not.
    static func difference(expected: MathValue, got: MathValue, tolerance: Tolerance) -> String? {
        if let mismatch = shapeMismatch(expected: expected, got: got) {
            return "the formula gives \(mismatch.got) where the answer is \(mismatch.expected)"
        }
        var expectedEntries = expected.entries
        var gotEntries = got.entries
        // The identity (`I` alone) takes the size of the value it is compared with.
        if case .identity(let c) = got, case .matrix(let rows, let columns, _) = expected, rows == columns {
            gotEntries = (0..<(rows * rows)).map { $0 / rows == $0 % rows ? c : 0 }
        }
        if case .identity(let c) = expected, case .matrix(let rows, let columns, _) = got, rows == columns {
            expectedEntries = (0..<(rows * rows)).map { $0 / rows == $0 % rows ? c : 0 }
        }
        guard expectedEntries.count == gotEntries.count else { return "the formula gives a value of another size" }
        let scale = expectedEntries.map(abs).max() ?? 0
        for (index, (want, have)) in zip(expectedEntries, gotEntries).enumerated() {
            guard have.isFinite else { return "entry \(index + 1) is \(NumberFormatting.shortest(have))" }
            let allowed = tolerance.atol + tolerance.rtol * max(abs(want), scale)
            if !(abs(have - want) <= allowed) {
                return
                    """
                    entry \(index + 1) (row-major) is \(NumberFormatting.compact(have)) where the answer gives \
                    \(NumberFormatting.compact(want))
                    """
            }
        }
        return nil
    }

    /// The point's values when they are small, else its shapes.
    private func pointDescription(_ point: [String: MathValue], spec: FormulaSpec) -> String {
        spec.variables.map { variable -> String in
            guard let value = point[variable.name] else { return variable.name }
            if value.entries.count <= 9, case .matrix(let rows, let columns, let entries) = value {
                let text = (0..<rows).map { row in
                    "["
                        + (0..<columns).map { NumberFormatting.shortest(entries[row * columns + $0]) }.joined(
                            separator: ", ") + "]"
                }
                return "\(variable.name) = "
                    + (columns == 1
                        ? "[" + entries.map(NumberFormatting.shortest).joined(separator: ", ") + "]^T"
                        : "[" + text.joined(separator: ", ") + "]")
            }
            if case .scalar(let x) = value { return "\(variable.name) = \(NumberFormatting.shortest(x))" }
            return "\(variable.name) \(value.shapeDescription)"
        }.joined(separator: ", ")
    }
}

/// Reading a formula written in a problem definition.
enum FormulaParsing {
    /// `text` read as LaTeX when it is LaTeX (`2X^\top`), else in the calculator syntax (`2*X^T`); names unchecked.
    ///
    /// Text without a command or a brace that the calculator syntax cannot read in the part's names, such as
    /// `2Xw` or `(X + X^T)w`, is read as LaTeX would read it: adjacent factors multiply, letters split against the
    /// variables. The calculator's error stands when that fails too.
    static func expression(_ text: String, variables: [FormulaSpec.Variable]) throws(MathExpressionError)
        -> MathExpression
    {
        try reading(text, variables: variables).expression
    }

    /// `expression(_:variables:)`, and whether the text was read as LaTeX.
    static func reading(_ text: String, variables: [FormulaSpec.Variable]) throws(MathExpressionError)
        -> (expression: MathExpression, asLaTeX: Bool)
    {
        let latex = LaTeXReader(variables: variables.map(\.name))
        if LaTeXReader.isLaTeX(text) { return (try latex.read(text), true) }
        do {
            let calculator = try MathExpression(parsing: text)
            guard !FormulaSpec.unknownNames(in: calculator, variables: variables).isEmpty else {
                return (calculator, false)
            }
            return (try? latex.read(text)).map { ($0, true) } ?? (calculator, false)
        } catch {
            guard let read = try? latex.read(text) else { throw error }
            return (read, true)
        }
    }

    /// `text` parsed, as LaTeX or in the calculator syntax, with every name one of `variables` (or `I`).
    static func formula(_ text: String, variables: [FormulaSpec.Variable]) throws -> MathExpression {
        let expression = try expression(text, variables: variables)
        if let unknown = FormulaSpec.unknownNames(in: expression, variables: variables).first {
            throw MathExpressionError(
                message:
                    """
                    `\(unknown)` is not one of the part's variables \
                    (\(variables.map(\.name).joined(separator: ", ")))
                    """,
                column: nil)
        }
        return expression
    }
}
