import Foundation

/// Writing a value as it encodes itself, with no tree in between: for types whose objects give their keys in the
/// order of the keys' bytes (the report types declare their `CodingKeys` so), whose output is then already sorted.
///
/// Anything this does not mirror makes it give up, and `JSONText.encode` writes the value through its tree as
/// before: a key out of order or given twice, a key that is not ASCII, a nested or super container, a value nested
/// past Foundation's depth, or any error (which the tree then reproduces). The output is the tree writer's byte for
/// byte; the tests compare both with Foundation's, and check that the reports take this path.
extension JSONText {
    /// Why a value could not be streamed.
    struct NotStreamable: Error {}

    /// `value` as JSON text written in one pass, or `nil` when it cannot be (see above).
    static func streamed<Value: Encodable>(_ value: Value, pretty: Bool, nonFinite: NonFiniteNames?) -> [UInt8]? {
        let stream = Stream(pretty: pretty, options: Options(nonFinite: nonFinite, unusual: Unusual()))
        do {
            // A top-level value that asks for no container, or for one it leaves empty of a single value, is
            // Foundation's to answer.
            if try scalarNode(of: value, options: stream.options) == nil {
                let encoder = StreamEncoder(stream: stream, depth: 0)
                try value.encode(to: encoder)
                guard encoder.state != .none, encoder.state != .single || encoder.count > 0 else { return nil }
                try encoder.finish()
            } else {
                try stream.write(value, depth: 0)
            }
        } catch {
            return nil
        }
        return stream.failed || stream.writer.unusual ? nil : stream.writer.output
    }

    /// The output of one streamed value, and whether anything gave up on the way.
    final class Stream {
        var writer: Writer
        let options: Options
        /// Set where a non-throwing `Encoder` method met what is not streamed (a nested container).
        var failed = false

        init(pretty: Bool, options: Options) {
            var output: [UInt8] = []
            output.reserveCapacity(4096)
            writer = Writer(pretty: pretty, output: output)
            self.options = options
        }

        /// Writes `value` at `depth`: a scalar directly, anything else through its `encode(to:)`.
        func write<Value: Encodable>(_ value: Value, depth: Int) throws {
            try guarded {
                guard depth < Writer.maxDepth, !failed else { throw NotStreamable() }
                if let scalar = try scalarNode(of: value, options: options) {
                    writer.write(scalar, depth: depth)
                    return
                }
                let encoder = StreamEncoder(stream: self, depth: depth)
                try value.encode(to: encoder)
                try encoder.finish()
            }
        }

        /// `body`, giving up on the stream if it throws: a type whose `encode(to:)` swallows the error (`try?`) would
        /// otherwise go on after half a member (a key written, its value not).
        func guarded<Result>(_ body: () throws -> Result) throws -> Result {
            do {
                return try body()
            } catch {
                failed = true
                throw error
            }
        }

        /// A stream whose output is thrown away, for the containers handed out after giving up.
        static func discarded() -> Stream {
            Stream(pretty: false, options: Options(nonFinite: nil, unusual: Unusual()))
        }
    }

    /// The encoder of one value being streamed: it opens the one container the value asks for and closes it when
    /// the value is done.
    final class StreamEncoder: Encoder {
        enum State { case none, keyed, unkeyed, single }

        let stream: Stream
        let depth: Int
        var state = State.none
        /// Members, elements or single values written so far.
        var count = 0
        /// The last key written, which the next must follow.
        var lastKey: String?
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(stream: Stream, depth: Int) {
            self.stream = stream
            self.depth = depth
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if state == .none {
                state = .keyed
                stream.writer.output.append(UInt8(ascii: "{"))
            } else if state != .keyed {
                return KeyedEncodingContainer(StreamKeyed(encoder: giveUp()))
            }
            return KeyedEncodingContainer(StreamKeyed(encoder: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if state == .none {
                state = .unkeyed
                stream.writer.output.append(UInt8(ascii: "["))
            } else if state != .unkeyed {
                return StreamUnkeyed(encoder: giveUp())
            }
            return StreamUnkeyed(encoder: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            guard state == .none || state == .single else { return StreamSingle(encoder: giveUp()) }
            state = .single
            return StreamSingle(encoder: self)
        }

        /// A number's node; a number it cannot write (non-finite, without names for it) gives up on the stream.
        func number(_ value: Double) throws -> Node {
            try stream.guarded { try JSONText.node(value, options: stream.options) }
        }

        func number(_ value: Float) throws -> Node {
            try stream.guarded { try JSONText.node(value, options: stream.options) }
        }

        /// Marks the stream as given up, and returns `error` to throw.
        func giveUp(_ error: NotStreamable) -> NotStreamable {
            stream.failed = true
            return error
        }

        /// Marks the stream as given up, and returns an encoder that writes nowhere that matters.
        func giveUp() -> StreamEncoder {
            stream.failed = true
            let discarded = StreamEncoder(stream: Stream.discarded(), depth: 0)
            discarded.state = .keyed
            return discarded
        }

        /// The key of the next member: written after the separator, if it follows the last in byte order.
        func key(_ key: String) throws {
            guard !stream.failed, key.utf8.allSatisfy({ $0 < 0x80 }) else { throw giveUp(NotStreamable()) }
            if let lastKey, Writer.compareBytes(lastKey, key) >= 0 { throw giveUp(NotStreamable()) }
            stream.writer.beforeItem(count, depth: depth)
            stream.writer.writeKey(key)
            lastKey = key
            count += 1
        }

        /// Before an element of the unkeyed container.
        func element() throws {
            guard !stream.failed else { throw giveUp(NotStreamable()) }
            stream.writer.beforeItem(count, depth: depth)
            count += 1
        }

        /// Closes the value's container; a value that asked for none is an empty object, as in the tree.
        func finish() throws {
            guard !stream.failed else { throw giveUp(NotStreamable()) }
            switch state {
            case .keyed: stream.writer.close(UInt8(ascii: "}"), count: count, depth: depth)
            case .unkeyed: stream.writer.close(UInt8(ascii: "]"), count: count, depth: depth)
            case .none, .single:
                if count == 0 {
                    stream.writer.output.append(UInt8(ascii: "{"))
                    stream.writer.close(UInt8(ascii: "}"), count: 0, depth: depth)
                }
            }
        }
    }

    struct StreamKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: StreamEncoder
        var codingPath: [any CodingKey] { [] }

        func literal(_ text: String, _ key: Key) throws {
            try encoder.key(key.stringValue)
            encoder.stream.writer.write(.literal(text), depth: encoder.depth + 1)
        }

        mutating func encodeNil(forKey key: Key) throws { try literal("null", key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try literal(value ? "true" : "false", key) }
        mutating func encode(_ value: String, forKey key: Key) throws {
            try encoder.key(key.stringValue)
            // Through `write(_:depth:)`, as every value: it marks a value past Foundation's depth.
            encoder.stream.writer.write(.string(value), depth: encoder.depth + 1)
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            try encoder.key(key.stringValue)
            encoder.stream.writer.write(
                try encoder.number(value), depth: encoder.depth + 1)
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            try encoder.key(key.stringValue)
            encoder.stream.writer.write(
                try encoder.number(value), depth: encoder.depth + 1)
        }
        mutating func encode(_ value: Int, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try literal(String(value), key) }
        mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws { try encode(value, key) }

        func encode<Value: Encodable>(_ value: Value, _ key: Key) throws {
            try encoder.key(key.stringValue)
            try encoder.stream.write(value, depth: encoder.depth + 1)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            KeyedEncodingContainer(StreamKeyed<NestedKey>(encoder: encoder.giveUp()))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            StreamUnkeyed(encoder: encoder.giveUp())
        }

        mutating func superEncoder() -> any Encoder { encoder.giveUp() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder.giveUp() }
    }

    struct StreamUnkeyed: UnkeyedEncodingContainer {
        let encoder: StreamEncoder
        var codingPath: [any CodingKey] { [] }
        var count: Int { encoder.count }

        func literal(_ text: String) throws {
            try encoder.element()
            encoder.stream.writer.write(.literal(text), depth: encoder.depth + 1)
        }

        mutating func encodeNil() throws { try literal("null") }
        mutating func encode(_ value: Bool) throws { try literal(value ? "true" : "false") }
        mutating func encode(_ value: String) throws {
            try encoder.element()
            encoder.stream.writer.write(.string(value), depth: encoder.depth + 1)
        }
        mutating func encode(_ value: Double) throws {
            try encoder.element()
            encoder.stream.writer.write(
                try encoder.number(value), depth: encoder.depth + 1)
        }
        mutating func encode(_ value: Float) throws {
            try encoder.element()
            encoder.stream.writer.write(
                try encoder.number(value), depth: encoder.depth + 1)
        }
        mutating func encode(_ value: Int) throws { try literal(String(value)) }
        mutating func encode(_ value: Int8) throws { try literal(String(value)) }
        mutating func encode(_ value: Int16) throws { try literal(String(value)) }
        mutating func encode(_ value: Int32) throws { try literal(String(value)) }
        mutating func encode(_ value: Int64) throws { try literal(String(value)) }
        mutating func encode(_ value: UInt) throws { try literal(String(value)) }
        mutating func encode(_ value: UInt8) throws { try literal(String(value)) }
        mutating func encode(_ value: UInt16) throws { try literal(String(value)) }
        mutating func encode(_ value: UInt32) throws { try literal(String(value)) }
        mutating func encode(_ value: UInt64) throws { try literal(String(value)) }
        mutating func encode<Value: Encodable>(_ value: Value) throws { try write(value) }

        func write<Value: Encodable>(_ value: Value) throws {
            try encoder.element()
            try encoder.stream.write(value, depth: encoder.depth + 1)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            KeyedEncodingContainer(StreamKeyed<NestedKey>(encoder: encoder.giveUp()))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            StreamUnkeyed(encoder: encoder.giveUp())
        }

        mutating func superEncoder() -> any Encoder { encoder.giveUp() }
    }

    /// A value written in place of the one that asked for it (a raw-value enum, a wrapper): at the same depth.
    struct StreamSingle: SingleValueEncodingContainer {
        let encoder: StreamEncoder
        var codingPath: [any CodingKey] { [] }

        /// Claims the container's one value: a second is a misuse the tree would take as a replacement.
        func claim() throws {
            guard encoder.count == 0, !encoder.stream.failed else { throw encoder.giveUp(NotStreamable()) }
            encoder.count = 1
        }

        func set(_ node: Node) throws {
            try claim()
            encoder.stream.writer.write(node, depth: encoder.depth)
        }

        mutating func encodeNil() throws { try set(.literal("null")) }
        mutating func encode(_ value: Bool) throws { try set(.literal(value ? "true" : "false")) }
        mutating func encode(_ value: String) throws { try set(.string(value)) }
        mutating func encode(_ value: Double) throws {
            try set(try encoder.number(value))
        }
        mutating func encode(_ value: Float) throws {
            try set(try encoder.number(value))
        }
        mutating func encode(_ value: Int) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: Int8) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: Int16) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: Int32) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: Int64) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: UInt) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: UInt8) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: UInt16) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: UInt32) throws { try set(.literal(String(value))) }
        mutating func encode(_ value: UInt64) throws { try set(.literal(String(value))) }
        mutating func encode<Value: Encodable>(_ value: Value) throws {
            try claim()
            try encoder.stream.write(value, depth: encoder.depth)
        }
    }
}
