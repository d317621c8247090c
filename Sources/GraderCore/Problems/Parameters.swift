import Foundation

/// A named value of a problem that differs from student to student (`parameters:` in `problem.yaml`): drawn from
/// a generator, or computed from the parameters before it.
public struct ProblemParameter: Sendable {
    public let name: String
    /// The Swift type the reference's answer expressions see: `Int`, `Double`, `[Int]`, `[Double]`, `[[Double]]`...
    public let type: SwiftType
    public let source: Source
    /// Sizes of the array levels (`[2]` a vector, `[2, 2]` a matrix); empty for a number or a whole-value choice.
    public let shape: [Int]
    /// Whether a drawn entry may never be 0.
    public let nonzero: Bool
    /// The handout's own value: the variant of the student id `reference`, and of a grading with no student id.
    public let defaultValue: SnippetValue?
    /// The line of `problem.yaml` that declares it.
    public var line: Int = 0

    /// Where a parameter's value comes from.
    public enum Source: Sendable {
        /// One of these values; with a `shape`, each entry is one of them.
        case choices([SnippetValue])
        /// A whole number in the range (each entry, with a `shape`).
        case integers(ClosedRange<Int>)
        /// A multiple of `step` in the range (each entry, with a `shape`).
        case reals(ClosedRange<Double>, step: Double)
        /// A math expression over the parameters declared before it; `integer` when it must be a whole number.
        case derived(MathExpression, integer: Bool)
    }

    /// Draws a value from the generator; derived parameters are computed by `ParameterSpace.draw`.
    func draw(_ random: inout SeededGenerator) -> SnippetValue {
        func entry() -> SnippetValue {
            var attempts = 0
            while true {
                let value: SnippetValue
                switch source {
                case .choices(let options): value = options[random.int(in: 0...(options.count - 1))]
                case .integers(let range): value = .int(random.int(in: range))
                case .reals(let range, let step):
                    let steps = Int(((range.upperBound - range.lowerBound) / step).rounded(.down))
                    value = .double(range.lowerBound + Double(random.int(in: 0...steps)) * step)
                case .derived: return .int(0)
                }
                // Bounded: the loader makes sure a non-zero value exists, and a draw never hangs on a mistake.
                attempts += 1
                if !nonzero || value.number != 0 || attempts > 10_000 { return value }
            }
        }
        func filled(_ sizes: ArraySlice<Int>) -> SnippetValue {
            guard let size = sizes.first else { return entry() }
            return .array((0..<size).map { _ in filled(sizes.dropFirst()) })
        }
        return filled(shape[...])
    }
}

/// A condition every variant must meet (`constraints:` in `problem.yaml`), such as `min(A2*(A1*x + b1) + b2) < 0`.
public struct ParameterConstraint: Sendable {
    public let text: String
    public let expression: MathExpression
    public var line: Int = 0
}

/// A problem's parameters and constraints: how each student's variant of the numbers is drawn.
public struct ParameterSpace: Sendable {
    public var parameters: [ProblemParameter] = []
    public var constraints: [ParameterConstraint] = []
    /// Draws tried before a student's variant is given up on (rejection sampling): `grader validate` warns well
    /// before a constraint is this rarely met.
    public static let maxDraws = 1000

    public init(parameters: [ProblemParameter] = [], constraints: [ParameterConstraint] = []) {
        self.parameters = parameters
        self.constraints = constraints
    }

    public var isEmpty: Bool { parameters.isEmpty }

    /// Whether the Swift expression `text` names one of the parameters.
    func isUsed(in text: String) -> Bool {
        let words = text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        return parameters.contains { words.contains($0.name) }
    }

    /// The handout's own values, with derived parameters computed from them.
    public func defaults() throws(MathExpressionError) -> ParameterValues {
        var values = ParameterValues(isDefault: true)
        for parameter in parameters {
            if case .derived = parameter.source {
                values.append(parameter.name, try derive(parameter, from: values))
            } else if let value = parameter.defaultValue {
                values.append(parameter.name, value)
            }
        }
        return values
    }

    /// The value of a derived parameter given the ones before it; a whole number when it must be one.
    func derive(_ parameter: ProblemParameter, from values: ParameterValues) throws(MathExpressionError) -> SnippetValue
    {
        guard case .derived(let expression, let integer) = parameter.source else { return .int(0) }
        let result = try MathEvaluator(variables: values.mathVariables).evaluate(expression)
        guard case .scalar(let number) = result else {
            throw MathExpressionError(
                message: "`\(parameter.name)` must be a number, found \(result.shapeDescription)", column: nil)
        }
        if integer {
            guard number == number.rounded(), abs(number) < 1e15 else {
                throw MathExpressionError(
                    message: "`\(parameter.name)` must be a whole number, found \(NumberFormatting.compact(number))",
                    column: nil)
            }
            return .int(Int(number))
        }
        return .double(number)
    }

    /// Whether `constraint` holds for `values`; one that cannot be evaluated does not.
    func holds(_ constraint: ParameterConstraint, _ evaluator: MathEvaluator) -> Bool {
        guard case .scalar(let value)? = try? evaluator.evaluate(constraint.expression) else { return false }
        return value != 0 && !value.isNaN
    }

    /// The first constraint `values` break, or `nil` when they meet every one.
    public func brokenConstraint(_ values: ParameterValues) -> ParameterConstraint? {
        let evaluator = MathEvaluator(variables: values.mathVariables)
        return constraints.first { !holds($0, evaluator) }
    }

    /// One draw of every parameter from `random`, constraints not checked; `nil` when a derived value cannot be
    /// computed.
    func drawValues(_ random: inout SeededGenerator) -> ParameterValues? {
        var values = ParameterValues(isDefault: false)
        for parameter in parameters {
            if case .derived = parameter.source {
                guard let value = try? derive(parameter, from: values) else { return nil }
                values.append(parameter.name, value)
            } else {
                values.append(parameter.name, parameter.draw(&random))
            }
        }
        return values
    }

    /// One draw of every parameter from `random`; `nil` when a derived value cannot be computed or a constraint fails.
    public func drawOnce(_ random: inout SeededGenerator) -> ParameterValues? {
        guard let values = drawValues(&random) else { return nil }
        return brokenConstraint(values) == nil ? values : nil
    }

    /// The variant drawn for a variant key: each try from its own SHA-256 of the key, the first that meets every
    /// constraint; `nil` when none of `maxDraws` tries does.
    public func draw(problem: String, key: String) -> ParameterValues? {
        for attempt in 0..<Self.maxDraws {
            var hasher = SHA256Hasher()
            hasher.update(field: key)
            hasher.update(field: "parameters/\(problem)/\(attempt)")
            var random = SeededGenerator(seed: hasher.leadingUInt64())
            if let values = drawOnce(&random) { return values }
        }
        return nil
    }
}

/// One student's values of a problem's parameters, in the order `problem.yaml` declares them.
public struct ParameterValues: Sendable, Hashable, CustomStringConvertible {
    public private(set) var names: [String] = []
    public private(set) var values: [SnippetValue] = []
    /// Whether these are the handout's own values (the id `reference`, or no id).
    public var isDefault: Bool
    /// `digest`, once computed: shared by copies of these values, replaced whenever a value is added.
    private var digestMemo = DigestMemo()

    /// No parameters: the values of a problem that does not vary.
    public static let none = ParameterValues(isDefault: true)

    public init(isDefault: Bool) { self.isDefault = isDefault }

    mutating func append(_ name: String, _ value: SnippetValue) {
        names.append(name)
        values.append(value)
        digestMemo = DigestMemo()
    }

    /// The digest of one set of values, computed at most once (a class grading 10,000 students asks for each
    /// student's several times: keys, cache keys, the variant store).
    private final class DigestMemo: Sendable {
        let value = Locked<String?>(nil)
    }

    /// The value of `name`, if it is one of these parameters.
    public subscript(name: String) -> SnippetValue? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// The values for math expressions (constraints and derived parameters).
    var mathVariables: [String: MathValue] {
        var variables: [String: MathValue] = [:]
        for (name, value) in zip(names, values) { variables[name] = MathValue(value) }
        return variables
    }

    /// A stable digest of the values, for cache keys.
    public var digest: String {
        digestMemo.value.withLock { memo in
            if let memo { return memo }
            var hasher = SHA256Hasher()
            hasher.update(field: names.joined(separator: ","))
            hasher.update(field: WireFormat.line(values))
            let digest = hasher.hexDigest()
            memo = digest
            return digest
        }
    }

    /// `name = value` pairs, as the answer key and reports print them.
    public var description: String {
        zip(names, values).map { "\($0) = \($1.swiftLiteral)" }.joined(separator: ", ")
    }

    /// `text` with every `{{name}}` replaced by the parameter's value, written as in Swift (`[1, -1]`, `0.5`).
    ///
    /// One pass over the text's bytes (a batch fills every text of every problem for each student): a `{{` starts a
    /// placeholder when the bytes up to the next `}}` are a parameter's name; anything else is copied as it is.
    public func fill(_ text: String) -> String {
        guard !names.isEmpty else { return text }
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        return text.utf8.withContiguousStorageIfAvailable { bytes -> String in
            var result: [UInt8] = []
            var copied = 0
            var index = 0
            while index + 1 < bytes.count {
                guard bytes[index] == open, bytes[index + 1] == open else {
                    index += 1
                    continue
                }
                var end = index + 2
                while end + 1 < bytes.count, !(bytes[end] == close && bytes[end + 1] == close) { end += 1 }
                guard end + 1 < bytes.count,
                    let position = names.firstIndex(where: { $0.utf8.elementsEqual(bytes[(index + 2)..<end]) })
                else {
                    index += 1
                    continue
                }
                result.append(contentsOf: bytes[copied..<index])
                result.append(contentsOf: values[position].swiftLiteral.utf8)
                index = end + 2
                copied = index
            }
            guard copied > 0 else { return text }
            result.append(contentsOf: bytes[copied...])
            return String(decoding: result, as: UTF8.self)
        } ?? fill(contiguous(text))
    }

    /// `text` stored as contiguous UTF-8 (a string bridged from Foundation may not be).
    private func contiguous(_ text: String) -> String {
        var copy = text
        copy.makeContiguousUTF8()
        return copy
    }

    public static func == (left: ParameterValues, right: ParameterValues) -> Bool {
        left.names == right.names && left.values == right.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(WireFormat.line(values))
    }
}

/// Who gets which variant: the variant key of a student id, and the placeholders a text may use.
public enum Variants {
    /// The student id whose variant is the handout's own numbers (the bundled full-marks submission's).
    public static let referenceStudent = "reference"

    /// The variant key of `student`: a digest of the assignment's secret and the id, so that only the instructor
    /// (and the student given it) can compute the variant; without a secret, of the id alone (practice).
    public static func key(student: String, secret: String?) -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: secret ?? "grader: no secret, practice variants")
        hasher.update(field: "variant-key/\(student)")
        return String(hasher.hexDigest().prefix(32))
    }

    /// The variant key of `student`'s numbers, or `nil` for the handout's own: no student, or the bundled full-marks
    /// submission's (`referenceStudent`).
    public static func key(of student: String?, secret: String?) -> String? {
        guard let student, student != referenceStudent else { return nil }
        return key(student: student, secret: secret)
    }

    /// Whether `text` is a variant key as `key(student:secret:)` writes it.
    public static func isKey(_ text: String) -> Bool {
        text.count == 32 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Whether `text` holds `{{`, which a placeholder starts with: without it, `fill` leaves the text as it is.
    static func opensPlaceholder(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "{"), previous == byte { return true }
            previous = byte
        }
        return false
    }

    /// The `{{name}}` placeholders in `text`, in order.
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            names.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return names
    }
}

extension Problem {
    /// The variant of this problem for a student (`nil`: no id given), from the assignment's secret; the
    /// handout's own numbers for the id `reference` and for no id.
    public func variant(student: String?, secret: String?) throws -> ParameterValues {
        if parameters.isEmpty { return .none }
        return try variant(key: Variants.key(of: student, secret: secret))
    }

    /// The variant for a variant key (`nil`: the handout's own numbers).
    public func variant(key: String?) throws -> ParameterValues {
        if parameters.isEmpty { return .none }
        guard let key else {
            do { return try parameters.defaults() } catch {
                throw GraderError.referenceBroken(problem: id, detail: "its parameters' default values: \(error)")
            }
        }
        guard let values = parameters.draw(problem: id, key: key) else {
            throw GraderError.noVariant(
                problem: id,
                detail:
                    """
                    no draw of its parameters met every constraint in \(ParameterSpace.maxDraws) tries; `grader \
                    validate` shows how often each is met
                    """
            )
        }
        return values
    }

    /// The problem as a student with these values reads it: every `{{name}}` in the statement, prompts, hints and
    /// feedback replaced by its value.
    public func instantiated(_ values: ParameterValues) -> Problem {
        instantiated(values, statement: true)
    }

    /// The problem as grading reads it for these values: its parts' prompts, hints and feedback filled in, the
    /// statement left as written. Only a handout shows the statement, and a class fills every problem for each
    /// student: a statement full of matrices was half the cost of that.
    func gradedInstance(_ values: ParameterValues) -> Problem {
        instantiated(values, statement: false)
    }

    private func instantiated(_ values: ParameterValues, statement fillsStatement: Bool) -> Problem {
        guard !values.names.isEmpty else { return self }
        var copy = Problem(
            id: id, title: title, statement: fillsStatement ? values.fill(statement) : statement,
            definitionPath: definitionPath, referencePath: referencePath,
            parts: parts.map { $0.instantiated(values) }, limits: limits)
        copy.declaredPoints = declaredPoints
        copy.parameters = parameters
        return copy
    }
}

extension Part {
    /// The part with `{{name}}` placeholders in its texts filled in.
    func instantiated(_ values: ParameterValues) -> Part {
        // A part with nothing to fill, as most are, is itself: rebuilt with its mistakes for each student and
        // problem, it cost as much as filling in those that have placeholders.
        guard
            Variants.opensPlaceholder(prompt) || hint.map(Variants.opensPlaceholder) == true
                || mistakes.contains(where: { Variants.opensPlaceholder($0.feedback) })
        else { return self }
        var copy = Part(
            id: id, prompt: values.fill(prompt), points: points, kind: kind,
            mistakes: mistakes.map { KnownMistake(match: $0.match, feedback: values.fill($0.feedback), line: $0.line) },
            hint: hint.map(values.fill), line: line)
        copy.immediateFeedback = immediateFeedback
        copy.answerWithheld = answerWithheld
        return copy
    }
}

extension ProblemSet {
    /// The numbers a student's handout of `problem` shows: from the student id with the secret (instructor and
    /// autograder folders), or from the variant key the student was given (student kit); `nil` when the problem
    /// does not vary or no student is named.
    public func handoutVariant(of problem: Problem, student: String?, key: String?) throws -> Handout.Variant? {
        guard !problem.parameters.isEmpty, student != nil || key != nil else { return nil }
        if student == Variants.referenceStudent, key == nil {
            return Handout.Variant(student: student, key: nil, values: try problem.variant(key: nil), practice: false)
        }
        let resolved: String
        if role == .student {
            guard let key else {
                throw GraderError.usage(
                    """
                    the student kit holds no secret, so it cannot compute a student's numbers: give the variant \
                    key your instructor sent you (--variant-key KEY)
                    """
                )
            }
            resolved = key
        } else if let student {
            resolved = Variants.key(student: student, secret: secret)
            if let key, key != resolved {
                throw GraderError.usage("--variant-key \(key) is not the variant key of student `\(student)`")
            }
        } else {
            resolved = key!
        }
        guard Variants.isKey(resolved) else {
            throw GraderError.usage("--variant-key \(resolved): a variant key is 32 lowercase hex digits")
        }
        let practice = role != .student && secret == nil
        return Handout.Variant(
            student: student, key: practice ? nil : resolved, values: try problem.variant(key: resolved),
            practice: practice)
    }
}
