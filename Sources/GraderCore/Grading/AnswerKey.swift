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

extension PartGrade {
    /// A grade for `part`; the outcome follows from the status unless given (it must be for `.error`).
    init(
        problem: String, part: Part, status: Status, outcome: Outcome? = nil, score: Double, message: String,
        details: [String] = [],
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
            problem: problem, id: part.id, kind: part.kindName, status: status, outcome: outcome ?? derived,
            score: score,
            maxScore: part.points, message: message, details: details, mistake: mistake, output: nil)
        if status != .passed, status != .pending, let hint = part.hint { self.details.append("Hint: \(hint)") }
        finalOnly = part.answerWithheld
    }

    /// A well-formed answer to a part whose key the student kit does not hold: its value waits for final grading.
    static func pending(problem: String, part: Part, reading: String) -> PartGrade {
        PartGrade(
            problem: problem, part: part, status: .pending, score: 0, message: "well formed; graded at final grading",
            details: [
                """
                Read as \(reading). The student kit holds no answer key, so its value is checked only at final \
                grading.
                """
            ])
    }
}
