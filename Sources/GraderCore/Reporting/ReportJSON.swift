import Foundation

/// A report type that writes its own JSON members, without `Codable`'s containers.
///
/// `results.json` is the largest file of every student's reports, and `encode(to:)` through the one-pass writer
/// (`JSONTextStreaming`) was a seventh of the grader's CPU time on an answers-only class: a generic call, a dynamic
/// cast and a container box per field. Each type here writes its members in the byte order of its `CodingKeys`, and
/// leaves out a `nil` optional as the synthesized `encode(to:)` does; the output is `JSONText.encode`'s byte for
/// byte, which the tests check against Foundation's encoder on reports with every field set. The keys are the
/// types' own `CodingKeys`, so a key renamed there is renamed here.
protocol JSONMembers {
    /// Writes the members whose values are present, in the byte order of their keys.
    func writeMembers(_ json: inout JSONText.MemberWriter) throws
}

extension JSONText {
    /// `value` as JSON text, as `encode(_:pretty:nonFinite:)` writes it, through its `writeMembers`.
    static func members<Value: JSONMembers>(_ value: Value, pretty: Bool, nonFinite: NonFiniteNames? = nil) throws
        -> [UInt8]
    {
        var output: [UInt8] = []
        output.reserveCapacity(16_384)
        var json = MemberWriter(
            writer: Writer(pretty: pretty, output: output), options: Options(nonFinite: nonFinite, unusual: Unusual()))
        try json.object(value)
        return json.writer.output
    }

    /// Writes members and elements as they come, with the tree writer's separators, indentation and brackets.
    struct MemberWriter {
        var writer: Writer
        let options: Options
        /// The depth of the value written next: 0 for the top-level value, one more inside each container.
        var depth = 0
        /// Members or elements written so far in the innermost open container.
        var count = 0

        /// Opens a container with `bracket`, lets `body` write its members or elements, and closes it.
        mutating func open(_ bracket: UInt8, _ body: (inout MemberWriter) throws -> Void) rethrows {
            writer.output.append(bracket)
            let outer = count
            count = 0
            depth += 1
            try body(&self)
            depth -= 1
            writer.close(
                bracket == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"), count: count, depth: depth)
            count = outer
        }

        /// Before a member or an element: a separator, or before the first, the line the container opens.
        mutating func next() {
            writer.beforeItem(count, depth: depth - 1)
            count += 1
        }

        /// A member's key and colon.
        mutating func key<Key: CodingKey>(_ key: Key) {
            self.key(key.stringValue)
        }

        /// A member's key and colon, for a key that is no `CodingKey` of a type (a dictionary's, an enum case's).
        mutating func key(_ name: String) {
            next()
            writer.writeKey(name)
        }

        mutating func object<Value: JSONMembers>(_ value: Value) throws {
            try open(UInt8(ascii: "{")) { try value.writeMembers(&$0) }
        }

        mutating func number(_ value: Double) throws {
            writer.write(try JSONText.node(value, options: options), depth: depth)
        }

        mutating func literal(_ text: String) {
            var text = text
            text.withUTF8 { writer.output.append(contentsOf: $0) }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: String) {
            key(name)
            writer.writeString(value)
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: String?) {
            if let value { member(name, value) }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: Int) {
            key(name)
            literal(String(value))
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: Int?) {
            if let value { member(name, value) }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: Bool) {
            key(name)
            literal(value ? "true" : "false")
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: Double) throws {
            key(name)
            try number(value)
        }

        /// A string-valued enum or wrapper, written as its raw value.
        mutating func member<Key: CodingKey, Raw: RawRepresentable>(_ name: Key, _ value: Raw)
        where Raw.RawValue == String {
            member(name, value.rawValue)
        }

        mutating func member<Key: CodingKey, Value: JSONMembers>(_ name: Key, _ value: Value) throws {
            key(name)
            try object(value)
        }

        mutating func member<Key: CodingKey, Value: JSONMembers>(_ name: Key, _ value: Value?) throws {
            if let value { try member(name, value) }
        }

        mutating func member<Key: CodingKey, Value: JSONMembers>(_ name: Key, _ values: [Value]) throws {
            key(name)
            try objects(values)
        }

        /// An array whose elements write their own members.
        mutating func objects<Value: JSONMembers>(_ values: [Value]) throws {
            try open(UInt8(ascii: "[")) { json in
                for value in values {
                    json.next()
                    try json.object(value)
                }
            }
        }

        /// A dictionary, its keys in the byte order of their UTF-8 as the tree writer sorts them.
        mutating func member<Key: CodingKey, Value: JSONMembers>(_ name: Key, _ values: [String: Value]) throws {
            key(name)
            try open(UInt8(ascii: "{")) { json in
                for (key, value) in values.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                    json.key(key)
                    try json.object(value)
                }
            }
        }

        /// An array of scalars, each written by `write`.
        mutating func elements<Element>(_ values: [Element], _ write: (inout MemberWriter, Element) -> Void) {
            open(UInt8(ascii: "[")) { json in
                for value in values {
                    json.next()
                    write(&json, value)
                }
            }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ values: [String]) {
            key(name)
            elements(values) { $0.writer.writeString($1) }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ value: Double?) throws {
            if let value { try member(name, value) }
        }

        mutating func member<Key: CodingKey, Value: JSONMembers>(_ name: Key, _ values: [Value]?) throws {
            if let values { try member(name, values) }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ values: [Int]) {
            key(name)
            elements(values) { $0.literal(String($1)) }
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ values: [Double]) throws {
            key(name)
            try numbers(values)
        }

        mutating func member<Key: CodingKey>(_ name: Key, _ values: [[Double]]) throws {
            key(name)
            try open(UInt8(ascii: "[")) { json in
                for row in values {
                    json.next()
                    try json.numbers(row)
                }
            }
        }

        mutating func numbers(_ values: [Double]) throws {
            try open(UInt8(ascii: "[")) { json in
                for value in values {
                    json.next()
                    try json.number(value)
                }
            }
        }
    }
}

extension GradeReport: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.assignment, assignment)
        json.member(CodingKeys.checks, checks)
        json.member(CodingKeys.declaredStudent, declaredStudent)
        json.member(CodingKeys.graderVersion, graderVersion)
        try json.member(CodingKeys.keptHigher, keptHigher)
        try json.member(CodingKeys.late, late)
        try json.member(CodingKeys.limits, limits)
        try json.member(CodingKeys.maxScore, maxScore)
        try json.member(CodingKeys.problems, problems)
        try json.member(CodingKeys.sandbox, sandbox)
        json.member(CodingKeys.schemaVersion, schemaVersion)
        try json.member(CodingKeys.score, score)
        json.member(CodingKeys.student, student)
        json.member(CodingKeys.submission, submission)
        try json.member(CodingKeys.warnings, warnings)
    }
}

extension ProblemGrade: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.id, id)
        try json.member(CodingKeys.inputs, inputs)
        try json.member(CodingKeys.limits, limits)
        try json.member(CodingKeys.maxScore, maxScore)
        try json.member(CodingKeys.parts, parts)
        try json.member(CodingKeys.score, score)
        json.member(CodingKeys.title, title)
    }
}

extension PartGrade: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.details, details)
        json.member(CodingKeys.file, file)
        json.member(CodingKeys.finalOnly, finalOnly)
        try json.member(CodingKeys.flag, flag)
        json.member(CodingKeys.id, id)
        json.member(CodingKeys.kind, kind)
        json.member(CodingKeys.line, line)
        try json.member(CodingKeys.maxScore, maxScore)
        json.member(CodingKeys.message, message)
        json.member(CodingKeys.mistake, mistake)
        json.member(CodingKeys.mistakeFormula, mistakeFormula)
        json.member(CodingKeys.outcome, outcome)
        json.member(CodingKeys.output, output)
        try json.member(CodingKeys.plot, plot)
        json.member(CodingKeys.problem, problem)
        try json.member(CodingKeys.score, score)
        json.member(CodingKeys.status, status)
        try json.member(CodingKeys.trials, trials)
    }
}

extension PartGrade.TrialTally: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.hiddenPassed, hiddenPassed)
        json.member(CodingKeys.hiddenTotal, hiddenTotal)
        json.member(CodingKeys.publicPassed, publicPassed)
        json.member(CodingKeys.publicTotal, publicTotal)
    }
}

extension PartGrade.Flag: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.detail, detail)
        json.member(CodingKeys.reason, reason)
    }
}

extension Diagnostic: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.file, file)
        json.member(CodingKeys.line, line)
        json.member(CodingKeys.message, message)
        json.member(CodingKeys.severity, severity)
    }
}

extension SandboxLimits: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.compileSeconds, compileSeconds)
        json.member(CodingKeys.cpuSeconds, cpuSeconds)
        json.member(CodingKeys.fileKilobytes, fileKilobytes)
        json.member(CodingKeys.memoryMegabytes, memoryMegabytes)
        json.member(CodingKeys.openFiles, openFiles)
        json.member(CodingKeys.outputKilobytes, outputKilobytes)
        json.member(CodingKeys.processes, processes)
        try json.member(CodingKeys.wallSeconds, wallSeconds)
    }
}

extension SandboxStatus: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.mode, mode)
        json.member(CodingKeys.note, note)
    }
}

extension GradeInputs: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.grader, grader)
        json.member(CodingKeys.problem, problem)
        json.member(CodingKeys.submission, submission)
    }
}

extension KeptGrade: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.regraded, regraded)
        try json.member(CodingKeys.total, total)
    }
}

extension LateAdjustment: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.daysLate, daysLate)
        json.member(CodingKeys.due, due)
        json.member(CodingKeys.dueSource, dueSource)
        json.member(CodingKeys.explanation, explanation)
        json.member(CodingKeys.lateDaysUsed, lateDaysUsed)
        json.member(CodingKeys.minutesLate, minutesLate)
        try json.member(CodingKeys.penalty, penalty)
        try json.member(CodingKeys.raw, raw)
        json.member(CodingKeys.rejected, rejected)
        json.member(CodingKeys.submittedAt, submittedAt)
        json.member(CodingKeys.submittedSource, submittedSource)
        try json.member(CodingKeys.total, total)
    }
}

extension CurvePlot: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.logY, logY)
        try json.member(CodingKeys.reference, reference)
        try json.member(CodingKeys.student, student)
        try json.member(CodingKeys.x, x)
        json.member(CodingKeys.xLabel, xLabel)
        json.member(CodingKeys.yLabel, yLabel)
    }
}

extension SnippetValue: JSONMembers {
    /// As the synthesized `Codable` writes a case with one unnamed value: its name, then `_0` (`{"int":{"_0":4}}`).
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        /// The case's name and its value, which `body` writes.
        func payload(_ name: String, _ body: (inout JSONText.MemberWriter) throws -> Void) rethrows {
            json.key(name)
            try json.open(UInt8(ascii: "{")) { json in
                json.key("_0")
                try body(&json)
            }
        }
        switch self {
        case .int(let value): payload("int") { $0.literal(String(value)) }
        case .double(let value): try payload("double") { try $0.number(value) }
        case .bool(let value): payload("bool") { $0.literal(value ? "true" : "false") }
        case .string(let value): payload("string") { $0.writer.writeString(value) }
        case .array(let values): try payload("array") { try $0.objects(values) }
        case .tuple(let values): try payload("tuple") { try $0.objects(values) }
        }
    }
}

extension ReferenceResults.Stored.Key: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.expected, expected)
        json.member(CodingKeys.mistakeFeedback, mistakeFeedback)
        try json.member(CodingKeys.mistakeValues, mistakeValues)
    }
}

extension GradingSession.StoredVariant: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.keys, keys)
        json.member(CodingKeys.variant, variant)
    }
}

// `summary.json`: its similar pairs are most of it (a class of copies lists thousands, each with its regions), and
// writing them through `Encodable` was the last, single-threaded step of a warm rerun.
extension ClassSummary: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.assignment, assignment)
        try json.member(CodingKeys.changes, changes)
        json.member(CodingKeys.compileErrors, compileErrors)
        try json.member(CodingKeys.flags, flags)
        json.member(CodingKeys.fullMarks, fullMarks)
        json.member(CodingKeys.generated, generated)
        try json.member(CodingKeys.highest, highest)
        try json.member(CodingKeys.histogram, histogram)
        try json.member(CodingKeys.late, late)
        try json.member(CodingKeys.lowest, lowest)
        try json.member(CodingKeys.maxScore, maxScore)
        try json.member(CodingKeys.mean, mean)
        try json.member(CodingKeys.median, median)
        try json.member(CodingKeys.parts, parts)
        json.member(CodingKeys.schemaVersion, schemaVersion)
        try json.member(CodingKeys.similarity, similarity)
        try json.member(CodingKeys.similarityThreshold, similarityThreshold)
        try json.member(CodingKeys.standardDeviation, standardDeviation)
        json.member(CodingKeys.students, students)
        json.member(CodingKeys.timedOut, timedOut)
        json.member(CodingKeys.unsandboxed, unsandboxed)
    }
}

extension ClassSummary.PartSummary: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.maxScore, maxScore)
        try json.member(CodingKeys.meanScore, meanScore)
        try json.member(CodingKeys.mistakes, mistakes)
        json.member(CodingKeys.part, part)
        try json.member(CodingKeys.passRate, passRate)
        json.member(CodingKeys.problem, problem)
    }
}

extension ClassSummary.MistakeCount: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.feedback, feedback)
        json.member(CodingKeys.formula, formula)
        json.member(CodingKeys.students, students)
    }
}

extension ClassSummary.Flag: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.detail, detail)
        json.member(CodingKeys.hiddenTrials, hiddenTrials)
        json.member(CodingKeys.part, part)
        json.member(CodingKeys.publicTrials, publicTrials)
        json.member(CodingKeys.reason, reason)
        json.member(CodingKeys.student, student)
    }
}

extension ClassSummary.Bin: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.from, from)
        json.member(CodingKeys.students, students)
        try json.member(CodingKeys.to, to)
    }
}

extension ClassSummary.LateStudent: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.daysLate, daysLate)
        json.member(CodingKeys.explanation, explanation)
        json.member(CodingKeys.lateDaysUsed, lateDaysUsed)
        try json.member(CodingKeys.penalty, penalty)
        json.member(CodingKeys.rejected, rejected)
        json.member(CodingKeys.student, student)
        json.member(CodingKeys.submittedAt, submittedAt)
    }
}

extension RegradeChange: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.newScore, newScore)
        try json.member(CodingKeys.oldScore, oldScore)
        json.member(CodingKeys.part, part)
        json.member(CodingKeys.problem, problem)
        json.member(CodingKeys.student, student)
        json.member(CodingKeys.why, why)
    }
}

extension SimilarityMatch: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member(CodingKeys.lines, lines)
        json.member(CodingKeys.problem, problem)
        try json.member(CodingKeys.score, score)
        json.member(CodingKeys.students, students)
    }
}

extension MatchedRegion: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member(CodingKeys.a, a)
        json.member(CodingKeys.b, b)
    }
}
