/// The options of a choice part and which of them are correct.
public struct ChoiceSpec: Sendable {
    public let options: [String]
    public let correct: [String]
}

/// `kind: choice` (one option) and `kind: multiple-choice` (a list of options, with partial credit by
/// `fractionOfCredit`). Mistakes are explained per option by the hint, never by a known mistake.
struct ChoiceKind: AnswerKind {
    static let names: [KindName] = [.choice, .multipleChoice]
    static let keys: Set<String> = ["options", "answer"]

    let name: KindName
    let spec: ChoiceSpec

    var multiple: Bool { name == .multipleChoice }

    static func decode(_ definition: inout PartDefinition) throws -> ChoiceKind {
        guard let options = try definition.fields.strings("options"), options.count >= 2 else {
            throw definition.error("`options` must list at least two choices")
        }
        guard Set(options).count == options.count else { throw definition.error("`options` repeats a choice") }
        var correct: [String] = []
        if !definition.withheld {
            let answerNode = try definition.fields.require("answer")
            switch answerNode {
            case .scalar(let text, _, _): correct = [text]
            case .sequence: correct = try definition.fields.strings("answer") ?? []
            default:
                throw definition.fields.error(
                    "part `\(definition.id)`: `answer` must be an option or a list of options", line: answerNode.line)
            }
            for answer in correct where !options.contains(answer) {
                throw definition.fields.error(
                    "part `\(definition.id)`: answer `\(answer)` is not one of the options", line: answerNode.line)
            }
            if definition.kind == .choice, correct.count != 1 {
                throw definition.error("a choice part has exactly one answer")
            }
        }
        return ChoiceKind(name: definition.kind, spec: ChoiceSpec(options: options, correct: correct))
    }

    func readMistake(_ fields: inout YAMLFields, partID: String) throws -> KnownMistake.Match {
        throw fields.error("part `\(partID)`: choice parts explain mistakes per option; use `hint`")
    }

    // MARK: What students see

    private var optionList: String { spec.options.map { "`\($0)`" }.joined(separator: ", ") }

    func form(of part: Part, key: AnswerKey?) -> String {
        multiple ? "a list of the options that apply, from \(optionList)" : "one of \(optionList)"
    }

    func handout(of part: Part, in problem: Problem) -> [String] {
        answerHandout(of: part, in: problem, judged: multiple ? [Self.rule] : [])
    }

    // MARK: Checking

    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        let form = self.form(of: part, key: key)
        guard let answer, !answer.isNull else { return missing(problem: problem, part: part) }
        var chosen: [String] = []
        switch answer {
        case .scalar(let text, _, _): chosen = [text.trimmingWhitespace()]
        case .sequence(let items, _) where multiple:
            for item in items {
                guard case .scalar(let text, _, _) = item else {
                    return PartGrade(
                        problem: problem, part: part, status: .failed, score: 0,
                        message: "answer must list option names, found \(item.kindDescription)",
                        details: ["Expected \(form)."])
                }
                chosen.append(text.trimmingWhitespace())
            }
        default:
            return PartGrade(
                problem: problem, part: part, status: .failed, score: 0,
                message:
                    "answer must be \(multiple ? "a list of options" : "one option"), found \(answer.kindDescription)",
                details: ["Expected \(form)."])
        }
        let unknown = chosen.filter { !spec.options.contains($0) }
        if !unknown.isEmpty {
            return PartGrade(
                problem: problem, part: part, status: .failed, score: 0,
                message: "not an option: \(unknown.map { "`\($0)`" }.joined(separator: ", "))",
                details: ["Expected \(form)."])
        }
        if part.answerWithheld {
            let reading = chosen.isEmpty ? "no option" : chosen.map { "`\($0)`" }.joined(separator: ", ")
            return .pending(problem: problem, part: part, reading: reading)
        }
        return score(chosen, problem: problem, part: part)
    }

    /// The grade of options that are all among the part's options.
    private func score(_ chosen: [String], problem: String, part: Part) -> PartGrade {
        let selected = Set(chosen)
        if !multiple {
            let right = selected == Set(spec.correct)
            return PartGrade(
                problem: problem, part: part, status: right ? .passed : .failed, score: right ? part.points : 0,
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
        func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
        var details = [Self.rule]
        details.append(
            """
            You selected \(rightIn) of the \(plural(correct.count, "correct option")) and \
            \(plural(wrongIn, "incorrect one")).
            """
        )
        if wrongIn > 0 { details.append("\(plural(wrongIn, "option")) you listed should not be there.") }
        if missed > 0 {
            details.append(
                """
                \(plural(missed, "option")) that belong\(missed == 1 ? "s" : "") in the answer \
                \(missed == 1 ? "is" : "are") missing.
                """
            )
        }
        return PartGrade(
            problem: problem, part: part, status: score == 0 ? .failed : .partial, score: score,
            message: "\(rightIn) correct and \(plural(wrongIn, "incorrect option")) selected", details: details)
    }

    /// The scoring rule of multiple choice, as the handout and the feedback state it.
    static let rule =
        "Scoring: (correct options selected - incorrect options selected) / number of correct options, never below 0. "
        + "An empty answer, or every option, earns nothing unless it is the answer."

    /// The fraction of a multiple-choice part's points that `selected` earns: PrairieLearn's "PC" rule,
    /// (correct selections - incorrect selections) / correct options, floored at 0; when no option is correct, all or
    /// nothing. Guessing everything or nothing earns nothing; each right pick is undone by a wrong one.
    static func fractionOfCredit(selected: Set<String>, correct: Set<String>) -> Double {
        guard !correct.isEmpty else { return selected.isEmpty ? 1 : 0 }
        let right = selected.intersection(correct).count
        let wrong = selected.subtracting(correct).count
        return max(0, Double(right - wrong)) / Double(correct.count)
    }

    // MARK: Keys

    func answerKeyText(of part: Part, key: AnswerKey?) -> String? {
        guard !spec.correct.isEmpty else { return nil }
        return multiple ? "[\(spec.correct.joined(separator: ", "))]" : spec.correct[0]
    }

    func studentDefinition(_ node: YAMLTree, of part: Part, key: AnswerKey?) -> YAMLTree {
        part.immediateFeedback ? node : node.updating(removing: ["answer", "hint"])
    }

    // MARK: Validation

    /// Grades the answers a student who knows nothing would give, with the real checker: nothing, everything.
    func validate(_ part: Part, in context: KindValidation) -> [Diagnostic] {
        let guesses: [(String, YAMLTree)] = [
            ("an empty answer", .sequence([], line: part.line)),
            (
                "selecting every option",
                .sequence(spec.options.map { .scalar($0, quoted: false, line: part.line) }, line: part.line)
            ),
        ]
        return guesses.compactMap { name, answer in
            let grade = check(problem: context.problem.id, part: part, answer: answer, key: AnswerKey(expected: nil))
            guard grade.score > 0 else { return nil }
            return context.warning(
                part.line,
                """
                part `\(part.id)`: \(name) earns \(NumberFormatting.score(grade.score)) of \
                \(NumberFormatting.score(part.points)) points
                """
            )
        }
    }
}
