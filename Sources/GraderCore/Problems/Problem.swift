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
    public var snippetParts: [Part] { parts.filter { $0.kind.isSnippet } }
    public var answerParts: [Part] { parts.filter { !$0.kind.isSnippet } }
    /// The file a student hands in for this problem's snippets.
    public var snippetFileName: String { "\(id).swift" }
}

/// One gradable part of a problem: an answer in `answers.yaml` or a function in the problem's Swift file.
public struct Part: Sendable {
    public let id: String
    public let prompt: String
    public let points: Double
    public let kind: PartKind
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
}

/// What kind of answer a part takes, with what is needed to check it.
public enum PartKind: Sendable {
    case integer(NumericSpec)
    case real(NumericSpec)
    case vector(NumericSpec)
    case matrix(NumericSpec)
    case choice(ChoiceSpec)
    case multipleChoice(ChoiceSpec)
    /// A math expression over declared variables, checked at random points (`FormulaChecker`).
    case formula(FormulaSpec)
    case snippet(SnippetSpec)

    public var isSnippet: Bool {
        if case .snippet = self { return true }
        return false
    }

    /// The name used in `problem.yaml` and in reports.
    /// The answer kinds by their name in `problem.yaml` and the reports.
    public enum Name: String, Sendable, Codable, CaseIterable {
        case integer, real, vector, matrix, choice
        case multipleChoice = "multiple-choice"
        case formula
        case snippet
    }

    /// This kind's name.
    public var kindName: Name {
        switch self {
        case .integer: return .integer
        case .real: return .real
        case .vector: return .vector
        case .matrix: return .matrix
        case .choice: return .choice
        case .multipleChoice: return .multipleChoice
        case .formula: return .formula
        case .snippet: return .snippet
        }
    }

    /// This kind's name as `problem.yaml` writes it.
    public var name: String { kindName.rawValue }

    /// The tolerance of a numeric kind (integer, real, vector, matrix).
    public var numericTolerance: Tolerance? {
        switch self {
        case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec): return spec.tolerance
        default: return nil
        }
    }

    /// The Swift type an expression answer of this kind evaluates to.
    public var valueType: SwiftType? {
        switch self {
        case .integer: return .int
        case .real: return .double
        case .vector: return .array(.double)
        case .matrix: return .array(.array(.double))
        case .choice, .multipleChoice, .formula, .snippet: return nil
        }
    }
}

/// Where the expected value of a numeric part comes from.
public enum ExpectedValue: Sendable {
    /// Written out in `problem.yaml`.
    case literal(SnippetValue)
    /// A Swift expression evaluated with the problem's reference implementation, e.g. `outputVariance(widths: [16, 32, 8])`.
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

/// The options of a choice part and which of them are correct.
public struct ChoiceSpec: Sendable {
    public let options: [String]
    public let correct: [String]
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

/// How a snippet part is exercised: its contract, how many trials on which random inputs, and the tolerance.
public struct SnippetSpec: Sendable {
    public let signature: FunctionSignature
    public let trials: Int
    public let tolerance: Tolerance
    /// Inclusive ranges for the size variables drawn at each trial (`n: [1, 8]`).
    public let dimensions: [(name: String, range: ClosedRange<Int>)]
    /// How each parameter is drawn, keyed by the parameter's internal name; empty when `generator` is set.
    public let inputs: [String: InputSpec]
    /// A named input generator for arguments whose shapes depend on each other (see `InputGenerators`).
    public let generator: String?
    /// Seed of the trial inputs; the same seed gives the same inputs on every run.
    public let seed: UInt64
    /// Trials drawn at final grading from the assignment's secret, never shown to students (`hidden-trials`).
    public var hiddenTrials: Int = 0
    /// Inputs written out in `problem.yaml` (`stability-trials`), extreme ones such as logits of +-1000, run after
    /// the drawn public trials and public like them.
    public var stabilityTrials: [[SnippetValue]] = []
    /// A gradient judged against central differences of a function of `reference.swift` (`gradient-of`),
    /// instead of against a reference implementation of the gradient.
    public var gradientOf: GradientCheck? = nil
    /// A predicate of `reference.swift` that accepts or rejects an output (`check`), for answers that are right in
    /// more than one way; the reference implementation's output is still shown as an example.
    public var propertyCheck: String? = nil
}

/// A snippet that returns the gradient of a scalar function of `reference.swift` with respect to some arguments.
///
/// The function takes the snippet's own parameters and returns `Double`. The expected gradient is central
/// differences, entry by entry: (f(x + h e_i) - f(x - h e_i)) / 2h with h = `relativeStep` * max(1, |x_i|) (see
/// `CentralDifferences`).
public struct GradientCheck: Sendable {
    public let function: String
    /// The parameters differentiated, in the order of the snippet's returned tuple (or the one gradient returned).
    public let arguments: [String]
    public var relativeStep: Double = GradientCheck.defaultStep

    /// 1e-6: central differences then err by about h^2 |f'''| + 1e-16 |f| / h, near 1e-10 for the smooth losses of
    /// the handouts, far inside the tolerances of 1e-6 that gradient-checked parts use.
    public static let defaultStep = 1e-6

    /// Whether central differences can produce a value of `type`: a Double, or arrays of them.
    public static func isDifferentiable(_ type: SwiftType) -> Bool {
        switch type {
        case .double: return true
        case .array(let element): return isDifferentiable(element)
        default: return false
        }
    }
}

/// How one argument of a snippet is drawn at random.
public struct InputSpec: Sendable {
    /// Sizes of each array level, as dimension names or numbers (`[n, n]`).
    public let shape: [DimensionExpression]
    /// Range for reals, and for integers when `value` is not set.
    public let range: ClosedRange<Double>
    /// For integers: the value as a product of dimensions (`g*a`), when it must match other arguments.
    public let value: DimensionExpression?
    /// For booleans: the probability of `true`.
    public let probability: Double
    /// Values drawn from, with equal chances, for each scalar entry (`choices: [relu, tanh]`, `[0, 1]`); empty
    /// when the range is used.
    public var choices: [SnippetValue] = []
    /// For integers: drawn from 0 to this dimension expression minus 1 (`below: n`, a class label).
    public var below: DimensionExpression? = nil
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
            ("wall-seconds", wallSeconds), ("cpu-seconds", cpuSeconds.map(Double.init)), ("memory-mb", memoryMegabytes.map(Double.init)),
            ("output-kb", outputKilobytes.map(Double.init)), ("compile-seconds", compileSeconds),
        ]
        return values.compactMap { key, value in value.map { (key, $0) } }
    }

    /// Why `value` is not allowed for the limit `key` (named `name` in the message), or `nil` when it is.
    public static func problem(key: String, value: Double, name: String) -> String? {
        guard let bound = bounds.first(where: { $0.key == key }) else { return nil }
        if value.isFinite, value > 0, value <= bound.maximum { return nil }
        let limit = NumberFormatting.compact(bound.maximum)
        return "\(name) must be a positive, finite number of \(bound.unit), at most \(limit) (found \(NumberFormatting.compact(value))); there is no setting for \"no limit\""
    }
}
