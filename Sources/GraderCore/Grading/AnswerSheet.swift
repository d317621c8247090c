/// A student's answer key written as an `answers.yaml`, for instructors and TAs.
public enum AnswerSheet {
    /// Every answer part's expected value for `student`'s variant, with the parameters and the known mistakes as
    /// comments; graded as that student, the sheet gets full marks on every answer part.
    public static func render(session: GradingSession, student: String) throws -> String {
        let problems = session.problems
        guard problems.role.gradesFinally else {
            throw GraderError.usage(
                """
                the student kit holds no answer key; use the instructor's problems or the autograder folder \
                (--problems)
                """
            )
        }
        var lines = [
            """
            # The answer key of \(problems.title) for student `\(student)`: for instructors and TAs, never for \
            students.
            """
        ]
        if problems.problems.contains(where: { !$0.parameters.isEmpty }) {
            if student == Variants.referenceStudent {
                lines.append("# The handout's own numbers (the id `\(Variants.referenceStudent)`).")
            } else if problems.secret == nil {
                lines.append(
                    "# A practice variant: without the assignment's secret, the numbers follow from the id alone.")
            } else {
                lines.append(
                    """
                    # Variant key (the student kit needs it for this student's handout): \
                    \(Variants.key(student: student, secret: problems.secret))
                    """
                )
            }
        }
        lines.append("\(Submission.studentKey): \(yamlScalar(student))")
        for problem in problems.problems where !problem.answerParts.isEmpty {
            let variant = try problem.variant(student: student, secret: problems.secret)
            let results = try session.referenceResults(for: problem, variant: variant)
            lines += ["", "\(problem.id):"]
            if !variant.names.isEmpty { lines.append("  # \(variant.description)") }
            for part in problem.answerParts {
                let key = results.answerKeys[part.id]
                guard let text = part.kind.answerKeyText(of: part, key: key) else {
                    lines.append("  \(part.id): null  # no key in this folder")
                    continue
                }
                lines.append("  \(part.id): \(text)")
                for mistake in part.kind.knownMistakeTexts(of: part, key: key) {
                    lines.append("  #   known mistake \(mistake.answer): \(firstSentence(of: mistake.feedback))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The value as YAML flow, with -0 written as 0 (equal under every tolerance, and less puzzling).
    static func literal(_ value: SnippetValue) -> String {
        func positiveZero(_ value: SnippetValue) -> SnippetValue {
            switch value {
            case .double(let number) where number == 0: return .double(0)
            case .array(let items): return .array(items.map(positiveZero))
            case .tuple(let items): return .tuple(items.map(positiveZero))
            default: return value
            }
        }
        return positiveZero(value).swiftLiteral
    }

    /// `text` as a YAML scalar: plain when it is safe, else double-quoted (JSON's escapes are YAML's).
    static func yamlScalar(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }),
            text.first?.isLetter == true
        {
            return text
        }
        let escaped = text.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            default: return String(scalar)
            }
        }.joined()
        return "\"\(escaped)\""
    }

    /// The feedback's first sentence, on one line.
    static func firstSentence(of text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard let end = flat.range(of: ". ") else { return flat }
        return String(flat[..<end.lowerBound]) + "."
    }
}
