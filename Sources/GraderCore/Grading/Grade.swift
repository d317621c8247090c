/// The outcome of grading one submission: the single value every reporter reads.
///
/// Its JSON form is the documented results schema (`docs/results-schema.md`); `schemaVersion` changes whenever a
/// field changes meaning or disappears.
public struct GradeReport: Sendable, Codable, Equatable {
    public var schemaVersion = 1
    public var graderVersion: String
    public var assignment: String
    /// The submission folder as given on the command line.
    public var submission: String
    public var score: Double
    public var maxScore: Double
    public var problems: [ProblemGrade]
    /// Things the student or instructor should know that are not about one part (unknown answer keys, ...).
    public var warnings: [String]
    public var sandbox: SandboxStatus
    public var limits: SandboxLimits

    /// Every part of every problem, in order.
    public var allParts: [PartGrade] { problems.flatMap(\.parts) }
}

/// The grade of one problem.
public struct ProblemGrade: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    public var score: Double
    public var maxScore: Double
    public var parts: [PartGrade]
    /// The limits its functions ran under (defaults, then the problem's own, then the command line's); `nil` for a
    /// problem without snippet parts.
    public var limits: SandboxLimits?
}

/// The grade of one part, with feedback a student can act on.
public struct PartGrade: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Full marks.
        case passed
        /// Some credit, not all (some trials or options wrong).
        case partial
        /// Wrong answer, no credit.
        case failed
        /// Nothing handed in for this part.
        case missing
        /// The code could not be compiled or run (compile error, crash, timeout, limit).
        case error
        /// Deliberately not graded (filtered out on the command line).
        case skipped
    }

    public var problem: String
    public var id: String
    public var kind: String
    public var status: Status
    public var score: Double
    public var maxScore: Double
    /// One line: what happened ("2 of 10 trials failed", "expected 213504, got 212992").
    public var message: String
    /// The explanation a student reads: expected form, given value, error against tolerance, hints.
    public var details: [String]
    /// Targeted feedback for a recognised mistake, if one was recognised.
    public var mistake: String?
    /// Output the student's code printed, cleaned and truncated, when it helps explain a failure.
    public var output: String?
    /// The submission file to look at for this part (`answers.yaml` or `<problem-id>.swift`), relative to the folder.
    public var file: String? = nil
    /// The line in `file` to look at: the answer's key, the compile error, or the function's declaration.
    public var line: Int? = nil
}
