import Foundation

/// Writes `Encodable` values as JSON with sorted keys, byte for byte as Foundation's `JSONEncoder` writes them with
/// `.sortedKeys` and `.withoutEscapingSlashes` (and `.prettyPrinted` when `pretty`), in a fraction of its time.
///
/// A class of 10,000 students writes 10,000 `results.json`, and a rerun decodes and writes them again: Foundation's
/// encoder was the largest single cost of both (about 0.3 ms a report). The tests compare the two byte for byte on
/// every report the bundled submissions produce and on random values. `codingPath` is always empty: no type the
/// grader writes reads it.
enum JSONText {
    /// How non-finite numbers are written, as `JSONEncoder.NonConformingFloatEncodingStrategy.convertToString` does;
    /// without one, a non-finite number is an error.
    struct NonFiniteNames: Sendable {
        var positiveInfinity = "inf"
        var negativeInfinity = "-inf"
        var nan = "nan"
    }

    /// `value` as JSON text: indented as `.prettyPrinted` indents, or on one line.
    static func encode<Value: Encodable>(_ value: Value, pretty: Bool, nonFinite: NonFiniteNames? = nil) throws
        -> [UInt8]
    {
        // In one pass when the value's keys come sorted (`JSONTextStreaming`); a type that keeps failing to is not
        // tried again, so that its values do not pay for two encodings.
        let type = ObjectIdentifier(Value.self)
        if streamOutcomes.withLock({ $0[type].map { $0.failed <= 8 || $0.failed <= $0.streamed } ?? true }) {
            let streamed = streamed(value, pretty: pretty, nonFinite: nonFinite)
            streamOutcomes.withLock { outcomes in
                if streamed == nil {
                    outcomes[type, default: (0, 0)].failed += 1
                } else {
                    outcomes[type, default: (0, 0)].streamed += 1
                }
            }
            if let streamed { return streamed }
        }
        let options = Options(nonFinite: nonFinite, unusual: Unusual())
        let root = Slot(options: options)
        do {
            // Through `encode(to:)` unless a scalar: a value that asks for no container leaves the root empty.
            if let scalar = try scalarNode(of: value, options: options) {
                root.value = scalar
            } else {
                try value.encode(to: root)
            }
        } catch is Unsupported {
            return try foundation(value, pretty: pretty, nonFinite: nonFinite)
        }
        guard let node = root.value, !options.unusual.found else {
            return try foundation(value, pretty: pretty, nonFinite: nonFinite)
        }
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        var writer = Writer(pretty: pretty, output: output)
        writer.write(node, depth: 0)
        if writer.unusual { return try foundation(value, pretty: pretty, nonFinite: nonFinite) }
        return writer.output
    }

    /// How often values of each type were written in one pass and how often that gave up (`encode`).
    static let streamOutcomes = Locked([ObjectIdentifier: (streamed: Int, failed: Int)]())

    /// A value holding a type Foundation's encoder writes its own way (`Data`, `URL`, `Decimal`, `Date`): no report
    /// does, and one that did would be written by Foundation's encoder itself.
    struct Unsupported: Error {}

    /// Whether the value used what this encoder leaves to Foundation's, whose output (or error) is then the answer:
    /// a super-encoder, a top-level value that encodes nothing, nesting deeper than Foundation allows, two keys that
    /// differ in their bytes but not as Swift strings. No report does any of these.
    final class Unusual {
        var found = false
    }

    /// `value` written by Foundation's `JSONEncoder` with the same options.
    static func foundation<Value: Encodable>(_ value: Value, pretty: Bool, nonFinite: NonFiniteNames?) throws
        -> [UInt8]
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        if let nonFinite {
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity,
                nan: nonFinite.nan)
        }
        return Array(try encoder.encode(value))
    }

    struct Options {
        let nonFinite: NonFiniteNames?
        let unusual: Unusual
    }

    /// A value on its way out: scalars already as JSON text, containers filled in as the value encodes itself.
    enum Node {
        case literal(String)
        case string(String)
        case object(ObjectBox)
        case array(ArrayBox)
    }

    final class ObjectBox {
        var members: [(key: String, node: Node)] = []

        /// Room for a report's objects (a dozen members or so) from the start, rather than four reallocations.
        init() { members.reserveCapacity(16) }
    }

    final class ArrayBox {
        var elements: [Node] = []
    }

    /// The encoder handed to a value's `encode(to:)`: it records the one container (or single value) it gets.
    final class Slot: Encoder {
        let options: Options
        var value: Node?
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(options: Options) { self.options = options }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object(let box) = value { return KeyedEncodingContainer(Keyed(box: box, options: options)) }
            let box = ObjectBox()
            value = .object(box)
            return KeyedEncodingContainer(Keyed(box: box, options: options))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array(let box) = value { return Unkeyed(box: box, options: options) }
            let box = ArrayBox()
            value = .array(box)
            return Unkeyed(box: box, options: options)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(slot: self) }

        /// Encodes `value` into this slot: scalars directly, anything else through its `encode(to:)`.
        func store<Value: Encodable>(_ value: Value) throws {
            self.value = try JSONText.node(of: value, options: options)
        }
    }

    /// The node of one value: the common scalars without a trip through `encode(to:)`.
    static func node<Value: Encodable>(of value: Value, options: Options) throws -> Node {
        if let scalar = try scalarNode(of: value, options: options) { return scalar }
        let slot = Slot(options: options)
        try value.encode(to: slot)
        return slot.value ?? .object(ObjectBox())
    }

    /// The node of a `String`, `Double`, `Int` or `Bool`; `nil` for any other type.
    static func scalarNode<Value: Encodable>(of value: Value, options: Options) throws -> Node? {
        if Value.self == String.self { return .string(value as! String) }
        if Value.self == Double.self { return try node(value as! Double, options: options) }
        if Value.self == Int.self { return .literal(String(value as! Int)) }
        if Value.self == Bool.self { return .literal((value as! Bool) ? "true" : "false") }
        if Value.self == Data.self || Value.self == URL.self || Value.self == Decimal.self || Value.self == Date.self {
            throw Unsupported()
        }
        return nil
    }

    static func node(_ number: Double, options: Options) throws -> Node {
        guard number.isFinite else { return try nonFinite(number.isNaN ? nil : number > 0, number, options: options) }
        return .literal(trimmed(number.description))
    }

    static func node(_ number: Float, options: Options) throws -> Node {
        guard number.isFinite else { return try nonFinite(number.isNaN ? nil : number > 0, number, options: options) }
        return .literal(trimmed(number.description))
    }

    /// A number's shortest text as Foundation writes it: `1` for `1.0`.
    static func trimmed(_ text: String) -> String {
        text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// An infinity (`positive` says which) or NaN (`positive` is `nil`) under the names given, else an error.
    static func nonFinite(_ positive: Bool?, _ number: Any, options: Options) throws -> Node {
        guard let names = options.nonFinite else {
            throw EncodingError.invalidValue(
                number, EncodingError.Context(codingPath: [], debugDescription: "\(number) is not valid JSON"))
        }
        guard let positive else { return .string(names.nan) }
        return .string(positive ? names.positiveInfinity : names.negativeInfinity)
    }

    /// An encoder for a superclass's fields, its object given to `attach`; the value then goes to Foundation's
    /// encoder (`Unusual`).
    static func superEncoder(options: Options, attach: (Node) -> Void) -> any Encoder {
        options.unusual.found = true
        let slot = Slot(options: options)
        let nested = ObjectBox()
        slot.value = .object(nested)
        attach(.object(nested))
        return slot
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: ObjectBox
        let options: Options
        var codingPath: [any CodingKey] { [] }

        func add(_ key: Key, _ node: Node) { box.members.append((key.stringValue, node)) }

        mutating func encodeNil(forKey key: Key) throws { add(key, .literal("null")) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { add(key, .literal(value ? "true" : "false")) }
        mutating func encode(_ value: String, forKey key: Key) throws { add(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            add(key, try JSONText.node(value, options: options))
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            add(key, try JSONText.node(value, options: options))
        }
        mutating func encode(_ value: Int, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { add(key, .literal(String(value))) }
        mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
            add(key, try JSONText.node(of: value, options: options))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = ObjectBox()
            add(key, .object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: nested, options: options))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            add(key, .array(nested))
            return Unkeyed(box: nested, options: options)
        }

        mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

        func superEncoder(named key: String) -> any Encoder {
            JSONText.superEncoder(options: options) { box.members.append((key, $0)) }
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: ArrayBox
        let options: Options
        var codingPath: [any CodingKey] { [] }
        var count: Int { box.elements.count }

        mutating func encodeNil() throws { box.elements.append(.literal("null")) }
        mutating func encode(_ value: Bool) throws { box.elements.append(.literal(value ? "true" : "false")) }
        mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
        mutating func encode(_ value: Double) throws { box.elements.append(try JSONText.node(value, options: options)) }
        mutating func encode(_ value: Float) throws { box.elements.append(try JSONText.node(value, options: options)) }
        mutating func encode(_ value: Int) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: Int8) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: Int16) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: Int32) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: Int64) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: UInt) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: UInt8) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: UInt16) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: UInt32) throws { box.elements.append(.literal(String(value))) }
        mutating func encode(_ value: UInt64) throws { box.elements.append(.literal(String(value))) }
        mutating func encode<Value: Encodable>(_ value: Value) throws {
            box.elements.append(try JSONText.node(of: value, options: options))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = ObjectBox()
            box.elements.append(.object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: nested, options: options))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            box.elements.append(.array(nested))
            return Unkeyed(box: nested, options: options)
        }

        mutating func superEncoder() -> any Encoder {
            JSONText.superEncoder(options: options) { box.elements.append($0) }
        }
    }

    struct Single: SingleValueEncodingContainer {
        let slot: Slot
        var codingPath: [any CodingKey] { [] }

        func set(_ node: Node) { slot.value = node }

        mutating func encodeNil() throws { set(.literal("null")) }
        mutating func encode(_ value: Bool) throws { set(.literal(value ? "true" : "false")) }
        mutating func encode(_ value: String) throws { set(.string(value)) }
        mutating func encode(_ value: Double) throws { set(try JSONText.node(value, options: slot.options)) }
        mutating func encode(_ value: Float) throws { set(try JSONText.node(value, options: slot.options)) }
        mutating func encode(_ value: Int) throws { set(.literal(String(value))) }
        mutating func encode(_ value: Int8) throws { set(.literal(String(value))) }
        mutating func encode(_ value: Int16) throws { set(.literal(String(value))) }
        mutating func encode(_ value: Int32) throws { set(.literal(String(value))) }
        mutating func encode(_ value: Int64) throws { set(.literal(String(value))) }
        mutating func encode(_ value: UInt) throws { set(.literal(String(value))) }
        mutating func encode(_ value: UInt8) throws { set(.literal(String(value))) }
        mutating func encode(_ value: UInt16) throws { set(.literal(String(value))) }
        mutating func encode(_ value: UInt32) throws { set(.literal(String(value))) }
        mutating func encode(_ value: UInt64) throws { set(.literal(String(value))) }
        mutating func encode<Value: Encodable>(_ value: Value) throws { try slot.store(value) }
    }

    /// Writes nodes out: keys sorted by their UTF-8 bytes (a key given twice keeps its last value), strings escaped
    /// as Foundation escapes them, and empty containers written as `[\n\n]` with the closing bracket indented, as
    /// Foundation's pretty printing does.
    struct Writer {
        let pretty: Bool
        var output: [UInt8]

        /// Set when the value needs Foundation's encoder after all (`Unusual`).
        var unusual = false
        /// Foundation's encoder refuses a value nested 512 arrays or objects deep: a node at this depth.
        static let maxDepth = 512

        mutating func write(_ node: Node, depth: Int) {
            if depth >= Self.maxDepth { unusual = true }
            switch node {
            case .literal(var text): text.withUTF8 { output.append(contentsOf: $0) }
            case .string(let text): writeString(text)
            case .object(let box): writeObject(box, depth: depth)
            case .array(let box): writeArray(box, depth: depth)
            }
        }

        mutating func writeObject(_ box: ObjectBox, depth: Int) {
            let members = Self.sortedMembers(box.members)
            // Keys Swift calls equal though their bytes differ ("é" and "e" + U+0301) are one key to Foundation.
            if box.members.contains(where: { !$0.key.utf8.allSatisfy { $0 < 0x80 } }),
                Set(members.map(\.key)).count != members.count
            {
                unusual = true
            }
            open(UInt8(ascii: "{"), empty: members.isEmpty, depth: depth)
            for (index, member) in members.enumerated() {
                if index > 0 { separate(depth: depth + 1) }
                writeKey(member.key)
                write(member.node, depth: depth + 1)
            }
            close(UInt8(ascii: "}"), empty: members.isEmpty, depth: depth)
        }

        mutating func writeArray(_ box: ArrayBox, depth: Int) {
            open(UInt8(ascii: "["), empty: box.elements.isEmpty, depth: depth)
            for (index, element) in box.elements.enumerated() {
                if index > 0 { separate(depth: depth + 1) }
                write(element, depth: depth + 1)
            }
            close(UInt8(ascii: "]"), empty: box.elements.isEmpty, depth: depth)
        }

        mutating func open(_ bracket: UInt8, empty: Bool, depth: Int) {
            output.append(bracket)
            guard pretty else { return }
            output.append(0x0A)
            if empty { output.append(0x0A) } else { indent(depth + 1) }
        }

        mutating func separate(depth: Int) {
            output.append(UInt8(ascii: ","))
            guard pretty else { return }
            output.append(0x0A)
            indent(depth)
        }

        /// A member's key and its colon (` : ` when pretty).
        mutating func writeKey(_ key: String) {
            writeString(key)
            if pretty {
                output.append(contentsOf: [0x20, UInt8(ascii: ":"), 0x20])
            } else {
                output.append(UInt8(ascii: ":"))
            }
        }

        /// For a writer that does not know a container's size when it opens it (one pass): before its member or
        /// element number `index` in a container at `depth`, what `open` and `separate` write there.
        mutating func beforeItem(_ index: Int, depth: Int) {
            guard index == 0 else { return separate(depth: depth + 1) }
            guard pretty else { return }
            output.append(0x0A)
            indent(depth + 1)
        }

        /// For the same writer: closes a container at `depth` that got `count` members or elements, with what `open`
        /// writes inside an empty one, then `close`.
        mutating func close(_ bracket: UInt8, count: Int, depth: Int) {
            if count == 0 && pretty { output.append(contentsOf: [0x0A, 0x0A]) }
            close(bracket, empty: count == 0, depth: depth)
        }

        mutating func close(_ bracket: UInt8, empty: Bool, depth: Int) {
            if pretty {
                if !empty { output.append(0x0A) }
                indent(depth)
            }
            output.append(bracket)
        }

        mutating func indent(_ depth: Int) {
            if 2 * depth <= Self.spaces.count {
                output.append(contentsOf: Self.spaces[..<(2 * depth)])
            } else {
                output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
            }
        }

        static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 128)

        /// The members in the order of their keys' bytes; of a key given twice, the last.
        static func sortedMembers(_ members: [(key: String, node: Node)]) -> [(key: String, node: Node)] {
            // A report's objects have a dozen members or so: sorted in place by insertion (stable, so that of a key
            // given twice the last stays last), where the general sort below cost more in closures than compares.
            if members.count <= 32 {
                var sorted = members
                var unique = true
                for index in sorted.indices.dropFirst() {
                    var position = index
                    while position > 0 {
                        let order = compareBytes(sorted[position - 1].key, sorted[position].key)
                        if order == 0 { unique = false }
                        guard order > 0 else { break }
                        sorted.swapAt(position - 1, position)
                        position -= 1
                    }
                }
                if unique { return sorted }
                var kept: [(key: String, node: Node)] = []
                kept.reserveCapacity(sorted.count)
                for member in sorted {
                    if let last = kept.last, compareBytes(last.key, member.key) == 0 {
                        kept[kept.count - 1] = member
                    } else {
                        kept.append(member)
                    }
                }
                return kept
            }
            let order = members.indices.sorted { left, right in
                let order = compareBytes(members[left].key, members[right].key)
                return order == 0 ? left < right : order < 0
            }
            var sorted: [(key: String, node: Node)] = []
            sorted.reserveCapacity(members.count)
            for index in order {
                if let last = sorted.last, compareBytes(last.key, members[index].key) == 0 {
                    sorted[sorted.count - 1] = members[index]
                } else {
                    sorted.append(members[index])
                }
            }
            return sorted
        }

        /// How the UTF-8 bytes of `a` order against those of `b`: negative, zero or positive, as `memcmp`.
        static func compareBytes(_ a: String, _ b: String) -> Int {
            var a = a
            var b = b
            return a.withUTF8 { left in
                b.withUTF8 { right in
                    let common = min(left.count, right.count)
                    let order = common == 0 ? 0 : Int(memcmp(left.baseAddress!, right.baseAddress!, common))
                    return order != 0 ? order : left.count - right.count
                }
            }
        }

        static let hexDigits = Array("0123456789abcdef".utf8)

        mutating func writeString(_ text: String) {
            output.append(UInt8(ascii: "\""))
            var text = text
            text.withUTF8 { bytes in
                var plain = true
                for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    plain = false
                    break
                }
                if plain {
                    output.append(contentsOf: bytes)
                } else {
                    for byte in bytes { escape(byte) }
                }
            }
            output.append(UInt8(ascii: "\""))
        }

        mutating func escape(_ byte: UInt8) {
            let backslash = UInt8(ascii: "\\")
            switch byte {
            case UInt8(ascii: "\""), backslash: output.append(contentsOf: [backslash, byte])
            case 0x08: output.append(contentsOf: [backslash, UInt8(ascii: "b")])
            case 0x09: output.append(contentsOf: [backslash, UInt8(ascii: "t")])
            case 0x0A: output.append(contentsOf: [backslash, UInt8(ascii: "n")])
            case 0x0C: output.append(contentsOf: [backslash, UInt8(ascii: "f")])
            case 0x0D: output.append(contentsOf: [backslash, UInt8(ascii: "r")])
            case 0..<0x20:
                output.append(contentsOf: [backslash, UInt8(ascii: "u"), 0x30, 0x30])
                output.append(contentsOf: [Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 15)]])
            default: output.append(byte)
            }
        }
    }
}
