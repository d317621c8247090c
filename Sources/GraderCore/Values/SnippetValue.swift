/// A value passed to or returned from a snippet function, shaped like its `SwiftType`.
public indirect enum SnippetValue: Sendable, Equatable, Codable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case array([SnippetValue])
    case tuple([SnippetValue])

    /// The value as a Swift literal, as a student would write it in a test call (`[0.5, -1.0]`).
    public var swiftLiteral: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return NumberFormatting.shortest(value)
        case .bool(let value): return value ? "true" : "false"
        case .string(let value): return Self.quoted(value)
        case .array(let values): return "[" + values.map(\.swiftLiteral).joined(separator: ", ") + "]"
        case .tuple(let values): return "(" + values.map(\.swiftLiteral).joined(separator: ", ") + ")"
        }
    }

    /// How many scalars the value holds, to decide whether it is small enough to print.
    public var scalarCount: Int {
        switch self {
        case .int, .double, .bool, .string: return 1
        case .array(let values), .tuple(let values): return values.reduce(0) { $0 + $1.scalarCount }
        }
    }

    /// `text` as a Swift string literal, with quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// The value with its tuple labels, as `(weights: ..., biases: ...)`, where the type names them.
    public func literal(as type: SwiftType) -> String {
        guard case .tuple(let elements) = type, case .tuple(let values) = self, elements.count == values.count else {
            return swiftLiteral
        }
        let parts = zip(elements, values).map { element, value in
            element.label.map { "\($0): \(value.literal(as: element.type))" } ?? value.literal(as: element.type)
        }
        return "(" + parts.joined(separator: ", ") + ")"
    }
}

/// The line format values travel in between the grader and a snippet process: exact, and readable by tiny code.
///
/// Doubles are written as the 16 hex digits of their bit pattern so nothing is lost; integers in decimal;
/// booleans as 0 or 1; a string as `s` and the hex digits of its UTF-8 bytes; an array as its count followed by its
/// elements; a tuple as its elements in order.
public enum WireFormat {
    /// Appends the tokens of `value` to `tokens`.
    public static func encode(_ value: SnippetValue, into tokens: inout [String]) {
        switch value {
        case .int(let value): tokens.append(String(value))
        case .double(let value): tokens.append(hex(value.bitPattern))
        case .bool(let value): tokens.append(value ? "1" : "0")
        case .string(let value): tokens.append("s" + value.utf8.map { hexByte($0) }.joined())
        case .array(let values):
            tokens.append(String(values.count))
            for element in values { encode(element, into: &tokens) }
        case .tuple(let values):
            for element in values { encode(element, into: &tokens) }
        }
    }

    /// The tokens of several values joined into one line.
    public static func line(_ values: [SnippetValue]) -> String {
        var tokens: [String] = []
        for value in values { encode(value, into: &tokens) }
        return tokens.joined(separator: " ")
    }

    /// Reads one value of `type` from `tokens`, starting at `index`; `nil` when the tokens do not fit the type.
    public static func decode(_ type: SwiftType, from tokens: [Substring], at index: inout Int, maxCount: Int = 1 << 20)
        -> SnippetValue?
    {
        func next() -> Substring? {
            guard index < tokens.count else { return nil }
            defer { index += 1 }
            return tokens[index]
        }
        switch type {
        case .int:
            return next().flatMap { Int($0) }.map(SnippetValue.int)
        case .uint64:
            return next().flatMap { Int($0) }.flatMap { $0 >= 0 ? SnippetValue.int($0) : nil }
        case .double:
            guard let token = next(), token.count == 16, let bits = UInt64(token, radix: 16) else { return nil }
            return .double(Double(bitPattern: bits))
        case .bool:
            switch next() {
            case "0": return .bool(false)
            case "1": return .bool(true)
            default: return nil
            }
        case .string:
            guard let token = next(), token.first == "s", token.count % 2 == 1, token.count <= 2 * maxCount + 1 else {
                return nil
            }
            var bytes: [UInt8] = []
            var index = token.index(after: token.startIndex)
            while index < token.endIndex {
                let end = token.index(index, offsetBy: 2)
                guard let byte = UInt8(token[index..<end], radix: 16) else { return nil }
                bytes.append(byte)
                index = end
            }
            return .string(String(decoding: bytes, as: UTF8.self))
        case .array(let element):
            guard let count = next().flatMap({ Int($0) }), count >= 0, count <= maxCount else { return nil }
            var values: [SnippetValue] = []
            values.reserveCapacity(min(count, 4096))
            for _ in 0..<count {
                guard let value = decode(element, from: tokens, at: &index, maxCount: maxCount) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .tuple(let elements):
            var values: [SnippetValue] = []
            for element in elements {
                guard let value = decode(element.type, from: tokens, at: &index, maxCount: maxCount) else { return nil }
                values.append(value)
            }
            return .tuple(values)
        }
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    private static func hex(_ bits: UInt64) -> String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Number formatting shared by feedback and reports.
public enum NumberFormatting {
    /// The shortest text that reads back as the same double (`0.1`, `3.0`, `1e-12`, `nan`, `inf`).
    public static func shortest(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    /// `value` with one decimal, byte for byte as C's `%.1f` writes it (`String(format:)`, a tenth of the cost of a
    /// plot's hundreds of coordinates): the exact binary value rounded half to even, `-0.0` for a negative value that
    /// rounds to zero. Values outside `[-1e15, 1e15]`, and nan and infinities, go to `String(format:)` itself.
    public static func oneDecimal(_ value: Double) -> String {
        let magnitude = value.magnitude
        guard value.isFinite, magnitude < 1e15 else { return String(format: "%.1f", value) }
        let sign = value.sign == .minus ? "-" : ""
        // Below 0.04 every value rounds to zero; at or above it the value is normal, and below 1e15 < 2^52 it is
        // significand * 2^-shift with 3 <= shift <= 57, so ten times the significand fits in 64 bits.
        guard magnitude >= 0.04 else { return sign + "0.0" }
        let significand = UInt64(magnitude.significandBitPattern) | (1 << 52)
        let shift = UInt64(52 - Int(magnitude.exponent))
        let tenfold = significand * 10
        var tenths = tenfold >> shift
        let remainder = tenfold & ((1 << shift) - 1)
        let half: UInt64 = 1 << (shift - 1)
        if remainder > half || (remainder == half && tenths & 1 == 1) { tenths += 1 }
        return "\(sign)\(tenths / 10).\(tenths % 10)"
    }

    /// A score such as `2.5` or `3`, without trailing zeros and with at most two decimals.
    public static func score(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if let whole = Int(exactly: rounded) { return String(whole) }
        var text = String(rounded)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text = String(text[..<text.index(dot, offsetBy: 3)])
        }
        return text
    }

    /// A compact scientific rendering for errors and tolerances (`3.2e-07`).
    public static func compact(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return shortest(value) }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e6 {
            let text = String(format6(value))
            return text
        }
        var exponent = decimalExponent(magnitude)
        // 10^-324 underflows to 0: scale a subnormal up first, so the mantissa stays finite.
        let scaled = exponent < -290 ? magnitude * 1e300 / power10(exponent + 300) : magnitude / power10(exponent)
        var mantissa = (scaled * 100).rounded() / 100
        if mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        let sign = value < 0 ? "-" : ""
        let mantissaText = Int(exactly: mantissa).map(String.init) ?? String(mantissa)
        return "\(sign)\(mantissaText)e\(exponent < 0 ? "-" : "+")\(abs(exponent) < 10 ? "0" : "")\(abs(exponent))"
    }

    /// Six significant digits, trailing zeros removed.
    private static func format6(_ value: Double) -> String {
        var digits = 0
        var scale = 1.0
        let magnitude = abs(value)
        while magnitude * scale < 100_000 && digits < 12 {
            scale *= 10
            digits += 1
        }
        let rounded = (value * scale).rounded() / scale
        return Int(exactly: rounded).map(String.init) ?? shortest(rounded)
    }
}
