/// `kind: formula`: a math expression over the part's declared variables, written as text in `answers.yaml` and
/// judged by its values at seeded random points (`FormulaChecking.swift`); known mistakes are formulas too.
struct FormulaKind: AnswerKind {
    static let names: [KindName] = [.formula]
    static let keys: Set<String> = ["variables", "dimensions", "answer", "trials", "seed"]

    let spec: FormulaSpec

    var name: KindName { .formula }
    var tolerance: Tolerance? { spec.tolerance }

    static func decode(_ definition: inout PartDefinition) throws -> FormulaKind {
        let dimensions = try DefinitionReading.dimensions(&definition.fields)
        guard let node = definition.fields.node("variables"), case .mapping(let entries, _) = node, !entries.isEmpty
        else {
            throw definition.error(
                "a formula part needs `variables`, mapping each name to its shape (`X: {shape: [n, n]}`)")
        }
        let known = Set(dimensions.map(\.name))
        let variables = try entries.map { entry in
            try readVariable(entry, known: known, file: definition.fields.file, partID: definition.id)
        }
        var answer: MathExpression?
        var answerText: String?
        if !definition.withheld {
            let text = try definition.fields.requireString("answer")
            do { answer = try FormulaParsing.formula(text, variables: variables) } catch {
                throw definition.error("`answer` \(error)", at: "answer")
            }
            answerText = text
        }
        let trials = try definition.fields.int("trials") ?? 8
        guard (1...100).contains(trials) else { throw definition.error("`trials` must be between 1 and 100") }
        let seed = try DefinitionReading.seed(
            &definition.fields, problemID: definition.problemID, partID: definition.id)
        return FormulaKind(
            spec: FormulaSpec(
                variables: variables, dimensions: dimensions, answer: answer, answerText: answerText, trials: trials,
                tolerance: definition.tolerance ?? FormulaSpec.defaultTolerance, seed: seed))
    }

    /// One entry of `variables:`: a name with its `shape` in dimension names, and a `range` or `choices`.
    private static func readVariable(
        _ entry: (key: String, value: YAMLTree, line: Int), known: Set<String>, file: String, partID: String
    ) throws -> FormulaSpec.Variable {
        var variable = try YAMLFields(entry.value, file: file, what: "variable `\(entry.key)`")
        guard DefinitionReading.isName(entry.key), !MathEvaluator.functions.contains(where: { $0.name == entry.key })
        else {
            throw variable.error(
                """
                part `\(partID)`: variable `\(entry.key)` must be a name (letters, digits, `_`), not `I`, `T` or \
                a function
                """,
                line: entry.line)
        }
        let what = "variable `\(entry.key)`"
        let shapeTexts = try variable.strings("shape") ?? []
        guard shapeTexts.count <= 2 else {
            throw variable.error("\(what): `shape` is [] (scalar), [n] (column vector) or [m, n] (matrix)")
        }
        let shape = try shapeTexts.map { text -> DimensionExpression in
            let expression = DimensionExpression(text)
            if let factor = expression.unknownFactor(known: known) {
                throw variable.error("\(what): `\(factor)` is neither a number nor one of the part's `dimensions`")
            }
            return expression
        }
        var range = -2.0...2.0
        if let rangeNode = variable.node("range") {
            guard let read = DefinitionReading.realRange(rangeNode) else {
                throw variable.error(
                    "\(what): `range` must be [low, high] with finite low <= high", line: rangeNode.line)
            }
            range = read
        }
        var choices: [Double] = []
        if let choicesNode = variable.node("choices") {
            guard case .sequence(let items, _) = choicesNode, !items.isEmpty,
                case let numbers = items.compactMap(YAMLScalars.double), numbers.count == items.count,
                numbers.allSatisfy(\.isFinite)
            else {
                throw variable.error("\(what): `choices` must be a non-empty list of numbers", line: choicesNode.line)
            }
            choices = numbers
        }
        try variable.rejectUnknownKeys()
        return FormulaSpec.Variable(name: entry.key, shape: shape, range: range, choices: choices)
    }

    func readMistake(_ fields: inout YAMLFields, partID: String) throws -> KnownMistake.Match {
        let text = try fields.requireString("formula")
        do { _ = try FormulaParsing.formula(text, variables: spec.variables) } catch {
            throw fields.error("part `\(partID)`: mistake `\(text)`: \(error)")
        }
        return .formula(text)
    }

    // MARK: What students see

    /// `0.5*X^T*X` in the first variable: well formed whatever its shape (a scalar, a column, a matrix), and shows
    /// a transpose and products. `grader validate` warns when it is a part's key.
    func example(of part: Part) -> YAMLTree? {
        let name = spec.variables.first?.name ?? "x"
        return .scalar("0.5*\(name)^T*\(name)", quoted: true, line: 0)
    }

    func form(of part: Part, key: AnswerKey?) -> String {
        let example = self.example(of: part).map { "`\(part.id): \($0.flowText)`" } ?? ""
        return "a formula in \(spec.variableList), e.g. \(example) or in LaTeX `\(part.id): '\(latexExample)'` "
            + "(vectors are columns; `^T` or `'` transposes, `*` multiplies matrices, `.*` entry by entry)"
    }

    /// The example in LaTeX (`0.5 X^{\top} X`), in single quotes in `answers.yaml`, where a backslash is itself.
    var latexExample: String {
        let name = spec.variables.first?.name ?? "x"
        return (try? MathExpression(parsing: "0.5*\(name)^T*\(name)")).map(LaTeXWriter.latex) ?? "0.5 x^{\\top} x"
    }

    func handout(of part: Part, in problem: Problem) -> [String] {
        let functions = MathEvaluator.functions.map(\.name).joined(separator: ", ")
        return answerHandout(
            of: part, in: problem,
            judged: [
                "Your formula is compared with the answer at \(spec.trials) random points, with random sizes; any "
                    + "equivalent spelling is right. Functions: \(functions); `I` is the identity of the fitting size.",
                "LaTeX is read too, in single quotes: `'2X^\\top'`, `'\\frac{1}{n} X^\\top (Xw - y)'`, "
                    + "`'\\sigma(Xw)'`; adjacent factors multiply, and the feedback shows how your formula was read.",
            ])
    }

    // MARK: Keys

    func answerKeyText(of part: Part, key: AnswerKey?) -> String? {
        spec.answerText.map { YAMLTree.scalar($0, quoted: true, line: 0).flowText }
    }

    func knownMistakeTexts(of part: Part, key: AnswerKey?) -> [(answer: String, feedback: String)] {
        part.mistakes.compactMap { mistake in
            guard case .formula(let text) = mistake.match else { return nil }
            return (YAMLTree.scalar(text, quoted: true, line: 0).flowText, mistake.feedback)
        }
    }

    /// The variables and their shapes stay, so that a formula's form can be checked; the answer does not.
    func studentDefinition(_ node: YAMLTree, of part: Part, key: AnswerKey?) -> YAMLTree {
        part.immediateFeedback ? node : node.updating(removing: ["answer", "mistakes", "hint"])
    }

    // MARK: Validation

    func validate(_ part: Part, in context: KindValidation) -> [Diagnostic] {
        guard let answer = spec.answer else { return [] }
        var found: [Diagnostic] = []
        let points = spec.points()
        let values = points.map { try? MathEvaluator(variables: $0).evaluate(answer) }
        let defined = values.compactMap { $0 }.filter { $0.entries.allSatisfy(\.isFinite) }
        if defined.count < max(1, points.count / 2) {
            found.append(
                context.error(
                    part.line,
                    """
                    part `\(part.id)`: the answer `\(spec.answerText ?? "")` is undefined (a shape error, inf or \
                    NaN) at \(points.count - defined.count) of \(points.count) trial points; check the variables' \
                    shapes and ranges
                    """
                ))
        }
        for mistake in part.mistakes {
            guard case .formula(let text) = mistake.match,
                let wrong = try? FormulaParsing.expression(text, variables: spec.variables)
            else {
                continue
            }
            let caught = zip(points, values).contains { point, expected in
                guard let expected, let got = try? MathEvaluator(variables: point).evaluate(wrong) else { return true }
                return Self.difference(expected: expected, got: got, tolerance: spec.tolerance) != nil
            }
            if !caught {
                found.append(
                    context.error(
                        mistake.line,
                        """
                        part `\(part.id)`: the mistake `\(text)` equals the answer at every trial point; students \
                        who write it get full marks and never see its feedback (use non-symmetric matrices, more \
                        trials or wider dimensions)
                        """
                    ))
            }
        }
        return found
    }

    /// Whether `text`, read as a formula in this part's variables, equals the answer at every trial point where the
    /// answer is defined (and at one at least).
    func isAnswer(_ text: String) -> Bool {
        guard let answer = spec.answer, let formula = try? FormulaParsing.formula(text, variables: spec.variables)
        else {
            return false
        }
        var compared = 0
        for point in spec.points() {
            guard let expected = try? MathEvaluator(variables: point).evaluate(answer),
                expected.entries.allSatisfy(\.isFinite)
            else { continue }
            guard let got = try? MathEvaluator(variables: point).evaluate(formula),
                Self.difference(expected: expected, got: got, tolerance: spec.tolerance) == nil
            else { return false }
            compared += 1
        }
        return compared > 0
    }
}
