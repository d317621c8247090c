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
    /// student's helper names, and library functions are qualified (`Glibc.read`) so a student's own
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

        // Trials are parsed byte by byte from one buffer of stdin: the harness is compiled without optimisation,
        // where `split` and `init(_:radix:)` run as unspecialised generics (they were two thirds of a reference run
        // over 5,000 trials).
        struct __GraderReader {
            let bytes: Swift.UnsafePointer<Swift.UInt8>
            var position: Int
            let end: Int
            init(_ bytes: Swift.UnsafePointer<Swift.UInt8>, from start: Int, to end: Int) {
                self.bytes = bytes
                position = start
                self.end = end
            }
            /// The bounds of the next space-separated token.
            mutating func next() -> (start: Int, end: Int) {
                while position < end && bytes[position] == 32 { position += 1 }
                guard position < end else { __graderFail("trial input ended early") }
                let start = position
                while position < end && bytes[position] != 32 { position += 1 }
                return (start, position)
            }
            /// The decimal digits of a token after an optional sign, as `Int(_:)` and `UInt64(_:)` read them.
            func decimal(_ token: (start: Int, end: Int), signed: Bool) -> (negative: Bool, magnitude: UInt64)? {
                var index = token.start
                var negative = false
                if bytes[index] == 43 || (signed && bytes[index] == 45) {
                    negative = bytes[index] == 45
                    index += 1
                }
                guard index < token.end else { return nil }
                var magnitude: UInt64 = 0
                while index < token.end {
                    let digit = bytes[index] &- 48
                    guard digit < 10 else { return nil }
                    let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                    let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit))
                    guard !overflow, !carry else { return nil }
                    magnitude = sum
                    index += 1
                }
                return (negative, magnitude)
            }
            /// The value of one hex digit, or 16 for any other byte.
            func hexDigit(_ byte: Swift.UInt8) -> Swift.UInt8 {
                if byte >= 48 && byte <= 57 { return byte - 48 }
                if byte >= 97 && byte <= 102 { return byte - 87 }
                if byte >= 65 && byte <= 70 { return byte - 55 }
                return 16
            }
            mutating func int() -> Int {
                guard let (negative, magnitude) = decimal(next(), signed: true),
                    magnitude <= (negative ? UInt64(1) << 63 : UInt64(Int.max))
                else { __graderFail("bad integer in trial input") }
                return negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude)
            }
            mutating func double() -> Double {
                let token = next()
                guard token.end - token.start <= 16 else { __graderFail("bad double in trial input") }
                var bits: UInt64 = 0
                var index = token.start
                while index < token.end {
                    let digit = hexDigit(bytes[index])
                    guard digit < 16 else { __graderFail("bad double in trial input") }
                    bits = bits << 4 | UInt64(digit)
                    index += 1
                }
                return Double(bitPattern: bits)
            }
            mutating func uint64() -> UInt64 {
                guard let (_, value) = decimal(next(), signed: false) else { __graderFail("bad seed in trial input") }
                return value
            }
            mutating func bool() -> Bool {
                let token = next()
                return token.end - token.start == 1 && bytes[token.start] == 49
            }
            mutating func string() -> String {
                let token = next()
                guard bytes[token.start] == 115, (token.end - token.start) % 2 == 1 else {
                    __graderFail("bad string in trial input")
                }
                var decoded: [Swift.UInt8] = []
                decoded.reserveCapacity((token.end - token.start) / 2)
                var index = token.start + 1
                while index < token.end {
                    let high = hexDigit(bytes[index])
                    let low = hexDigit(bytes[index + 1])
                    guard high < 16, low < 16 else { __graderFail("bad string in trial input") }
                    decoded.append(high << 4 | low)
                    index += 2
                }
                return String(decoding: decoded, as: Swift.UTF8.self)
            }
            mutating func array<Element>(_ element: (inout __GraderReader) -> Element) -> [Element] {
                let count = int()
                guard count >= 0 else { __graderFail("bad integer in trial input") }
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
                var token = [Swift.UInt8](repeating: 48, count: 16)
                var bits = bitPattern
                var index = 15
                while index >= 0 {
                    token[index] = __graderHexDigits[Int(bits & 15)]
                    bits >>= 4
                    index -= 1
                }
                writer.tokens.append(String(decoding: token, as: Swift.UTF8.self))
            }
        }
        extension Bool: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) { writer.tokens.append(self ? "1" : "0") }
        }
        extension String: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) {
                var token: [UInt8] = [115]
                for byte in self.utf8 {
                    token.append(__graderHexDigits[Int(byte >> 4)])
                    token.append(__graderHexDigits[Int(byte & 15)])
                }
                writer.tokens.append(String(decoding: token, as: UTF8.self))
            }
        }
        extension Array: __GraderWritable where Element: __GraderWritable {
            func __graderWrite(_ writer: inout __GraderWriter) {
                writer.tokens.append(String(count))
                for element in self { element.__graderWrite(&writer) }
            }
        }

        let __graderHexDigits: [Swift.UInt8] = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]

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
            // Every trial is read before the first call, as lines ending in "\n" (or "\r\n"; the last may lack it).
            var input: [Swift.UInt8] = []
            var chunk = [Swift.UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress!, $0.count) }
                if count < 0 && Glibc.errno == Glibc.EINTR { continue }
                if count <= 0 { break }
                input.append(contentsOf: chunk[0..<count])
            }
            input.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                var lines: [(start: Int, end: Int)] = []
                var start = 0
                while start < buffer.count {
                    let newline = Glibc.memchr(base + start, 10, buffer.count - start)
                    let end = newline.map { base.distance(to: $0.assumingMemoryBound(to: Swift.UInt8.self)) }
                        ?? buffer.count
                    lines.append((start, end > start && base[end - 1] == 13 ? end - 1 : end))
                    start = end + 1
                }
                for (number, line) in lines.enumerated() {
                    var reader = __GraderReader(base, from: line.start, to: line.end)
                    let output = entry(&reader)
                    __graderSend("R \(number) \(output)\n")
                }
            }
            __graderSend("D\n")
            Glibc.exit(0)
        }

        """#
}
