/// A kind's name as `problem.yaml` writes it (`kind: formula`) and the reports show it.
public struct KindName: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static let integer: KindName = "integer"
    public static let real: KindName = "real"
    public static let vector: KindName = "vector"
    public static let matrix: KindName = "matrix"
    public static let choice: KindName = "choice"
    public static let multipleChoice: KindName = "multiple-choice"
    public static let formula: KindName = "formula"
    public static let snippet: KindName = "snippet"
    public static let experiment: KindName = "experiment"
}

/// Everything the grader does with one kind of part, in one type: reading its `problem.yaml` keys, checking an
/// answer, how the handout and the scaffold describe it, what the student kit keeps of it, the key `grader answers`
/// prints, the entries it needs from `reference.swift`, and what `grader validate` checks.
///
/// A new kind is one file (or folder) under `Kinds/` with a type conforming to this protocol, and one line in
/// `AnswerKinds.all`. Requirements with a default below are the ones most kinds share.
protocol AnswerKind: Sendable {
    /// The names `problem.yaml` gives the kinds this type reads (`integer`, `real`, `vector`, `matrix`).
    static var names: [KindName] { get }
    /// The part keys this type reads, besides those every part has (`AnswerKinds.commonKeys`).
    static var keys: Set<String> { get }
    /// Whether parts of this type are functions in the problem's Swift file, not answers in `answers.yaml`: those
    /// whose `snippet` is never `nil` (`PartReader` checks each part it reads).
    static var answeredInCode: Bool { get }
    /// Reads a part's kind-specific keys; errors name the file and line.
    static func decode(_ definition: inout PartDefinition) throws -> Self

    /// This part's kind name.
    var name: KindName { get }
    /// The function a student writes for this part, for a kind answered in code; `nil` for one in `answers.yaml`.
    var snippet: SnippetSpec? { get }
    /// The tolerance answers are compared with, if the kind has one.
    var tolerance: Tolerance? { get }

    /// Reads what a known mistake of this kind matches (the keys besides `feedback`).
    func readMistake(_ fields: inout YAMLFields, partID: String) throws -> KnownMistake.Match
    /// How an answer is written, with an example that is never an answer key, for messages and `grader list`.
    func form(of part: Part, key: AnswerKey?) -> String
    /// An example answer as `answers.yaml` writes it, shown by the handout, `grader list` and the scaffold; `nil`
    /// when the form shows none (options are listed instead).
    func example(of part: Part) -> YAMLTree?
    /// The handout's lines after the prompt: where to answer and how the answer is judged.
    func handout(of part: Part, in problem: Problem) -> [String]
    /// Grades an answer from `answers.yaml` (`nil` when the student gave none).
    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade
    /// The part's definition as the student kit holds it: no answer key unless the part is a practice part.
    func studentDefinition(_ node: YAMLTree, of part: Part, key: AnswerKey?) -> YAMLTree
    /// The expected answer as `answers.yaml` writes it, for `grader answers`; `nil` when this folder has no key.
    func answerKeyText(of part: Part, key: AnswerKey?) -> String?
    /// The known mistakes as `answers.yaml` would write them, with their feedback, for `grader answers`' comments.
    func knownMistakeTexts(of part: Part, key: AnswerKey?) -> [(answer: String, feedback: String)]
    /// The Swift expressions of `reference.swift` the part's key and known mistakes need, with their entry names.
    func referenceExpressions(of part: Part) -> [(entry: String, expression: String, type: SwiftType)]
    /// The entries the compiled reference needs for this part; `reference` is the text of `reference.swift`, and
    /// `bindings` the problem's parameters, which expressions may use.
    func referenceEntries(of part: Part, bindings: [FunctionSignature.Parameter], reference: String) throws
        -> [HarnessEntry]
    /// The answer key of each variant; `evaluate` runs one entry of `reference.swift` for all variants at once.
    func answerKeys(
        of part: Part, variants: [ParameterValues],
        evaluate: (_ entry: String, _ type: SwiftType) throws -> [SnippetValue]
    ) throws -> [AnswerKey]
    /// The key a student kit holds: the written-out key of a practice part, else none.
    func kitKey(of part: Part) -> AnswerKey
    /// What `grader validate` finds wrong with the part, given its reference results.
    func validate(_ part: Part, in context: KindValidation) -> [Diagnostic]
}

extension AnswerKind {
    static var answeredInCode: Bool { false }
    var snippet: SnippetSpec? { nil }
    var tolerance: Tolerance? { nil }
    /// Whether the part is a function (`snippet` is set), asked of the type: reading `snippet` copied the whole
    /// spec out, several times per part of every student in a batch.
    var isSnippet: Bool { Self.answeredInCode }
    func example(of part: Part) -> YAMLTree? { nil }
    func referenceExpressions(of part: Part) -> [(entry: String, expression: String, type: SwiftType)] { [] }

    func answerKeys(
        of part: Part, variants: [ParameterValues],
        evaluate: (_ entry: String, _ type: SwiftType) throws -> [SnippetValue]
    ) throws -> [AnswerKey] {
        variants.map { _ in AnswerKey(expected: nil) }
    }

    func kitKey(of part: Part) -> AnswerKey { AnswerKey(expected: nil) }

    /// The key's mistake values (numeric kinds compute them per variant).
    func knownMistakeTexts(of part: Part, key: AnswerKey?) -> [(answer: String, feedback: String)] {
        (key?.mistakes ?? []).map { (AnswerSheet.literal($0.value), $0.feedback) }
    }

    func referenceEntries(of part: Part, bindings: [FunctionSignature.Parameter], reference: String) throws
        -> [HarnessEntry]
    {
        referenceExpressions(of: part).map {
            .expression($0.expression, type: $0.type, name: $0.entry, bindings: bindings)
        }
    }

    /// The handout's lines for a part answered in `answers.yaml`.
    func answerHandout(of part: Part, in problem: Problem, judged: [String] = []) -> [String] {
        ["Answer in `answers.yaml` under `\(problem.id):` as \(form(of: part, key: nil))."] + judged
    }

    /// A grade for an answer that is missing, with the form it should take.
    func missing(problem: String, part: Part, key: AnswerKey? = nil) -> PartGrade {
        PartGrade(
            problem: problem, part: part, status: .missing, score: 0, message: "no answer given",
            details: ["Add `\(part.id)` under `\(problem):` in answers.yaml: \(form(of: part, key: key))."])
    }
}

/// The kinds the grader knows, in the order `problem.yaml`'s error messages list them: the only list of kinds.
enum AnswerKinds {
    static let all: [any AnswerKind.Type] = [
        NumericKind.self, ChoiceKind.self, FormulaKind.self, SnippetKind.self, ExperimentKind.self,
    ]

    /// The keys every part has, whatever its kind.
    static let commonKeys: Set<String> = [
        "id", "kind", "points", "prompt", "hint", "mistakes", "immediate-feedback", "rtol", "atol",
        "significant-figures",
    ]

    /// Every key some part may have: a key outside it is a typo, reported before what its absence causes.
    static let allKeys: Set<String> = all.reduce(commonKeys) { $0.union($1.keys) }

    /// The type that reads parts of kind `name`, if any.
    static func type(named name: KindName) -> (any AnswerKind.Type)? {
        all.first { $0.names.contains(name) }
    }

    /// Every kind name, for messages.
    static var names: [KindName] { all.flatMap { $0.names } }
}

/// A part definition being read: its YAML fields and what the loader already read of the part.
struct PartDefinition {
    var fields: YAMLFields
    let id: String
    let problemID: String
    /// The kind name the part gives.
    let kind: KindName
    /// `rtol`, `atol` or `significant-figures`, when the part gives one.
    let tolerance: Tolerance?
    /// A part of a student kit whose key the kit leaves out: its form is checked now, its value at final grading.
    let withheld: Bool
    /// The part's line in `problem.yaml`.
    let line: Int
    /// Whose folder the part is read from: a student kit holds no reference code and no function names of it.
    var role: ProblemSet.Role = .instructor

    /// An error at the part's key `key` (or the part), naming the part.
    func error(_ message: String, at key: String? = nil) -> YAMLReadError {
        fields.error("part `\(id)`: \(message)", line: key.map { fields.line(of: $0) })
    }
}

/// What a kind's validation may look at: the session, the problem and its reference results.
struct KindValidation {
    let session: GradingSession
    let problem: Problem
    let reference: ReferenceResults

    /// Whether the folder grades finally (answer keys, hidden trials), not a student kit's public checks.
    var gradesFinally: Bool { session.problems.role.gradesFinally }

    func error(_ line: Int, _ message: String) -> Diagnostic {
        Diagnostic(.error, file: problem.definitionPath, line: line, message)
    }

    func warning(_ line: Int, _ message: String) -> Diagnostic {
        Diagnostic(.warning, file: problem.definitionPath, line: line, message)
    }
}
