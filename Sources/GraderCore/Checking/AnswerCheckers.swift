/// The values a part is checked against, once expressions have been evaluated with the reference.
public struct AnswerKey: Sendable {
    public let expected: SnippetValue?
    /// Known mistakes with their value (numeric parts) and feedback.
    public let mistakes: [(value: SnippetValue, feedback: String)]
    /// Whether a wrong number's feedback may say how far off it is. Not where the student resubmits against a key the
    /// student kit withholds (the autograder folder, as on Gradescope): "off by 4353" hands out the key in one try.
    public var showsDistance = true

    public init(expected: SnippetValue?, mistakes: [(value: SnippetValue, feedback: String)] = []) {
        self.expected = expected
        self.mistakes = mistakes
    }
}

/// Checks one part answered in `answers.yaml`. One checker per answer kind, registered in `AnswerCheckers.forKind`.
public protocol AnswerChecker: Sendable {
    /// Grades `answer` (`nil` when the student gave none) for `part` of `problem`.
    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade
}

/// The registry of answer checkers, by answer kind.
public enum AnswerCheckers {
    public static func forKind(_ kind: PartKind) -> (any AnswerChecker)? {
        switch kind {
        case .integer, .real, .vector, .matrix: return NumericChecker()
        case .choice, .multipleChoice: return ChoiceChecker()
        case .formula: return FormulaChecker()
        case .snippet: return nil
        }
    }

    /// How an answer of this kind is written, for messages and for `grader init`.
    public static func expectedForm(_ part: Part, key: AnswerKey? = nil) -> String {
        switch part.kind {
        case .integer: return "a whole number, e.g. `\(part.id): 42`"
        case .real(let spec): return "a number, e.g. `\(part.id): 0.125` (checked to \(spec.tolerance))"
        case .vector(let spec):
            let count = (key?.expected.map(ValueComparison.shape) ?? spec.shape?.first.map(String.init)).map { " of \($0) numbers" } ?? ""
            return "a list\(count), e.g. `\(part.id): [1.0, -2.5]` (checked to \(spec.tolerance))"
        case .matrix(let spec):
            let stated = spec.shape.map { $0.map(String.init).joined(separator: "×") }
            let shape = (key?.expected.map(ValueComparison.shape) ?? stated).map { " (\($0), row-major)" } ?? " (row-major)"
            return "a list of rows\(shape), e.g. `\(part.id): [[1.0, 0.0], [0.0, 1.0]]` (checked to \(spec.tolerance))"
        case .choice(let spec): return "one of \(spec.options.map { "`\($0)`" }.joined(separator: ", "))"
        case .multipleChoice(let spec):
            return "a list of the options that apply, from \(spec.options.map { "`\($0)`" }.joined(separator: ", "))"
        case .formula(let spec):
            return "a formula in \(spec.variableList), e.g. `\(part.id): \"2*\(spec.variables.first?.name ?? "x")^T\"` (vectors are columns; `^T` or `'` transposes, `*` multiplies matrices, `.*` entry by entry)"
        case .snippet(let spec): return "`\(spec.signature.text)`"
        }
    }
}

extension PartGrade {
    /// A grade for `part`; the outcome follows from the status unless given (it must be for `.error`).
    init(
        problem: String, part: Part, status: Status, outcome: Outcome? = nil, score: Double, message: String, details: [String] = [],
        mistake: String? = nil
    ) {
        let derived: Outcome
        switch status {
        case .passed: derived = .passed
        case .partial: derived = .partial
        case .failed: derived = .wrong
        case .missing: derived = .missing
        case .skipped: derived = .skipped
        case .pending: derived = .pending
        case .error: derived = .graderError
        }
        self.init(
            problem: problem, id: part.id, kind: part.kind.kindName, status: status, outcome: outcome ?? derived, score: score,
            maxScore: part.points, message: message, details: details, mistake: mistake, output: nil)
        if status != .passed, status != .pending, let hint = part.hint { self.details.append("Hint: \(hint)") }
        finalOnly = part.answerWithheld
    }

    /// A well-formed answer to a part whose key the student kit does not hold: its value waits for final grading.
    static func pending(problem: String, part: Part, reading: String) -> PartGrade {
        PartGrade(problem: problem, part: part, status: .pending, score: 0, message: "well formed; graded at final grading",
                  details: ["Read as \(reading). The student kit holds no answer key, so its value is checked only at final grading."])
    }
}

/// Checks integer, real, vector and matrix answers: type and shape first, then element-wise within tolerance.
public struct NumericChecker: AnswerChecker {
    public func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        let form = AnswerCheckers.expectedForm(part, key: key)
        guard let answer, !answer.isNull else {
            return PartGrade(problem: problem, part: part, status: .missing, score: 0,
                             message: "no answer given", details: ["Add `\(part.id)` under `\(problem):` in answers.yaml: \(form)."])
        }
        guard let type = part.kind.valueType else {
            return PartGrade(problem: problem, part: part, status: .error, score: 0, message: "not a numeric part")
        }
        let given: SnippetValue
        switch AnswerParser.parse(answer, as: type) {
        case .success(let value): given = value
        case .failure(let problem_):
            return PartGrade(problem: problem, part: part, status: .failed, score: 0,
                             message: "answer \(problem_.message)", details: ["Expected \(form)."])
        }
        let tolerance: Tolerance
        switch part.kind {
        case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec): tolerance = spec.tolerance
        default: tolerance = .exact
        }
        if let bad = firstNonFinite(given) {
            return PartGrade(problem: problem, part: part, status: .failed, score: 0,
                             message: "answer contains \(bad.value)\(bad.path.isEmpty ? "" : " at \(bad.path)"); answers must be finite numbers",
                             details: ["Expected \(form)."])
        }
        if part.answerWithheld {
            if let shape = numericShape(part), ValueComparison.dimensions(given) != shape {
                let written = shape.map(String.init).joined(separator: "×")
                return PartGrade(problem: problem, part: part, status: .failed, score: 0,
                                 message: "wrong shape: expected \(written), got \(ValueComparison.shape(given))", details: ["Expected \(form)."])
            }
            return .pending(problem: problem, part: part, reading: "`\(given.swiftLiteral)`")
        }
        guard let expected = key.expected else {
            return PartGrade(problem: problem, part: part, status: .error, score: 0, message: "this part has no answer key")
        }
        guard let difference = ValueComparison.firstDifference(expected: expected, got: given, tolerance: tolerance) else {
            return PartGrade(problem: problem, part: part, status: .passed, score: part.points, message: "correct")
        }
        var details: [String] = ["You gave \(given.swiftLiteral)."]
        let message: String
        if difference.isShape {
            message = "wrong shape: expected \(ValueComparison.shape(expected)), got \(ValueComparison.shape(given))"
            details.append("Expected \(form).")
        } else if !key.showsDistance {
            message = "not within tolerance (\(tolerance))"
        } else {
            let place = difference.path.isEmpty ? "" : " at \(difference.path)"
            let error = difference.error.map(NumberFormatting.compact) ?? "?"
            let allowed = difference.allowed.map(NumberFormatting.compact) ?? "0"
            message = "not within tolerance: off by \(error)\(place), \(tolerance) allows \(allowed)"
        }
        let mistake = key.mistakes.first { ValueComparison.matches(expected: $0.value, got: given, tolerance: tolerance) }
        return PartGrade(problem: problem, part: part, status: .failed, score: 0, message: message, details: details,
                         mistake: mistake?.feedback)
    }

    /// The shape a student kit states for a withheld vector or matrix answer.
    private func numericShape(_ part: Part) -> [Int]? {
        switch part.kind {
        case .vector(let spec), .matrix(let spec): return spec.shape
        default: return nil
        }
    }

    private func firstNonFinite(_ value: SnippetValue, path: String = "") -> (value: String, path: String)? {
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
}

/// Checks single and multiple choice answers; multiple choice earns partial credit by `fractionOfCredit`.
public struct ChoiceChecker: AnswerChecker {
    public func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        let form = AnswerCheckers.expectedForm(part)
        guard let answer, !answer.isNull else {
            return PartGrade(problem: problem, part: part, status: .missing, score: 0, message: "no answer given",
                             details: ["Add `\(part.id)` under `\(problem):` in answers.yaml: \(form)."])
        }
        let spec: ChoiceSpec
        let multiple: Bool
        switch part.kind {
        case .choice(let choice): spec = choice; multiple = false
        case .multipleChoice(let choice): spec = choice; multiple = true
        default: return PartGrade(problem: problem, part: part, status: .error, score: 0, message: "not a choice part")
        }
        var chosen: [String] = []
        switch answer {
        case .scalar(let text, _, _): chosen = [text.trimmingWhitespace()]
        case .sequence(let items, _) where multiple:
            for item in items {
                guard case .scalar(let text, _, _) = item else {
                    return PartGrade(problem: problem, part: part, status: .failed, score: 0,
                                     message: "answer must list option names, found \(item.kindDescription)", details: ["Expected \(form)."])
                }
                chosen.append(text.trimmingWhitespace())
            }
        default:
            return PartGrade(problem: problem, part: part, status: .failed, score: 0,
                             message: "answer must be \(multiple ? "a list of options" : "one option"), found \(answer.kindDescription)",
                             details: ["Expected \(form)."])
        }
        let unknown = chosen.filter { !spec.options.contains($0) }
        if !unknown.isEmpty {
            return PartGrade(problem: problem, part: part, status: .failed, score: 0,
                             message: "not an option: \(unknown.map { "`\($0)`" }.joined(separator: ", "))",
                             details: ["Expected \(form)."])
        }
        let selected = Set(chosen)
        if part.answerWithheld {
            return .pending(problem: problem, part: part, reading: chosen.isEmpty ? "no option" : chosen.map { "`\($0)`" }.joined(separator: ", "))
        }
        if !multiple {
            let right = selected == Set(spec.correct)
            return PartGrade(problem: problem, part: part, status: right ? .passed : .failed, score: right ? part.points : 0,
                             message: right ? "correct" : "`\(chosen[0])` is not the right choice")
        }
        let correct = Set(spec.correct)
        let score = part.points * Self.fractionOfCredit(selected: selected, correct: correct)
        if selected == correct {
            return PartGrade(problem: problem, part: part, status: .passed, score: part.points, message: "correct")
        }
        let rightIn = selected.intersection(correct).count
        let wrongIn = selected.subtracting(correct).count
        let missed = correct.subtracting(selected).count
        var details = [Self.rule]
        details.append("You selected \(rightIn) of the \(correct.count) correct option\(correct.count == 1 ? "" : "s") and \(wrongIn) incorrect one\(wrongIn == 1 ? "" : "s").")
        if wrongIn > 0 { details.append("\(wrongIn) option\(wrongIn == 1 ? "" : "s") you listed should not be there.") }
        if missed > 0 { details.append("\(missed) option\(missed == 1 ? "" : "s") that belong\(missed == 1 ? "s" : "") in the answer \(missed == 1 ? "is" : "are") missing.") }
        return PartGrade(problem: problem, part: part, status: score == 0 ? .failed : .partial, score: score,
                         message: "\(rightIn) correct and \(wrongIn) incorrect option\(wrongIn == 1 ? "" : "s") selected", details: details)
    }

    /// The scoring rule of multiple choice, as the handout and the feedback state it.
    public static let rule = "Scoring: (correct options selected - incorrect options selected) / number of correct options, never below 0. An empty answer, or every option, earns nothing unless it is the answer."

    /// The fraction of a multiple-choice part's points that `selected` earns: PrairieLearn's "PC" rule,
    /// (correct selections - incorrect selections) / correct options, floored at 0; when no option is correct, all or
    /// nothing. Guessing everything or nothing earns nothing; each right pick is undone by a wrong one.
    public static func fractionOfCredit(selected: Set<String>, correct: Set<String>) -> Double {
        guard !correct.isEmpty else { return selected.isEmpty ? 1 : 0 }
        let right = selected.intersection(correct).count, wrong = selected.subtracting(correct).count
        return max(0, Double(right - wrong)) / Double(correct.count)
    }
}
