/// One function the harness can call by name: a student's snippet, a reference, or an answer expression.
public struct HarnessEntry: Sendable, Equatable {
    /// The name the parent passes on the command line to select this entry.
    public let name: String
    public let parameters: [FunctionSignature.Parameter]
    public let returnType: SwiftType
    /// The Swift expression whose value the entry reports; `nil` calls `function` with the decoded arguments.
    public let expression: String?
    /// The function called with the arguments, when `expression` is `nil`.
    public let function: String

    /// An entry that calls `function` with the arguments of `signature` (the reference or a known mistake may be
    /// a different function with the same parameters).
    public static func call(_ signature: FunctionSignature, function: String? = nil, name: String? = nil)
        -> HarnessEntry
    {
        HarnessEntry(
            name: name ?? function ?? signature.name, parameters: signature.parameters,
            returnType: signature.returnType,
            expression: nil, function: function ?? signature.name)
    }

    /// An entry that evaluates a Swift expression, for answers defined by the reference; each trial's inputs are
    /// bound to the names of `bindings` (a problem's parameters), which the expression may use.
    public static func expression(
        _ text: String, type: SwiftType, name: String, bindings: [FunctionSignature.Parameter] = []
    ) -> HarnessEntry {
        HarnessEntry(name: name, parameters: bindings, returnType: type, expression: text, function: "")
    }
}

/// The generated `main.swift`: compiled alone, as module `GraderHarness`, and linked with the student's (or the
/// reference's) object, whose entry points it declares (`EntryShims`).
public struct Harness: Sendable {
    /// The exit status of a harness that could not write on its result channel (fd 3 closed or replaced).
    public static let resultChannelBroken: Int32 = 70

    public let source: String

    /// Generates a harness that owns `main`, reads trials on stdin and reports results on fd 3.
    ///
    /// `declarations` are extra lines placed before the entries: the external entry points (`EntryShims`) the
    /// entries call by symbol name.
    ///
    /// The wire format is `WireFormat`'s. Every identifier starts with `__grader` so that it cannot collide with a
    /// student's helper names, and library functions are qualified (`Swift.readLine`) so a student's own
    /// `readLine` or `exit` cannot capture them.
    public init(entries: [HarnessEntry], declarations: [String] = []) {
        var lines: [String] = HarnessRuntime.prologue.split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        lines += declarations
        for (index, entry) in entries.enumerated() {
            lines.append("func __grader_entry_\(index)(_ __reader: inout __GraderReader) -> String {")
            var arguments: [String] = []
            for (position, parameter) in entry.parameters.enumerated() {
                lines.append("    let __a\(position): \(parameter.type) = \(Self.reader(parameter.type))")
                arguments.append((parameter.label.map { "\($0): " } ?? "") + "__a\(position)")
            }
            let call = entry.expression ?? "\(entry.function)(\(arguments.joined(separator: ", ")))"
            lines.append("    let __result: \(entry.returnType) = \(call)")
            lines.append("    var __writer = __GraderWriter()")
            lines.append(contentsOf: Self.writes(entry.returnType, path: "__result").map { "    \($0)" })
            lines.append("    return __writer.text")
            lines.append("}")
        }
        let map = entries.enumerated().map { "    \"\($0.element.name)\": __grader_entry_\($0.offset)," }
        if map.isEmpty {
            lines.append("__graderMain([:])")
        } else {
            lines.append("__graderMain([")
            lines.append(contentsOf: map)
            lines.append("])")
        }
        source = lines.joined(separator: "\n") + "\n"
    }

    private static func reader(_ type: SwiftType) -> String {
        switch type {
        case .int: return "__reader.int()"
        case .uint64: return "__reader.uint64()"
        case .double: return "__reader.double()"
        case .bool: return "__reader.bool()"
        case .string: return "__reader.string()"
        case .array(let element): return "__reader.array { (__reader: inout __GraderReader) in \(reader(element)) }"
        case .tuple(let elements):
            // Labelled by `as`, so that an array of tuples reads as the labelled type a function takes.
            return "((" + elements.map { reader($0.type) }.joined(separator: ", ") + ") as \(type.qualified))"
        }
    }

    private static func writes(_ type: SwiftType, path: String) -> [String] {
        switch type {
        case .tuple(let elements):
            return elements.indices.flatMap { writes(elements[$0].type, path: "\(path).\($0)") }
        default:
            return ["__writer.put(\(path))"]
        }
    }
}

/// The fixed part of every harness: decoding, encoding and the trial loop.
enum HarnessRuntime {
    static let prologue = #"""
        // Generated by the grader. It owns main, calls the functions under test on the trials read from stdin,
        // and reports each result on file descriptor 3, a channel the grader reads and student output never reaches.
        #if canImport(Glibc)
        import Glibc
        #elseif canImport(Musl)
        import Musl
        #endif

        struct __GraderReader {
            var tokens: [Substring]
            var index = 0
            init(_ line: String) { tokens = line.split(separator: " ") }
            mutating func next() -> Substring {
                guard index < tokens.count else { __graderFail("trial input ended early") }
                defer { index += 1 }
                return tokens[index]
            }
            mutating func int() -> Int {
                guard let value = Int(next()) else { __graderFail("bad integer in trial input") }
                return value
            }
            mutating func double() -> Double {
                guard let bits = UInt64(next(), radix: 16) else { __graderFail("bad double in trial input") }
                return Double(bitPattern: bits)
            }
            mutating func uint64() -> UInt64 {
                guard let value = UInt64(next()) else { __graderFail("bad seed in trial input") }
                return value
            }
            mutating func bool() -> Bool { next() == "1" }
            mutating func string() -> String {
                let token = Array(next().utf8)
                guard token.first == 115, token.count % 2 == 1 else { __graderFail("bad string in trial input") }
                var bytes: [UInt8] = []
                var index = 1
                while index < token.count {
                    guard let byte = UInt8(String(decoding: token[index..<index + 2], as: UTF8.self), radix: 16) else {
                        __graderFail("bad string in trial input")
                    }
                    bytes.append(byte)
                    index += 2
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            mutating func array<Element>(_ element: (inout __GraderReader) -> Element) -> [Element] {
                let count = int()
                var values: [Element] = []
                values.reserveCapacity(count)
                for _ in 0..<count { values.append(element(&self)) }
                return values
            }
        }

        protocol __GraderWritable { func __graderWrite(_ writer: inout __GraderWriter) }
        extension Int: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) { writer.tokens.append(String(self)) }
        }
        extension Double: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) {
                let digits = String(bitPattern, radix: 16)
                writer.tokens.append(String(repeating: "0", count: 16 - digits.count) + digits)
            }
        }
        extension Bool: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) { writer.tokens.append(self ? "1" : "0") }
        }
        extension String: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) {
                let digits = "0123456789abcdef".utf8.map { $0 }
                var token: [UInt8] = [115]
                for byte in self.utf8 { token.append(digits[Int(byte >> 4)]); token.append(digits[Int(byte & 15)]) }
                writer.tokens.append(String(decoding: token, as: UTF8.self))
            }
        }
        extension Array: __GraderWritable where Element: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) {
                writer.tokens.append(String(count))
                for element in self { element.__graderWrite(&writer) }
            }
        }

        struct __GraderWriter {
            var tokens: [String] = []
            mutating func put<Value: __GraderWritable>(_ value: Value) { value.__graderWrite(&self) }
            var text: String { tokens.joined(separator: " ") }
        }

        func __graderSend(_ text: String) {
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes {
                    Glibc.write(3, $0.baseAddress! + offset, $0.count - offset)
                }
                if written <= 0 { Glibc._exit(\#(Harness.resultChannelBroken)) }
                offset += written
            }
        }

        func __graderFail(_ message: String) -> Never {
            __graderSend("X \(message)\n")
            Glibc._exit(65)
        }

        func __graderMain(_ entries: [String: (inout __GraderReader) -> String]) {
            let arguments = Swift.CommandLine.arguments
            // The limits were set by grader-launch before this binary was loaded; nothing here sets or trusts them.
            guard arguments.count == 2, let entry = entries[arguments[1]] else { __graderFail("unknown entry") }
            var trials: [String] = []
            while let line = Swift.readLine(strippingNewline: true) { trials.append(line) }
            for (number, line) in trials.enumerated() {
                var reader = __GraderReader(line)
                let output = entry(&reader)
                __graderSend("R \(number) \(output)\n")
            }
            __graderSend("D\n")
            Glibc.exit(0)
        }

        """#
}
