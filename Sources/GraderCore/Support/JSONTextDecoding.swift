import Foundation

extension JSONText {
    /// Reads `data` as Foundation's `JSONDecoder` (default options) reads it, in a fraction of its time; whatever this
    /// reader does not mirror, or cannot read, is handed to Foundation's decoder, whose value or error is the answer.
    ///
    /// A warm rerun of a class decodes a thousand cached grades, the previous run's results and the similarity memo:
    /// Foundation's decoder was most of that time. This reader parses strict JSON (RFC 8259) only and hands over
    /// everything else: nesting 256 levels or deeper, a key twice in one object, a lone surrogate escape, invalid
    /// UTF-8, a number too large for its type or an integer written with a fraction or exponent, `Float`, `Date`,
    /// `Data`, `URL`, `Decimal` and super-decoders. So wherever it returns a value, Foundation returns the same one;
    /// the tests compare the two on every bundled report and on random and mutated texts.
    static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        if let value = try? fastDecode(type, from: data) { return value }
        return try JSONDecoder().decode(type, from: data)
    }

    /// `decode` without the hand-over: throws `Unsupported` for anything it does not read as Foundation does.
    static func fastDecode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        let root = try data.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self))
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.index == parser.bytes.count else { throw Unsupported() }
            return value
        }
        // A type whose `init(from:)` catches an error and tries something else must not go on with this reader's
        // refusal where Foundation's decoder would have read the value: any refusal hands the whole text over.
        let trouble = Trouble()
        let value = try Reading.value(type, from: root, trouble)
        guard !trouble.found else { throw Unsupported() }
        return value
    }

    /// Set when the reader refused anything while decoding, even if the value caught the error.
    final class Trouble {
        var found = false
        /// How many `init(from:)` calls are under way.
        var nesting = 0

        /// Records the refusal and returns the error to throw.
        func refuse() -> Unsupported {
            found = true
            return Unsupported()
        }
    }

    /// A parsed JSON value; a number keeps its text until a type asks for it.
    enum Parsed {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Parsed])
        case object([(key: String, value: Parsed)])
    }

    /// A strict RFC 8259 parser that throws `Unsupported` at the first thing it does not accept.
    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// Shallower than the 512 levels Foundation's decoder accepts, so that nothing it refuses is read here.
        static let depthLimit = 256

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws -> Parsed {
            guard depth < Self.depthLimit else { throw Unsupported() }
            skipSpace()
            guard index < bytes.count else { throw Unsupported() }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: return .number(try number())
            }
        }

        mutating func literal(_ text: StaticString, _ value: Parsed) throws -> Parsed {
            let count = text.utf8CodeUnitCount
            guard bytes.count - index >= count,
                memcmp(bytes.baseAddress! + index, text.utf8Start, count) == 0
            else { throw Unsupported() }
            index += count
            return value
        }

        mutating func object(depth: Int) throws -> Parsed {
            index += 1
            var members: [(key: String, value: Parsed)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            var seen: Set<String> = []
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Unsupported() }
                let key = try string()
                // A key twice (or two keys equal as Swift strings) is left to Foundation's own rule.
                if members.count < 16 {
                    guard !members.contains(where: { $0.key == key }) else { throw Unsupported() }
                } else {
                    if seen.isEmpty { seen = Set(members.map(\.key)) }
                    guard seen.insert(key).inserted else { throw Unsupported() }
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Unsupported() }
                index += 1
                members.append((key, try value(depth: depth + 1)))
                if try closes(UInt8(ascii: "}")) { return .object(members) }
            }
        }

        /// After a member or element: `true` past the closing `bracket`, `false` past a comma; anything else is
        /// not JSON.
        mutating func closes(_ bracket: UInt8) throws -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") || bytes[index] == bracket else {
                throw Unsupported()
            }
            index += 1
            return bytes[index - 1] == bracket
        }

        mutating func array(depth: Int) throws -> Parsed {
            index += 1
            var elements: [Parsed] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value(depth: depth + 1))
                if try closes(UInt8(ascii: "]")) { return .array(elements) }
            }
        }

        /// A string from its opening quote: valid UTF-8, no raw control character, escapes as RFC 8259 lists them
        /// (a surrogate escape only as half of a pair).
        ///
        /// A string of ASCII alone, as most keys and values are, is made without `String(validating:)`, which took
        /// three times as long as `String(decoding:)` (which would repair invalid UTF-8 rather than refuse it; ASCII
        /// has nothing to repair).
        mutating func string() throws -> String {
            index += 1
            let start = index
            var highBits: UInt8 = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
                bytes[index] >= 0x20
            {
                highBits |= bytes[index]
                index += 1
            }
            guard index < bytes.count else { throw Unsupported() }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                let content = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if highBits < 0x80 { return String(decoding: content, as: UTF8.self) }
                guard let text = String(validating: content, as: UTF8.self) else { throw Unsupported() }
                return text
            }
            var utf8 = Array(bytes[start..<index])
            while true {
                guard index < bytes.count else { throw Unsupported() }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw Unsupported() }
                    return text
                }
                guard byte >= 0x20 else { throw Unsupported() }
                guard byte == UInt8(ascii: "\\") else {
                    utf8.append(byte)
                    index += 1
                    continue
                }
                guard index + 1 < bytes.count else { throw Unsupported() }
                let escaped = bytes[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xDC00...0xDFFF).contains(code) { throw Unsupported() }
                    if (0xD800...0xDBFF).contains(code) {
                        guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw Unsupported() }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Unsupported() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Unsupported() }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: throw Unsupported()
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard bytes.count - index >= 4 else { throw Unsupported() }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Unsupported()
                }
                code = code << 4 | UInt32(digit)
                index += 1
            }
            return code
        }

        /// A number as RFC 8259 writes one: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func number() throws -> String {
            let start = index
            func digits() -> Int {
                let first = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    index += 1
                }
                return index - first
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw Unsupported() }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw Unsupported()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw Unsupported() }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits() > 0 else { throw Unsupported() }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
    }

    /// Turns parsed values into Swift values: scalars here, everything else through its `init(from:)`.
    enum Reading {
        static func value<Value: Decodable>(_ type: Value.Type, from parsed: Parsed, _ trouble: Trouble) throws -> Value
        {
            switch type {
            case is Double.Type: return try double(parsed, trouble) as! Value
            case is String.Type: return try string(parsed, trouble) as! Value
            case is Bool.Type: return try bool(parsed, trouble) as! Value
            case is Int.Type: return try integer(Int.self, parsed, trouble) as! Value
            case is Int8.Type: return try integer(Int8.self, parsed, trouble) as! Value
            case is Int16.Type: return try integer(Int16.self, parsed, trouble) as! Value
            case is Int32.Type: return try integer(Int32.self, parsed, trouble) as! Value
            case is Int64.Type: return try integer(Int64.self, parsed, trouble) as! Value
            case is UInt.Type: return try integer(UInt.self, parsed, trouble) as! Value
            case is UInt8.Type: return try integer(UInt8.self, parsed, trouble) as! Value
            case is UInt16.Type: return try integer(UInt16.self, parsed, trouble) as! Value
            case is UInt32.Type: return try integer(UInt32.self, parsed, trouble) as! Value
            case is UInt64.Type: return try integer(UInt64.self, parsed, trouble) as! Value
            // Foundation reads these its own way (or, for Float, rounds through its own path); a 128-bit integer
            // decodes itself from a single value of its own type, which here would come back to this function.
            case is Float.Type, is Date.Type, is Data.Type, is URL.Type, is Decimal.Type, is Int128.Type,
                is UInt128.Type:
                throw trouble.refuse()
            default:
                // A type that decodes itself from a single value of another type it does not name here could come
                // back for the same value without end: nesting is bounded, as the parser bounds the text's.
                guard trouble.nesting < Parser.depthLimit else { throw trouble.refuse() }
                trouble.nesting += 1
                defer { trouble.nesting -= 1 }
                return try Value(from: Reader(parsed, trouble))
            }
        }

        static func string(_ parsed: Parsed, _ trouble: Trouble) throws -> String {
            guard case .string(let text) = parsed else { throw trouble.refuse() }
            return text
        }

        static func bool(_ parsed: Parsed, _ trouble: Trouble) throws -> Bool {
            guard case .bool(let flag) = parsed else { throw trouble.refuse() }
            return flag
        }

        /// A finite double, correctly rounded from the number's text as Foundation's decoder rounds it. Handed
        /// over: a subnormal result, and a zero written with anything but zeros (an underflow such as `9e-400`) or
        /// with an exponent. Foundation refuses some of each: `9e-400`, `0e1`, `0.00e1` and `-0.0e1`, whose digits
        /// its check for a true zero reads four bytes at a time (yet it reads `-0e1`, `0e+1` and `1e-320`).
        static func double(_ parsed: Parsed, _ trouble: Trouble) throws -> Double {
            guard case .number(let text) = parsed, let value = Double(text), value.isFinite, !value.isSubnormal else {
                throw trouble.refuse()
            }
            if value == 0,
                text.utf8.contains(where: {
                    (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "e")
                        || $0 == UInt8(ascii: "E")
                })
            {
                throw trouble.refuse()
            }
            return value
        }

        /// An integer written as digits alone (an optional `-` for a signed type) that fits the type.
        static func integer<Integer: FixedWidthInteger>(_ type: Integer.Type, _ parsed: Parsed, _ trouble: Trouble)
            throws
            -> Integer
        {
            guard case .number(let text) = parsed,
                text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
                ),
                Integer.isSigned || !text.hasPrefix("-"),
                let value = Integer(text, radix: 10)
            else { throw trouble.refuse() }
            return value
        }
    }

    /// The decoder handed to a value's `init(from:)`.
    struct Reader: Decoder {
        let parsed: Parsed
        let trouble: Trouble
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(_ parsed: Parsed, _ trouble: Trouble) {
            self.parsed = parsed
            self.trouble = trouble
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let members) = parsed else { throw trouble.refuse() }
            return KeyedDecodingContainer(KeyedReader(members: members, trouble: trouble))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let elements) = parsed else { throw trouble.refuse() }
            return UnkeyedReader(elements: elements, trouble: trouble)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            SingleReader(parsed: parsed, trouble: trouble)
        }
    }

    struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(key: String, value: Parsed)]
        let trouble: Trouble
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] {
            let keys = members.compactMap { Key(stringValue: $0.key) }
            // `"1"`, `"01"` and `"+1"` are one key of an `[Int: X]`: which value Foundation keeps is its own affair.
            let integers = keys.compactMap(\.intValue)
            if Set(integers).count != integers.count { trouble.found = true }
            return keys
        }

        func contains(_ key: Key) -> Bool { members.contains { $0.key == key.stringValue } }

        func member(_ key: Key) throws -> Parsed {
            let name = key.stringValue
            guard let found = members.first(where: { $0.key == name }) else { throw trouble.refuse() }
            return found.value
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try member(key) { return true }
            return false
        }

        func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
            try Reading.value(type, from: try member(key), trouble)
        }

        // The scalars most fields are, read without `Reading.value`'s checks of the type (a dynamic cast each).
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try Reading.string(try member(key), trouble)
        }

        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try Reading.double(try member(key), trouble)
        }

        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try Reading.integer(Int.self, try member(key), trouble)
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try Reading.bool(try member(key), trouble)
        }

        func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<Nested>
        {
            try Reader(try member(key), trouble).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try Reader(try member(key), trouble).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw trouble.refuse() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw trouble.refuse() }
    }

    struct UnkeyedReader: UnkeyedDecodingContainer {
        let elements: [Parsed]
        let trouble: Trouble
        var currentIndex = 0
        var codingPath: [any CodingKey] { [] }
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        init(elements: [Parsed], trouble: Trouble) {
            self.elements = elements
            self.trouble = trouble
        }

        mutating func next() throws -> Parsed {
            guard !isAtEnd else { throw trouble.refuse() }
            defer { currentIndex += 1 }
            return elements[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw trouble.refuse() }
            guard case .null = elements[currentIndex] else { return false }
            currentIndex += 1
            return true
        }

        /// The current element read by `read`; the index moves on only when it was read, as in Foundation's
        /// container.
        mutating func element<Value>(_ read: (Parsed, Trouble) throws -> Value) throws -> Value {
            guard !isAtEnd else { throw trouble.refuse() }
            let value = try read(elements[currentIndex], trouble)
            currentIndex += 1
            return value
        }

        mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            try element { try Reading.value(type, from: $0, $1) }
        }

        mutating func decode(_ type: String.Type) throws -> String { try element(Reading.string) }

        mutating func decode(_ type: Double.Type) throws -> Double { try element(Reading.double) }

        mutating func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type) throws
            -> KeyedDecodingContainer<Nested>
        {
            try Reader(try next(), trouble).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try Reader(try next(), trouble).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { throw trouble.refuse() }
    }

    struct SingleReader: SingleValueDecodingContainer {
        let parsed: Parsed
        let trouble: Trouble
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool {
            if case .null = parsed { return true }
            return false
        }

        func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            try Reading.value(type, from: parsed, trouble)
        }
    }
}
