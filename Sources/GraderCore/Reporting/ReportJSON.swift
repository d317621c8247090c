import Foundation

/// A report type that writes its own JSON members, without `Codable`'s containers.
///
/// `results.json` is the largest file of every student's reports, and `encode(to:)` through the one-pass writer
/// (`JSONTextStreaming`) was a seventh of the grader's CPU time on an answers-only class: a generic call, a dynamic
/// cast and a container box per field. Each type here writes its members in the byte order of its `CodingKeys`, and
/// leaves out a `nil` optional as the synthesized `encode(to:)` does; the output is `JSONText.encode`'s byte for
/// byte, which the tests check against Foundation's encoder on reports with every field set.
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
            // What the tree writer's `open` writes inside an empty container, then its `close`.
            if count == 0 && writer.pretty { writer.output.append(contentsOf: [0x0A, 0x0A]) }
            writer.close(
                bracket == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"), empty: count == 0, depth: depth)
            count = outer
        }

        /// Before a member or an element: a separator, or before the first, the line the container opens.
        mutating func next() {
            if count > 0 {
                writer.separate(depth: depth)
            } else if writer.pretty {
                writer.output.append(0x0A)
                writer.indent(depth)
            }
            count += 1
        }

        /// A member's key and colon.
        mutating func key(_ key: String) {
            next()
            writer.writeString(key)
            if writer.pretty {
                writer.output.append(contentsOf: [0x20, UInt8(ascii: ":"), 0x20])
            } else {
                writer.output.append(UInt8(ascii: ":"))
            }
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

        mutating func member(_ name: String, _ value: String) {
            key(name)
            writer.writeString(value)
        }

        mutating func member(_ name: String, _ value: String?) {
            if let value { member(name, value) }
        }

        mutating func member(_ name: String, _ value: Int) {
            key(name)
            literal(String(value))
        }

        mutating func member(_ name: String, _ value: Int?) {
            if let value { member(name, value) }
        }

        mutating func member(_ name: String, _ value: Bool) {
            key(name)
            literal(value ? "true" : "false")
        }

        mutating func member(_ name: String, _ value: Double) throws {
            key(name)
            try number(value)
        }

        /// A string-valued enum or wrapper, written as its raw value.
        mutating func member<Raw: RawRepresentable>(_ name: String, _ value: Raw) where Raw.RawValue == String {
            member(name, value.rawValue)
        }

        mutating func member<Value: JSONMembers>(_ name: String, _ value: Value) throws {
            key(name)
            try object(value)
        }

        mutating func member<Value: JSONMembers>(_ name: String, _ value: Value?) throws {
            if let value { try member(name, value) }
        }

        mutating func member<Value: JSONMembers>(_ name: String, _ values: [Value]) throws {
            key(name)
            try open(UInt8(ascii: "[")) { json in
                for value in values {
                    json.next()
                    try json.object(value)
                }
            }
        }

        mutating func member(_ name: String, _ values: [String]) {
            key(name)
            open(UInt8(ascii: "[")) { json in
                for value in values {
                    json.next()
                    json.writer.writeString(value)
                }
            }
        }

        mutating func member(_ name: String, _ values: [Double]) throws {
            key(name)
            try numbers(values)
        }

        mutating func member(_ name: String, _ values: [[Double]]) throws {
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
        json.member("assignment", assignment)
        json.member("checks", checks)
        json.member("declaredStudent", declaredStudent)
        json.member("graderVersion", graderVersion)
        try json.member("keptHigher", keptHigher)
        try json.member("late", late)
        try json.member("limits", limits)
        try json.member("maxScore", maxScore)
        try json.member("problems", problems)
        try json.member("sandbox", sandbox)
        json.member("schemaVersion", schemaVersion)
        try json.member("score", score)
        json.member("student", student)
        json.member("submission", submission)
        try json.member("warnings", warnings)
    }
}

extension ProblemGrade: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("id", id)
        try json.member("inputs", inputs)
        try json.member("limits", limits)
        try json.member("maxScore", maxScore)
        try json.member("parts", parts)
        try json.member("score", score)
        json.member("title", title)
    }
}

extension PartGrade: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("details", details)
        json.member("file", file)
        json.member("finalOnly", finalOnly)
        try json.member("flag", flag)
        json.member("id", id)
        json.member("kind", kind)
        json.member("line", line)
        try json.member("maxScore", maxScore)
        json.member("message", message)
        json.member("mistake", mistake)
        json.member("mistakeFormula", mistakeFormula)
        json.member("outcome", outcome)
        json.member("output", output)
        try json.member("plot", plot)
        json.member("problem", problem)
        try json.member("score", score)
        json.member("status", status)
        try json.member("trials", trials)
    }
}

extension PartGrade.TrialTally: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("hiddenPassed", hiddenPassed)
        json.member("hiddenTotal", hiddenTotal)
        json.member("publicPassed", publicPassed)
        json.member("publicTotal", publicTotal)
    }
}

extension PartGrade.Flag: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("detail", detail)
        json.member("reason", reason)
    }
}

extension Diagnostic: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("file", file)
        json.member("line", line)
        json.member("message", message)
        json.member("severity", severity)
    }
}

extension SandboxLimits: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member("compileSeconds", compileSeconds)
        json.member("cpuSeconds", cpuSeconds)
        json.member("fileKilobytes", fileKilobytes)
        json.member("memoryMegabytes", memoryMegabytes)
        json.member("openFiles", openFiles)
        json.member("outputKilobytes", outputKilobytes)
        json.member("processes", processes)
        try json.member("wallSeconds", wallSeconds)
    }
}

extension SandboxStatus: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("mode", mode)
        json.member("note", note)
    }
}

extension GradeInputs: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("grader", grader)
        json.member("problem", problem)
        json.member("submission", submission)
    }
}

extension KeptGrade: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        try json.member("regraded", regraded)
        try json.member("total", total)
    }
}

extension LateAdjustment: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("daysLate", daysLate)
        json.member("due", due)
        json.member("dueSource", dueSource)
        json.member("explanation", explanation)
        json.member("lateDaysUsed", lateDaysUsed)
        json.member("minutesLate", minutesLate)
        try json.member("penalty", penalty)
        try json.member("raw", raw)
        json.member("rejected", rejected)
        json.member("submittedAt", submittedAt)
        json.member("submittedSource", submittedSource)
        try json.member("total", total)
    }
}

extension CurvePlot: JSONMembers {
    func writeMembers(_ json: inout JSONText.MemberWriter) throws {
        json.member("logY", logY)
        try json.member("reference", reference)
        try json.member("student", student)
        try json.member("x", x)
        json.member("xLabel", xLabel)
        json.member("yLabel", yLabel)
    }
}
