/// Where the expected value of a numeric part comes from.
public enum ExpectedValue: Sendable {
    /// Written out in `problem.yaml`.
    case literal(SnippetValue)
    /// A Swift expression evaluated with the problem's reference implementation, e.g. `outputVariance(widths: [16, 32,
    /// 8])`.
    case expression(String)
    /// Not in this folder: a student kit leaves the key out, and the part is graded at final grading.
    case withheld
}

/// The expected value and tolerance of an integer, real, vector or matrix part.
public struct NumericSpec: Sendable {
    public let expected: ExpectedValue
    public let tolerance: Tolerance
    /// The answer's shape (`[2]`, `[2, 2]`), which a student kit states for a withheld vector or matrix answer so
    /// that its form can be checked before final grading.
    public var shape: [Int]? = nil
}

/// `kind: integer`, `real`, `vector` or `matrix`: a number or an array of numbers in `answers.yaml`, the key
/// written out (`answer`) or computed by `reference.swift` (`expression`), compared entry by entry within the
/// part's tolerance; known mistakes are values too.
struct NumericKind: AnswerKind {
    static let names: [KindName] = [.integer, .real, .vector, .matrix]
    static let keys: Set<String> = ["answer", "expression", "shape"]

    /// The four forms of a numeric answer, one per kind name.
    enum Form: String, CaseIterable {
        case integer, real, vector, matrix
    }

    let form: Form
    let spec: NumericSpec

    var name: KindName { KindName(rawValue: form.rawValue) }
    var tolerance: Tolerance? { spec.tolerance }

    /// The Swift type an answer of this kind is read as.
    var valueType: SwiftType {
        switch form {
        case .integer: return .int
        case .real: return .double
        case .vector: return .array(.double)
        case .matrix: return .array(.array(.double))
        }
    }

    /// How many sizes `shape` lists: none for a scalar, one for a vector, two for a matrix.
    var rank: Int {
        switch form {
        case .integer, .real: return 0
        case .vector: return 1
        case .matrix: return 2
        }
    }

    static func decode(_ definition: inout PartDefinition) throws -> NumericKind {
        let probe = NumericKind(name: definition.kind, spec: NumericSpec(expected: .withheld, tolerance: .exact))
        let expected =
            definition.withheld ? .withheld : try probe.readExpected(&definition.fields, partID: definition.id)
        var spec = NumericSpec(expected: expected, tolerance: definition.tolerance ?? .exact)
        if let shapeNode = definition.fields.node("shape") {
            let sizes = probe.rank == 0 ? nil : DefinitionReading.sizes(shapeNode, count: probe.rank, minimum: 0)
            guard let sizes else {
                let wanted = probe.rank == 1 ? "one size" : "two sizes (rows, columns)"
                throw definition.fields.error(
                    "part `\(definition.id)`: `shape` must list \(wanted) for a \(definition.kind) part",
                    line: shapeNode.line)
            }
            spec.shape = sizes
        }
        if definition.kind == .real, definition.tolerance == nil {
            throw definition.error("a real part needs `rtol`, `atol` or `significant-figures`")
        }
        return NumericKind(name: definition.kind, spec: spec)
    }

    /// `answer` (a value) or `expression` (Swift, evaluated with `reference.swift`), never both.
    func readExpected(_ fields: inout YAMLFields, partID: String) throws -> ExpectedValue {
        let answer = fields.node("answer")
        let expression = try fields.string("expression")
        switch (answer, expression) {
        case (nil, let expression?): return .expression(expression)
        case (let answer?, nil):
            switch AnswerParser.parse(answer, as: valueType) {
            case .success(let value): return .literal(value)
            case .failure(let problem):
                throw fields.error("part `\(partID)`: `answer` \(problem.message)", line: answer.line)
            }
        case (_?, _?): throw fields.error("part `\(partID)`: give either `answer` or `expression`, not both")
        case (nil, nil):
            throw fields.error(
                "part `\(partID)`: needs `answer` (a value) or `expression` (Swift, evaluated with reference.swift)")
        }
    }

    func readMistake(_ fields: inout YAMLFields, partID: String) throws -> KnownMistake.Match {
        .value(try readExpected(&fields, partID: partID))
    }

    // MARK: What students see

    func example(of part: Part) -> YAMLTree? {
        switch form {
        case .integer: return .plain("42")
        case .real: return .plain("3.7")
        case .vector: return .sequence([.plain("1.5"), .plain("-2.25")], line: 0)
        case .matrix:
            return .sequence(
                [
                    .sequence([.plain("1.5"), .plain("-2.0")], line: 0),
                    .sequence([.plain("0.25"), .plain("3.0")], line: 0),
                ], line: 0)
        }
    }

    func form(of part: Part, key: AnswerKey?) -> String {
        let example = "e.g. `\(part.id): \(self.example(of: part).map(\.flowText) ?? "")`"
        switch form {
        case .integer: return "a whole number, \(example)"
        case .real: return "a number, \(example) (checked to \(spec.tolerance))"
        case .vector:
            let stated = spec.shape?.first.map(String.init)
            let count = (key?.expected.map(ValueComparison.shape) ?? stated).map { " of \($0) numbers" } ?? ""
            return "a list\(count), \(example) (checked to \(spec.tolerance))"
        case .matrix:
            let stated = spec.shape.map { $0.map(String.init).joined(separator: "×") }
            let shape =
                (key?.expected.map(ValueComparison.shape) ?? stated).map { " (\($0), row-major)" } ?? " (row-major)"
            return "a list of rows\(shape), \(example) (checked to \(spec.tolerance))"
        }
    }

    func handout(of part: Part, in problem: Problem) -> [String] { answerHandout(of: part, in: problem) }

    // MARK: Checking

    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        let form = self.form(of: part, key: key)
        guard let answer, !answer.isNull else { return missing(problem: problem, part: part, key: key) }
        let given: SnippetValue
        switch AnswerParser.parse(answer, as: valueType) {
        case .success(let value): given = value
        case .failure(let reason):
            return PartGrade(
                problem: problem, part: part, status: .failed, score: 0, message: "answer \(reason.message)",
                details: ["Expected \(form)."])
        }
        if let bad = Self.firstNonFinite(given) {
            let place = bad.path.isEmpty ? "" : " at \(bad.path)"
            return PartGrade(
                problem: problem, part: part, status: .failed, score: 0,
                message: "answer contains \(bad.value)\(place); answers must be finite numbers",
                details: ["Expected \(form)."])
        }
        if part.answerWithheld {
            if rank > 0, let shape = spec.shape, ValueComparison.dimensions(given) != shape {
                let written = shape.map(String.init).joined(separator: "×")
                return PartGrade(
                    problem: problem, part: part, status: .failed, score: 0,
                    message: "wrong shape: expected \(written), got \(ValueComparison.shape(given))",
                    details: ["Expected \(form)."])
            }
            return .pending(problem: problem, part: part, reading: "`\(given.swiftLiteral)`")
        }
        guard let expected = key.expected else {
            return PartGrade(
                problem: problem, part: part, status: .error, score: 0, message: "this part has no answer key")
        }
        return compare(given, with: expected, problem: problem, part: part, key: key)
    }

    /// The grade of a well-formed answer `given` against the key.
    private func compare(
        _ given: SnippetValue, with expected: SnippetValue, problem: String, part: Part, key: AnswerKey
    )
        -> PartGrade
    {
        let tolerance = spec.tolerance
        guard let difference = ValueComparison.firstDifference(expected: expected, got: given, tolerance: tolerance)
        else {
            return PartGrade(problem: problem, part: part, status: .passed, score: part.points, message: "correct")
        }
        var details: [String] = ["You gave \(given.swiftLiteral)."]
        let message: String
        if difference.isShape {
            message = "wrong shape: expected \(ValueComparison.shape(expected)), got \(ValueComparison.shape(given))"
            details.append("Expected \(form(of: part, key: key)).")
        } else if !key.showsDistance {
            message = "not within tolerance (\(tolerance))"
        } else {
            let place = difference.path.isEmpty ? "" : " at \(difference.path)"
            let error = difference.error.map(NumberFormatting.compact) ?? "?"
            let allowed = difference.allowed.map(NumberFormatting.compact) ?? "0"
            message = "not within tolerance: off by \(error)\(place), \(tolerance) allows \(allowed)"
        }
        let mistake = key.mistakes.first {
            ValueComparison.matches(expected: $0.value, got: given, tolerance: tolerance)
        }
        return PartGrade(
            problem: problem, part: part, status: .failed, score: 0, message: message, details: details,
            mistake: mistake?.feedback)
    }

    private static func firstNonFinite(_ value: SnippetValue, path: String = "") -> (value: String, path: String)? {
        switch value {
        case .double(let x) where !x.isFinite: return (NumberFormatting.shortest(x), path)
        case .array(let values):
            for (index, element) in values.enumerated() {
                if let found = firstNonFinite(element, path: path + "[\(index)]") { return found }
            }
            return nil
        default: return nil
        }
    }

    // MARK: Keys

    func referenceExpressions(of part: Part) -> [(entry: String, expression: String, type: SwiftType)] {
        var found: [(entry: String, expression: String, type: SwiftType)] = []
        if case .expression(let text) = spec.expected { found.append((Self.answerEntry(part.id), text, valueType)) }
        for (index, mistake) in part.mistakes.enumerated() {
            if case .value(.expression(let text)) = mistake.match {
                found.append((Self.mistakeEntry(part.id, index), text, valueType))
            }
        }
        return found
    }

    static func answerEntry(_ part: String) -> String { "answer:\(part)" }
    static func mistakeEntry(_ part: String, _ index: Int) -> String { "mistake:\(part):\(index)" }

    func answerKeys(
        of part: Part, variants: [ParameterValues],
        evaluate: (_ entry: String, _ type: SwiftType) throws -> [SnippetValue]
    ) throws -> [AnswerKey] {
        func values(_ source: ExpectedValue, entry: String) throws -> [SnippetValue] {
            switch source {
            case .literal(let value): return variants.map { _ in value }
            case .expression: return try evaluate(entry, valueType)
            case .withheld: throw AnswerKeyMissing()
            }
        }
        let expected = try values(spec.expected, entry: Self.answerEntry(part.id))
        var mistakes: [(values: [SnippetValue], feedback: String)] = []
        for (index, mistake) in part.mistakes.enumerated() {
            if case .value(let source) = mistake.match {
                mistakes.append((try values(source, entry: Self.mistakeEntry(part.id, index)), mistake.feedback))
            }
        }
        return variants.enumerated().map { index, variant in
            AnswerKey(
                expected: expected[index],
                mistakes: mistakes.map { (value: $0.values[index], feedback: variant.fill($0.feedback)) })
        }
    }

    func kitKey(of part: Part) -> AnswerKey {
        guard case .literal(let value) = spec.expected else { return AnswerKey(expected: nil) }
        let mistakes = part.mistakes.compactMap { mistake -> (value: SnippetValue, feedback: String)? in
            if case .value(.literal(let value)) = mistake.match { return (value, mistake.feedback) }
            return nil
        }
        return AnswerKey(expected: value, mistakes: mistakes)
    }

    func answerKeyText(of part: Part, key: AnswerKey?) -> String? {
        key?.expected.map(AnswerSheet.literal)
    }

    func studentDefinition(_ node: YAMLTree, of part: Part, key: AnswerKey?) -> YAMLTree {
        if part.immediateFeedback, let expected = key?.expected {
            var setting: [(key: String, value: YAMLTree)] = [("answer", YAMLTree(expected))]
            if let mistakes = key?.mistakes, !mistakes.isEmpty {
                let written = mistakes.map { mistake in
                    YAMLTree.mapping(
                        [
                            ("answer", YAMLTree(mistake.value), 0),
                            ("feedback", .scalar(mistake.feedback, quoted: true, line: 0), 0),
                        ],
                        line: 0)
                }
                setting.append(("mistakes", .sequence(written, line: 0)))
            }
            return node.updating(removing: ["expression", "mistakes"], setting: setting)
        }
        var setting: [(key: String, value: YAMLTree)] = []
        if rank > 0, let size = key?.expected.flatMap(ValueComparison.dimensions) {
            setting.append(("shape", .sequence(size.map { .plain("\($0)") }, line: 0)))
        }
        // A hint is feedback on a wrong value, which public checks never judge; it may speak of the value.
        return node.updating(removing: ["answer", "expression", "mistakes", "hint"], setting: setting)
    }

    // MARK: Validation

    func validate(_ part: Part, in context: KindValidation) -> [Diagnostic] {
        guard let key = context.reference.answerKeys[part.id], let expected = key.expected else { return [] }
        if let problem = ProblemValidator.nonFinite(expected) {
            return [
                context.error(
                    part.line, "part `\(part.id)`: the expected answer contains \(problem); no answer can match it")
            ]
        }
        var found: [Diagnostic] = []
        if let looseness = ProblemValidator.looseness(expected: expected, tolerance: spec.tolerance) {
            found.append(
                context.error(
                    part.line,
                    "part `\(part.id)`: \(spec.tolerance) \(looseness) (expected \(expected.literal(as: valueType)))"))
        }
        let valueMistakes = part.mistakes.filter { if case .value = $0.match { return true } else { return false } }
        for (mistake, known) in zip(valueMistakes, key.mistakes)
        where ValueComparison.matches(expected: expected, got: known.value, tolerance: spec.tolerance) {
            found.append(
                context.error(
                    mistake.line,
                    """
                    part `\(part.id)`: this mistake's value \(known.value.literal(as: valueType)) is accepted by \
                    the part's tolerance (\(spec.tolerance)); students who make it get full marks and never see \
                    its feedback
                    """
                ))
        }
        return found
    }
}

/// A key asked of a folder that does not hold it (a student kit's withheld part).
struct AnswerKeyMissing: Error {}

extension NumericKind {
    /// A numeric kind by its name; `name` is one of `names`.
    init(name: KindName, spec: NumericSpec) {
        guard let form = Form(rawValue: name.rawValue) else { preconditionFailure("not a numeric kind: \(name)") }
        self.init(form: form, spec: spec)
    }
}
