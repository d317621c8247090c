import Foundation
import Testing

@testable import GraderCore

/// `JSONText.decode` against Foundation's `JSONDecoder`: wherever the fast reader returns a value it is Foundation's,
/// and what it refuses is read by Foundation.
@Suite("JSON read as Foundation reads it, faster")
struct JSONTextDecodingTests {
    /// Every kind of field the grader's files hold, and some they do not.
    struct Sample: Codable, Equatable {
        enum Kind: String, Codable { case plain, fancy }
        enum Shape: Codable, Equatable {
            case dot
            case line(length: Double)
            case box(Int, label: String?)
        }
        var text: String
        var number: Double
        var whole: Int
        var small: Int8
        var seed: UInt64
        var flag: Bool
        var maybe: Double?
        var missing: String?
        var list: [Double]
        var nested: [[Int]]
        var table: [String: Double]
        var kind: Kind
        var shape: Shape
        var children: [Sample]

        static func make(_ random: inout SeededGenerator, depth: Int) -> Sample {
            func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
            let number = { (random: inout SeededGenerator) -> Double in
                // Subnormals are handed over (see `edgeCases`), so none here.
                let value = Double(bitPattern: random.next())
                return value.isFinite && !value.isSubnormal
                    ? value : Double(Int.random(in: -1000...1000, using: &random)) / 7
            }
            let pieces = ["a", "é", "e\u{301}", "😀", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}", "\u{2028}", " "]
            let text = (0..<Int.random(in: 0..<6, using: &random)).map { _ in pick(pieces) }.joined()
            return Sample(
                text: text,
                number: Bool.random(using: &random)
                    ? number(&random) : pick([0, -0.0, 1e300, 2.2250738585072014e-308, 0.1]),
                whole: Int.random(in: Int.min...Int.max, using: &random) >> Int.random(in: 0..<64, using: &random),
                small: Int8.random(in: .min ... .max, using: &random), seed: random.next(),
                flag: Bool.random(using: &random), maybe: Bool.random(using: &random) ? nil : number(&random),
                missing: Bool.random(using: &random) ? nil : text,
                list: (0..<Int.random(in: 0..<5, using: &random)).map { _ in number(&random) },
                nested: (0..<Int.random(in: 0..<3, using: &random)).map { _ in [Int.random(in: -9...9, using: &random)]
                },
                table: Dictionary(
                    (0..<Int.random(in: 0..<4, using: &random)).map { _ in (pick(["a", "b", "é", ""]), number(&random))
                    },
                    uniquingKeysWith: { first, _ in first }),
                kind: pick([.plain, .fancy]),
                shape: pick([
                    .dot, .line(length: number(&random)), .box(Int.random(in: -5...5, using: &random), label: nil),
                ]),
                children: depth < 2
                    ? (0..<Int.random(in: 0..<3, using: &random)).map { _ in make(&random, depth: depth + 1) } : []
            )
        }
    }

    static func foundation<Value: Decodable>(_ type: Value.Type, _ text: String) -> Value? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func fast<Value: Decodable>(_ type: Value.Type, _ text: String) -> Value? {
        try? JSONText.fastDecode(type, from: Data(text.utf8))
    }

    @Test("every report the bundled submissions get, pretty and on one line, and each problem's cached grade")
    func bundledReports() throws {
        for (session, assignment) in [
            (TestSupport.session, "hw6"), (TestSupport.calculusSession, "calculus-backprop"),
            (TestSupport.trainingSession, "training"),
        ] {
            let root = TestSupport.packageRoot + "/submissions/" + assignment
            for student in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
                let report = try session.grade(folder: root + "/" + student)
                for pretty in [true, false] {
                    let data = Data(try JSONText.encode(report, pretty: pretty))
                    let fast = try JSONText.fastDecode(GradeReport.self, from: data)
                    let foundation = try JSONDecoder().decode(GradeReport.self, from: data)
                    #expect(fast == report && fast == foundation)
                }
                for problem in report.problems {
                    let data = Data(try JSONText.encode(problem, pretty: false))
                    #expect(try JSONText.fastDecode(ProblemGrade.self, from: data) == problem)
                }
            }
        }
    }

    @Test("2,000 random values as Foundation wrote them; 20,000 mutations of them read as Foundation reads them")
    func randomAndMutated() throws {
        var random = SeededGenerator(seed: 20_261_204)
        let encoder = JSONEncoder()
        var texts: [Data] = []
        for index in 0..<2_000 {
            let value = Sample.make(&random, depth: 0)
            encoder.outputFormatting = index.isMultiple(of: 2) ? [.prettyPrinted, .sortedKeys] : []
            let data = try encoder.encode(value)
            texts.append(data)
            let fast = try JSONText.fastDecode(Sample.self, from: data)
            #expect(fast == value && fast.number.bitPattern == value.number.bitPattern)
        }
        var agreed = (read: 0, refusedByBoth: 0, handedOver: 0)
        let alphabet = Array(#"{}[]":,-+.eE0123456789 \ntrufalsn/\u"#.utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0xED, 0xA0]
        for _ in 0..<20_000 {
            var bytes = Array(texts[Int.random(in: 0..<texts.count, using: &random)])
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &random)], at: at)
                default: bytes[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                }
            }
            let data = Data(bytes)
            let foundation = try? JSONDecoder().decode(Sample.self, from: data)
            let fast = try? JSONText.fastDecode(Sample.self, from: data)
            if let fast {
                #expect(fast == foundation, "read otherwise than Foundation: \(String(decoding: bytes, as: UTF8.self))")
                agreed.read += 1
            } else if foundation == nil {
                agreed.refusedByBoth += 1
            } else {
                agreed.handedOver += 1
            }
            #expect((try? JSONText.decode(Sample.self, from: data)) == foundation)
        }
        // The mutations reach every outcome: read alike, refused alike, and handed over.
        #expect(agreed.read > 500 && agreed.refusedByBoth > 5_000 && agreed.handedOver > 0, "\(agreed)")
    }

    @Test("what Foundation reads its own way, or refuses, is never read otherwise here")
    func edgeCases() {
        // Double: out of range, negative zero, the shortest subnormal, digits beyond a double's precision.
        for text in [
            "1E400", "-1e400", "-0", "-0.0", "0.0e-400", "0.0e400", "-0.000", "0.0", "5e-324",
            "4.9406564584124654e-324",
            "0.30000000000000004441",
        ] {
            let fast = Self.fast(Double.self, text)
            #expect(fast == nil || fast?.bitPattern == Self.foundation(Double.self, text)?.bitPattern, "\(text)")
        }
        #expect(Self.fast(Double.self, "1E400") == nil && Self.fast(Double.self, "-0")?.sign == .minus)
        // Found by the mutations below: Foundation refuses `0e1` as a `Double` (and reads it as the `Int` 0).
        #expect(Self.foundation(Double.self, "0e1") == nil && Self.foundation(Double.self, "-0e1") == 0)
        // Found by reading Foundation's check for a true zero, which reads the digits four bytes at a time.
        #expect(Self.foundation(Double.self, "0.00e1") == nil && Self.foundation(Double.self, "-0.0e1") == nil)
        // Underflow, to zero or to a subnormal, is handed over: Foundation refuses some of it.
        let zeros = ["0e1", "0E1", "-0e1", "0e-1", "0.00e1", "-0.0e1", "0.00e-1", "0.000000e1", "0.0e1"]
        for text in ["1e-400", "-2.5e-2911", "5e-324", "2.2250738585072011e-308"] + zeros {
            #expect(Self.fast(Double.self, text) == nil, "\(text)")
        }
        #expect(
            Self.fast(Double.self, "0.0") == 0 && Self.fast(Double.self, "-0.000")?.sign == .minus
                && Self.fast(Double.self, "2.2250738585072014e-308") != nil)
        // Integers: a fraction, an exponent, a sign on an unsigned type, overflow: handed over.
        for text in ["1.0", "1e2", "-0", "-1", "18446744073709551616", "9223372036854775808", "128", "01", "+1"] {
            let fast = Self.fast(Int8.self, text)
            #expect(fast == nil || fast == Self.foundation(Int8.self, text), "\(text)")
            let unsigned = Self.fast(UInt64.self, text)
            #expect(unsigned == nil || unsigned == Self.foundation(UInt64.self, text), "\(text)")
        }
        #expect(Self.fast(Int.self, "1.0") == nil && Self.fast(UInt.self, "-0") == nil)
        // Strings: every escape, a surrogate pair, a lone surrogate, a raw control character, invalid UTF-8.
        let strings = [
            #""\"\\\/\b\f\n\r\t\u00e9\u0000""#, #""\ud83d\ude00""#, #""\ud83d""#, #""\ude00x""#, "\"a\u{1}b\"",
            #""\x""#, "\"\u{e9}\"", "\"e\u{301}\"",
        ]
        for text in strings {
            let fast = Self.fast(String.self, text)
            #expect(fast == nil || fast == Self.foundation(String.self, text), "\(text)")
        }
        #expect(Self.fast(String.self, #""\ud83d\ude00""#) == "😀" && Self.fast(String.self, #""\ud83d""#) == nil)
        #expect((try? JSONText.fastDecode(String.self, from: Data([0x22, 0xFF, 0x22]))) == nil)
        // Whole texts: a byte-order mark, trailing garbage or comma, two values, nothing.
        for text in ["\u{FEFF}[1]", "[1] x", "[1,]", "[1] [2]", "", " ", "[1", "{\"a\":1,}", "[01]", "[.5]", "[1.]"] {
            let fast = Self.fast([Int].self, text)
            #expect(fast == nil || fast == Self.foundation([Int].self, text), "\(text)")
        }
        #expect(Self.fast([Int].self, " [ 1 , 2 ]\n") == [1, 2])
    }

    @Test("a key twice, keys equal as Swift strings, deep nesting and Foundation-only types are handed over")
    func handedOver() throws {
        struct One: Codable, Equatable { var a: Int }
        for text in [#"{"a":1,"a":2}"#, "{\"\u{e9}\":1,\"e\u{301}\":2,\"a\":3}"] {
            #expect(Self.fast(One.self, text) == nil)
            #expect((try? JSONText.decode(One.self, from: Data(text.utf8))) == Self.foundation(One.self, text))
        }
        // A key twice among many members (the reader checks for it with a set past 16).
        let many = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(Self.fast([String: Int].self, "{\(many)}")?.count == 20)
        #expect(Self.fast([String: Int].self, "{\(many),\"k3\":0}") == nil)
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(Self.fast(Nest.self, deep) == nil)
        let shallow = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(
            Self.fast(Nest.self, shallow) != nil && Self.fast(Nest.self, shallow) == Self.foundation(Nest.self, shallow)
        )
        struct Odd: Codable, Equatable {
            var when: Date
            var bytes: Data
            var link: URL
            var ratio: Float
        }
        let odd = Odd(
            when: Date(timeIntervalSince1970: 5), bytes: Data([1, 2]), link: URL(string: "https://a.b/c")!, ratio: 0.1)
        let data = try JSONEncoder().encode(odd)
        #expect((try? JSONText.fastDecode(Odd.self, from: data)) == nil)
        #expect(try JSONText.decode(Odd.self, from: data) == odd)
    }

    @Test("a 128-bit integer, keys one `[Int: X]` reads as the same, and a type that decodes itself are handed over")
    func selfDecoding() throws {
        #expect((try? JSONText.fastDecode(Int128.self, from: Data("5".utf8))) == nil)
        #expect((try? JSONText.decode(Int128.self, from: Data("5".utf8))) == Self.foundation(Int128.self, "5"))
        #expect((try? JSONText.fastDecode(UInt128.self, from: Data("5".utf8))) == nil)
        #expect(Self.fast([Int: Int].self, #"{"1": 1, "2": 2}"#) == [1: 1, 2: 2])
        #expect(
            Self.fast([Int: Int].self, #"{"1": 1, "2": 2}"#) == Self.foundation([Int: Int].self, #"{"1": 1, "2": 2}"#))
        #expect(Self.fast([Int: Int].self, #"{"1": 1, "01": 2}"#) == nil)
        #expect(Self.fast([Int: Int].self, #"{"1": 1, "+1": 2}"#) == nil)
        /// Decodes itself from a single value of its own type: without a bound, the reader would recurse until the
        /// stack ran out (Foundation's decoder does; so this is never handed to it here).
        struct Loop: Decodable {
            init(from decoder: any Decoder) throws { _ = try decoder.singleValueContainer().decode(Loop.self) }
        }
        #expect((try? JSONText.fastDecode(Loop.self, from: Data("1".utf8))) == nil)
    }

    /// Arrays in arrays, as deep as the text goes.
    indirect enum Nest: Decodable, Equatable {
        case list([Nest])
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            var items: [Nest] = []
            while !container.isAtEnd { items.append(try container.decode(Nest.self)) }
            self = .list(items)
        }
    }

    @Test("a type that catches a refusal and tries something else still gets Foundation's value")
    func caughtRefusal() throws {
        /// Reads a `Float` if it can, else says so: this reader refuses `Float`, Foundation reads it.
        struct Probe: Decodable, Equatable {
            var value: String
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                value = (try? container.decode(Float.self)).map { "float \($0)" } ?? "no float"
            }
        }
        #expect(try JSONText.decode(Probe.self, from: Data("0.5".utf8)).value == "float 0.5")
        #expect(try JSONDecoder().decode(Probe.self, from: Data("0.5".utf8)).value == "float 0.5")
        #expect((try? JSONText.fastDecode(Probe.self, from: Data("0.5".utf8))) == nil)
    }
}
