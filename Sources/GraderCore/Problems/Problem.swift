/// One homework assignment: the problems a submission is graded against, in handout order.
public struct ProblemSet: Sendable {
    public let title: String
    /// The folder the problems were read from.
    public let directory: String
    public let problems: [Problem]
    /// The total `points:` `assignment.yaml` states, if it states one, with its line.
    public var declaredPoints: (value: Double, line: Int)?
    /// Problem folders under `directory` that `assignment.yaml` does not list, so they are never graded.
    public var unlisted: [String] = []
    /// Whose folder this is: the instructor's (answer keys, references) or a student kit (public checks only).
    public var role: Role = .instructor
    /// The secret that seeds the hidden trials, from the folder's `secret` file (`grader assign` writes one into
    /// the autograder folder); `nil` draws them from a built-in seed, which is fine for practice only.
    public var secret: String?
    /// The due date and late policy `assignment.yaml` states (`due:`, `late:`), applied by `grader batch`.
    public var latePolicy: LatePolicy?

    /// Whose problems folder this is, from `kit:` in `assignment.yaml`.
    public enum Role: String, Sendable, Codable {
        /// The full problems: reference code and answer keys. Grading runs public and hidden trials.
        case instructor
        /// `grader assign`'s autograder folder: the full problems plus the secret. Grades like `instructor`.
        case autograder
        /// `grader assign`'s student kit: no reference code, no answer keys; public checks only.
        case student

        /// Whether grading with this folder is final grading (answer keys and hidden trials), not public checks.
        public var gradesFinally: Bool { self != .student }
    }

    public var maxScore: Double { problems.reduce(0) { $0 + $1.maxScore } }

    /// The problem with this id, if any.
    public func problem(_ id: String) -> Problem? { problems.first { $0.id == id } }

    /// Whether `selector` names a problem (`variance-recursion`) or a part (`variance-recursion.outputVariance`).
    public func contains(selector: String) -> Bool {
        problems.contains { problem in
            problem.id == selector || problem.parts.contains { "\(problem.id).\($0.id)" == selector }
        }
    }
}

/// One problem: a statement, its parts and the trusted reference implementation that defines the answers.
public struct Problem: Sendable {
    public let id: String
    public let title: String
    public let statement: String
    /// The `problem.yaml` this problem was read from.
    public let definitionPath: String
    /// The `reference.swift` next to it.
    public let referencePath: String
    public let parts: [Part]
    /// Limits for running snippets of this problem; `nil` fields take the grader's defaults.
    public let limits: LimitOverrides
    /// The total `points:` the definition states, if it states one, with its line; `grader validate` checks it
    /// against the parts.
    public var declaredPoints: (value: Double, line: Int)?
    /// The numbers that differ per student (`parameters:` and `constraints:`); empty when every student gets the
    /// same problem.
    public var parameters = ParameterSpace()

    public var maxScore: Double { parts.reduce(0) { $0 + $1.points } }
    public var snippetParts: [Part] { parts.filter(\.isSnippet) }
    /// Whether any part is a function: `snippetParts` without copying the parts (a batch asks for each student).
    public var hasSnippetParts: Bool {
        parts.withUnsafeBufferPointer { parts in parts.indices.contains { parts[$0].isSnippet } }
    }
    public var answerParts: [Part] { parts.filter { !$0.isSnippet } }
    /// Whether a part is an experiment: the problem's functions and reference are then compiled with `-O`.
    public var hasExperiments: Bool { parts.contains { $0.snippet?.experiment != nil } }
    /// The file a student hands in for this problem's snippets.
    public var snippetFileName: String { "\(id).swift" }
}

/// One gradable part of a problem: an answer in `answers.yaml` or a function in the problem's Swift file.
public struct Part: Sendable {
    public let id: String
    public let prompt: String
    public let points: Double
    /// What kind of answer the part takes, with everything needed to read, check and show it (`AnswerKind`).
    let kind: any AnswerKind
    /// Wrong answers instructors have seen often, each with the feedback that explains it.
    public let mistakes: [KnownMistake]
    /// A general hint shown whenever the part is not fully correct.
    public let hint: String?
    /// The line of `problem.yaml` where the part is defined (0 when built in code).
    public var line: Int = 0
    /// An answer part whose key the student kit keeps (`immediate-feedback: true`), for practice sets: students
    /// see right or wrong at once. Snippet parts always have public trials.
    public var immediateFeedback = false
    /// An answer part of a student kit without its key: its form is checked now, its value at final grading.
    public var answerWithheld = false

    init(
        id: String, prompt: String, points: Double, kind: any AnswerKind, mistakes: [KnownMistake], hint: String?,
        line: Int = 0
    ) {
        self.id = id
        self.prompt = prompt
        self.points = points
        self.kind = kind
        self.mistakes = mistakes
        self.hint = hint
        self.line = line
    }

    /// The part's kind, as `problem.yaml` names it.
    public var kindName: KindName { kind.name }
    /// Whether the part is a function in the problem's Swift file, not an answer in `answers.yaml`.
    public var isSnippet: Bool { kind.isSnippet }
    /// The function a student writes for the part, with how it is tried; `nil` for an answer in `answers.yaml`.
    public var snippet: SnippetSpec? { kind.snippet }
    /// How an answer to the part is written, with an example that is never the key.
    public var form: String { kind.form(of: self, key: nil) }
}

/// A known wrong answer and the feedback that names the mistake.
public struct KnownMistake: Sendable {
    public enum Match: Sendable {
        /// A numeric answer equal (within the part's tolerance) to this value.
        case value(ExpectedValue)
        /// A snippet whose outputs equal those of this function in `reference.swift`.
        case implementation(String)
        /// A snippet whose every failing trial returned inf or NaN somewhere (`non-finite: true`): an overflow.
        case nonFinite
        /// A formula equal to this one at the trial points.
        case formula(String)
    }

    public let match: Match
    public let feedback: String
    /// The line of `problem.yaml` where the mistake is defined (0 when built in code).
    public var line: Int = 0
}

/// A product of dimension names and whole numbers, such as `n`, `4` or `g*a`.
public struct DimensionExpression: Sendable, CustomStringConvertible {
    public let factors: [String]

    public var description: String { factors.joined(separator: "*") }

    /// The expression written as `g*a`: its factors, split at `*`.
    public init(_ text: String) {
        factors = text.split(separator: "*").map { String($0).trimmingWhitespace() }
    }

    /// The first factor that is neither a whole number nor one of `known`, if any.
    public func unknownFactor(known: Set<String>) -> String? {
        factors.first { Int($0) == nil && !known.contains($0) }
    }

    /// Evaluates the expression with the dimensions drawn for a trial; `nil` names an unknown dimension.
    public func evaluate(_ dimensions: [String: Int]) -> Int? {
        var product = 1
        for factor in factors {
            guard let value = Int(factor) ?? dimensions[factor] else { return nil }
            product *= value
        }
        return product
    }
}

/// Limits set in a problem definition or on the command line, each overriding the default when present.
public struct LimitOverrides: Sendable, Equatable, Codable {
    public var wallSeconds: Double?
    public var cpuSeconds: Int?
    public var memoryMegabytes: Int?
    public var outputKilobytes: Int?
    public var compileSeconds: Double?

    public init(
        wallSeconds: Double? = nil, cpuSeconds: Int? = nil, memoryMegabytes: Int? = nil, outputKilobytes: Int? = nil,
        compileSeconds: Double? = nil
    ) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryMegabytes = memoryMegabytes
        self.outputKilobytes = outputKilobytes
        self.compileSeconds = compileSeconds
    }
}

extension LimitOverrides {
    /// One limit's name in `problem.yaml` and on the command line, and the largest value it may take.
    public struct Bound: Sendable {
        public let key: String
        public let flag: String
        public let maximum: Double
        public let unit: String
    }

    /// Every limit must be positive, finite and at most its maximum; zero never means "no limit".
    public static let bounds: [Bound] = [
        Bound(key: "wall-seconds", flag: "--timeout", maximum: 3600, unit: "seconds"),
        Bound(key: "cpu-seconds", flag: "--cpu", maximum: 3600, unit: "seconds"),
        Bound(key: "memory-mb", flag: "--memory", maximum: 1_048_576, unit: "MB"),
        Bound(key: "output-kb", flag: "--output-limit", maximum: 1_048_576, unit: "KiB"),
        Bound(key: "compile-seconds", flag: "--compile-timeout", maximum: 3600, unit: "seconds"),
    ]

    /// The values set, by their `problem.yaml` key.
    public var valuesByKey: [(key: String, value: Double)] {
        let values: [(String, Double?)] = [
            ("wall-seconds", wallSeconds), ("cpu-seconds", cpuSeconds.map(Double.init)),
            ("memory-mb", memoryMegabytes.map(Double.init)),
            ("output-kb", outputKilobytes.map(Double.init)), ("compile-seconds", compileSeconds),
        ]
        return values.compactMap { key, value in value.map { (key, $0) } }
    }

    /// Why `value` is not allowed for the limit `key` (named `name` in the message), or `nil` when it is.
    public static func problem(key: String, value: Double, name: String) -> String? {
        guard let bound = bounds.first(where: { $0.key == key }) else { return nil }
        if value.isFinite, value > 0, value <= bound.maximum { return nil }
        let limit = NumberFormatting.compact(bound.maximum)
        return
            """
            \(name) must be a positive, finite number of \(bound.unit), at most \(limit) (found \
            \(NumberFormatting.compact(value))); there is no setting for \"no limit\"
            """
    }
}
