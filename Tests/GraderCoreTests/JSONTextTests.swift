import Foundation
import Testing

@testable import GraderCore

/// `JSONText` must write what Foundation's `JSONEncoder` writes, byte for byte: results files, the class summary and
/// Gradescope's file are read by people's scripts and compared across runs.
@Suite("JSON written as Foundation writes it, faster")
struct JSONTextTests {
    /// Foundation's encoder with the options the reports use.
    static func foundation<Value: Encodable>(_ value: Value, pretty: Bool = true, nonFinite: Bool = true) throws
        -> String
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        if nonFinite {
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func fast<Value: Encodable>(_ value: Value, pretty: Bool = true, nonFinite: Bool = true) throws -> String {
        let bytes = try JSONText.encode(value, pretty: pretty, nonFinite: nonFinite ? JSONText.NonFiniteNames() : nil)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("every report the bundled submissions get, and those reports with every optional field set, as Foundation")
    func bundledReports() throws {
        var reports: [GradeReport] = []
        for (session, assignment) in [
            (TestSupport.session, "hw6"), (TestSupport.calculusSession, "calculus-backprop"),
            (TestSupport.trainingSession, "training"),
        ] {
            let root = TestSupport.packageRoot + "/submissions/" + assignment
            for student in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
                reports.append(try session.grade(folder: root + "/" + student))
            }
        }
        #expect(reports.count == 9)
        #expect(reports.contains { $0.allParts.contains { $0.plot != nil } })
        // The same reports with the fields a batch adds and strings that need escaping.
        var batchReports: [GradeReport] = []
        for var report in reports {
            var late = LateAdjustment(
                due: "2026-12-01T00:00:00Z", dueSource: "assignment.yaml", raw: report.score, total: report.score * 0.9)
            late.submittedAt = "2026-12-02T10:00:00Z"
            late.submittedSource = "git commit 1a2b3c4"
            late.minutesLate = 2040
            late.daysLate = 2
            late.lateDaysUsed = 1
            late.penalty = 0.1
            late.explanation = "2 days \"late\"\t\u{1}"
            report.late = late
            report.keptHigher = KeptGrade(total: 30, regraded: 29.5)
            report.student = "s/1\\é😀\u{7f}\u{2028}"
            report.problems[0].inputs = GradeInputs(problem: "p", submission: "s", grader: "g")
            batchReports.append(report)
            report.problems[0].parts[0].flag = PartGrade.Flag(reason: .publicOnly, detail: "3 of 3 public\n0 hidden")
            report.problems[0].parts[0].trials = PartGrade.TrialTally(
                publicPassed: 3, publicTotal: 3, hiddenPassed: nil, hiddenTotal: 20)
            report.problems[0].parts[0].mistakeFormula = "2 X^\\top"
            report.problems[0].parts[0].output = "printed\n\u{1b}[31mred"
            report.warnings.append(Diagnostic(.warning, file: "answers.yaml", line: 3, "a \"warning\""))
            report.problems[0].parts[0].details += ["", "\u{0}\u{8}\u{c}\r\u{1f}", "/path/with/slashes"]
            report.problems[0].score = .nan
            report.problems[0].maxScore = .infinity
            report.score = -.infinity
            reports.append(report)
        }
        for report in reports {
            // In one pass (every report type declares its keys in byte order), and as Foundation writes it.
            let names = JSONText.NonFiniteNames()
            #expect(JSONText.streamed(report, pretty: true, nonFinite: names) != nil)
            #expect(JSONText.streamed(report, pretty: false, nonFinite: names) != nil)
            #expect(try Self.fast(report) == Self.foundation(report))
            #expect(JSONReporter().render(report) == (try Self.foundation(report)) + "\n")
            // On one line, for the cache: the same JSON, read back as the same report.
            if report.score.isFinite {
                let line = try JSONText.encode(report, pretty: false)
                #expect(try JSONDecoder().decode(GradeReport.self, from: Data(line)) == report)
                #expect(String(decoding: line, as: UTF8.self) == (try Self.foundation(report, pretty: false)))
            }
        }
        // Field by field (`JSONMembers`), as the tree writes it: on one line too, for the grade cache, and
        // refusing a non-finite number without names for it as Foundation does.
        for report in reports {
            let names = JSONText.NonFiniteNames()
            #expect(
                try JSONText.members(report, pretty: true, nonFinite: names)
                    == JSONText.encode(report, pretty: true, nonFinite: names))
            for problem in report.problems {
                if problem.score.isFinite && problem.maxScore.isFinite {
                    #expect(
                        String(decoding: try JSONText.members(problem, pretty: false), as: UTF8.self)
                            == (try Self.foundation(problem, pretty: false, nonFinite: false)))
                } else {
                    #expect(throws: EncodingError.self) { try JSONText.members(problem, pretty: false) }
                }
            }
        }
        // Every optional field of every type in a report is set, and every list has an element, somewhere in these
        // reports: a field added later and left out of `writeMembers` shows as a difference from Foundation above.
        var fields: [String: Bool] = [:]
        for report in reports { Self.fieldsSet(report, into: &fields) }
        let unset = fields.filter { !$0.value }.keys.sorted()
        #expect(!fields.isEmpty && unset.isEmpty, "never set: \(unset)")
        let types = Set(fields.keys.map { $0.split(separator: ".").dropLast().joined(separator: ".") })
        #expect(
            types.isSuperset(of: ["GradeReport", "ProblemGrade", "PartGrade", "TrialTally", "CurvePlot"]), "\(types)")
        // What a regrade reads of `results.json` is what the report held.
        for report in reports.filter({ $0.score.isFinite }) + batchReports {
            let data = Data(JSONReporter().render(report).utf8)
            let previous = try JSONText.fastDecode(PreviousGrade.self, from: data)
            #expect(previous == PreviousGrade(report) && previous.total == report.total)
            #expect(previous == (try JSONDecoder().decode(PreviousGrade.self, from: data)))
        }
        #expect(batchReports.allSatisfy { PreviousGrade($0).late != nil && PreviousGrade($0).keptHigher != nil })
    }

    @Test("summary.json, written field by field, is Foundation's: with every field set, and as a class's run writes it")
    func summaryMembers() throws {
        // Every optional field set and every list holding an element, with numbers and strings that need care.
        let text = #"""
            {"assignment": "HW6 \"é\" / 😀",
            "changes": [{"newScore": 2.5, "oldScore": 0.1, "part": "p", "problem": "q", "student": "s\n1",
            "why": "the reference changed"}, {"part": "total", "problem": "", "student": "t",
            "why": "not in the previous run"}], "compileErrors": ["a", "b"],
            "flags": [{"detail": "3/3 public\t0 hidden", "hiddenTrials": "0/20", "part": "x.y",
            "publicTrials": "3/3", "reason": "public-only", "student": "s"}],
            "fullMarks": 3, "generated": "2026-12-06T00:00:00Z", "highest": 26,
            "histogram": [{"from": 0, "students": 4, "to": 2.6}],
            "late": [{"daysLate": 2, "explanation": "2 days", "lateDaysUsed": 1, "penalty": 0.1,
            "rejected": false, "student": "s", "submittedAt": "2026-12-02T10:00:00Z"}], "lowest": -0.0,
            "maxScore": 26, "mean": 12.98, "median": 1e-7, "parts": [{"maxScore": 2, "meanScore": 0.333333333333,
            "mistakes": [{"feedback": "transposed", "formula": "2 X^\\top", "students": 7}], "part": "p",
            "passRate": 1, "problem": "q"}], "schemaVersion": 1,
            "similarity": [{"lines": [{"a": [3, 9], "b": [5, 12]}, {"a": [-1, 0], "b": [123456789012, 2]}],
            "problem": "q", "score": 0.6666666666666666, "students": ["a", "b/c"]}],
            "similarityThreshold": 0.6, "standardDeviation": 1.5e300, "students": 200, "timedOut": ["h"],
            "unsandboxed": "rlimits only: \u0001"}
            """#
        let full = try JSONDecoder().decode(ClassSummary.self, from: Data(text.utf8))
        var fields: [String: Bool] = [:]
        Self.fieldsSet(full, into: &fields)
        let unset = fields.filter { !$0.value }.keys.sorted()
        #expect(!fields.isEmpty && unset.isEmpty, "never set: \(unset)")
        // A class's own summary: the bundled submissions, with a pair of them alike.
        let root = TestSupport.packageRoot + "/submissions/hw6"
        let students = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        var similarity = ClassSimilarity()
        similarity.matches = [
            SimilarityMatch(
                problem: "variance-recursion", students: Array(students.prefix(2)), score: 0.75,
                lines: [MatchedRegion(a: [1, 4], b: [2, 5])])
        ]
        let report = ClassReport(
            students: try students.map { ($0, try TestSupport.session.grade(folder: root + "/" + $0)) },
            similarity: similarity)
        for summary in [full, report.summary()] {
            let written = try JSONText.members(summary, pretty: true)
            #expect(String(decoding: written, as: UTF8.self) == (try Self.foundation(summary, nonFinite: false)))
            #expect(written == (try JSONText.encode(summary, pretty: true)))
        }
        #expect(report.summaryJSON() == (try Self.foundation(report.summary(), nonFinite: false)) + "\n")
        // A number JSON cannot hold is refused, as Foundation refuses it, and the summary is left empty.
        var broken = report.students
        broken[0].report.score = .nan
        let unwritable = ClassReport(students: broken).summary()
        #expect(throws: EncodingError.self) { try Self.foundation(unwritable, nonFinite: false) }
        #expect(throws: EncodingError.self) { try JSONText.members(unwritable, pretty: true) }
        #expect(ClassReport(students: broken).summaryJSON() == "{}\n")
    }

    /// Records, for each optional stored property and each list in `value`'s tree (`Type.property`), whether any
    /// instance had it set (a list: had an element).
    static func fieldsSet(_ value: Any, into fields: inout [String: Bool]) {
        let mirror = Mirror(reflecting: value)
        for child in mirror.children {
            let inner = Mirror(reflecting: child.value)
            let name = "\(type(of: value)).\(child.label ?? "?")"
            switch inner.displayStyle {
            case .optional:
                fields[name] = fields[name] == true || !inner.children.isEmpty
                if let some = inner.children.first { fieldsSet(some.value, into: &fields) }
            case .collection:
                fields[name] = fields[name] == true || !inner.children.isEmpty
                for element in inner.children { fieldsSet(element.value, into: &fields) }
            case .struct:
                fieldsSet(child.value, into: &fields)
            default:
                break
            }
        }
    }

    @Test("the variant store's lines, written field by field, are Foundation's and read back as the same keys")
    func variantStoreLines() throws {
        typealias Key = ReferenceResults.Stored.Key
        let every: [SnippetValue] = [
            .int(0), .int(-4_611_686_018_427_387_904), .double(-0.0), .double(0.1), .double(1e-300), .double(-2.5e20),
            .bool(true), .bool(false), .string("\"é\\ / \u{1}\n"), .array([]), .tuple([.int(1), .double(2)]),
            .array([.array([.double(3.375), .double(-5.625)]), .tuple([.string("x"), .array([.bool(true)])])]),
        ]
        let lines = [
            GradingSession.StoredVariant(variant: "v0", keys: [:]),
            GradingSession.StoredVariant(
                variant: "v1",
                keys: [
                    "zeta": Key(expected: nil, mistakeValues: [], mistakeFeedback: []),
                    "alpha-β": Key(expected: .tuple(every), mistakeValues: every, mistakeFeedback: ["one", "t\two"]),
                    "Alpha": Key(expected: .double(1), mistakeValues: [.int(2)], mistakeFeedback: ["a"]),
                    "alpha": Key(expected: every[0], mistakeValues: Array(every.reversed()), mistakeFeedback: []),
                ]),
        ]
        for line in lines {
            let written = try JSONText.members(line, pretty: false)
            #expect(written == (try JSONText.encode(line, pretty: false)))
            #expect(String(decoding: written, as: UTF8.self) == (try Self.foundation(line, pretty: false)))
            let read = try JSONText.decode(GradingSession.StoredVariant.self, from: Data(written))
            #expect(read.variant == line.variant && read.keys.keys.sorted() == line.keys.keys.sorted())
            for (name, key) in line.keys {
                #expect(
                    read.keys[name]?.expected == key.expected && read.keys[name]?.mistakeValues == key.mistakeValues)
                #expect(read.keys[name]?.mistakeFeedback == key.mistakeFeedback)
            }
        }
        // A key no line can hold (a non-finite value) is refused, as Foundation refuses it: the line is left out.
        let infinite = GradingSession.StoredVariant(
            variant: "v2", keys: ["k": Key(expected: .double(.infinity), mistakeValues: [], mistakeFeedback: [])])
        #expect(throws: EncodingError.self) { try JSONText.members(infinite, pretty: false) }
        #expect(throws: EncodingError.self) { try JSONText.encode(infinite, pretty: false) }
    }

    @Test("a non-finite number without names for it is an error, as Foundation's")
    func nonFiniteWithoutNames() throws {
        #expect(throws: EncodingError.self) { try Self.fast([1.0, .nan], nonFinite: false) }
        #expect(throws: EncodingError.self) { try Self.foundation([1.0, .nan], nonFinite: false) }
        #expect(try Self.fast([1.0, -.infinity]) == Self.foundation([1.0, -.infinity]))
    }

    @Test("a value holding a type Foundation writes its own way (Date, Data, URL, Decimal) is written by Foundation")
    func foundationTypes() throws {
        struct Odd: Encodable {
            let when = Date(timeIntervalSince1970: 1_780_000_000.25)
            let bytes = Data([0, 1, 254])
            let link = URL(string: "https://example.org/a b")
            let amount = Decimal(string: "12.50")!
            let score = 3.0
        }
        #expect(try Self.fast(Odd()) == Self.foundation(Odd()))
        #expect(try Self.fast([Odd()], pretty: false) == Self.foundation([Odd()], pretty: false))
    }

    @Test(
        "what this encoder leaves to Foundation's gives Foundation's bytes or error: super-encoders, equal keys, depth")
    func unusualValues() throws {
        /// A subclass writing its superclass's fields through a super-encoder, keyed and unkeyed.
        struct Inherited: Encodable {
            enum Key: String, CodingKey {
                case own
                case list
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(1, forKey: .own)
                var parent = container.superEncoder().unkeyedContainer()
                try parent.encode("from the parent")
                var list = container.nestedUnkeyedContainer(forKey: .list)
                var single = list.superEncoder().singleValueContainer()
                try single.encode(2.5)
            }
        }
        #expect(try Self.fast(Inherited()) == Self.foundation(Inherited()))
        // Keys Swift calls equal whose bytes differ are one key to Foundation.
        let accents = Random.object([("\u{e9}", .int(1)), ("e\u{301}", .int(2)), ("f", .int(3))])
        #expect(try Self.fast(accents) == Self.foundation(accents))
        #expect(try Self.fast(accents, pretty: false) == Self.foundation(accents, pretty: false))
        // Nothing encoded at the top (an error from both), or in a nested value.
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: EncodingError.self) { try Self.foundation(Nothing()) }
        #expect(throws: EncodingError.self) { try Self.fast(Nothing()) }
        #expect(try Self.fast([Nothing()], pretty: false) == Self.foundation([Nothing()], pretty: false))
        // Around and past the depth Foundation refuses (512 arrays): whatever Foundation does, the same.
        for depth in [511, 512, 600] {
            var deep = Random.int(7)
            for _ in 0..<depth { deep = .array([deep]) }
            let foundationDeep = Result { try Self.foundation(deep, pretty: false) }
            let fastDeep = Result { try Self.fast(deep, pretty: false) }
            #expect((try? foundationDeep.get()) == (try? fastDeep.get()), "depth \(depth)")
        }
    }

    /// A random JSON-like value: objects with keys that sort in surprising orders and need escaping.
    indirect enum Random: Encodable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case float(Float)
        case string(String)
        case array([Random])
        case object([(String, Random)])
        case optional(Int?)

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .null:
                var single = encoder.singleValueContainer()
                try single.encodeNil()
            case .bool(let value): try value.encode(to: encoder)
            case .int(let value): try value.encode(to: encoder)
            case .double(let value): try value.encode(to: encoder)
            case .float(let value): try value.encode(to: encoder)
            case .string(let value): try value.encode(to: encoder)
            case .optional(let value): try value.encode(to: encoder)
            case .array(let elements):
                var container = encoder.unkeyedContainer()
                for element in elements { try container.encode(element) }
            case .object(let members):
                var container = encoder.container(keyedBy: Key.self)
                for (key, value) in members {
                    switch value {
                    case .double(let number): try container.encode(number, forKey: Key(stringValue: key))
                    case .string(let text): try container.encode(text, forKey: Key(stringValue: key))
                    case .null: try container.encodeNil(forKey: Key(stringValue: key))
                    case .optional(let number): try container.encodeIfPresent(number, forKey: Key(stringValue: key))
                    case .array(let elements):
                        var nested = container.nestedUnkeyedContainer(forKey: Key(stringValue: key))
                        for element in elements { try nested.encode(element) }
                    default: try container.encode(value, forKey: Key(stringValue: key))
                    }
                }
            }
        }

        static func make(_ random: inout SeededGenerator, depth: Int) -> Random {
            let choice = Int.random(in: 0..<(depth > 3 ? 8 : 10), using: &random)
            switch choice {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &random))
            case 2:
                return .int(Int.random(in: Int.min...Int.max, using: &random) >> Int.random(in: 0..<64, using: &random))
            case 3: return .double(number(&random))
            case 4: return .float(Float(number(&random)))
            case 5: return .string(text(&random))
            case 6: return .optional(Bool.random(using: &random) ? nil : Int.random(in: -9...9, using: &random))
            case 7:
                return .double(
                    [0, -0.0, 1, 1e15, 1e16, 1e21, 5e-324, .infinity, -.infinity, .nan][
                        Int.random(in: 0..<10, using: &random)])
            case 8:
                return .array((0..<Int.random(in: 0..<5, using: &random)).map { _ in make(&random, depth: depth + 1) })
            default:
                // Keys once each: Foundation's encoder stops the program when a key given twice opens a container.
                var seen = Set<String>()
                return .object(
                    (0..<Int.random(in: 0..<6, using: &random)).compactMap { _ in
                        let name = key(&random)
                        let value = make(&random, depth: depth + 1)
                        return seen.insert(name).inserted ? (name, value) : nil
                    })
            }
        }

        /// Any bit pattern: subnormal, huge, tiny, negative zero, NaN.
        static func number(_ random: inout SeededGenerator) -> Double {
            Bool.random(using: &random)
                ? Double(bitPattern: random.next())
                : Double(Int.random(in: -100_000...100_000, using: &random))
                    / [1, 10, 1000, 3][
                        Int.random(in: 0..<4, using: &random)]
        }

        static func text(_ random: inout SeededGenerator) -> String {
            let pieces = [
                "a", "Z", "é", "😀", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}", "\u{7f}", "\u{2028}", " ",
            ]
            return (0..<Int.random(in: 0..<8, using: &random)).map { _ in
                pieces[Int.random(in: 0..<pieces.count, using: &random)]
            }.joined()
        }

        /// Keys from a small set, so that some repeat and some differ only in case or accent.
        static func key(_ random: inout SeededGenerator) -> String {
            ["a", "A", "b", "aa", "a1", "a10", "a2", "é", "e", "Z", "", "\"q\"", "k\n"][
                Int.random(in: 0..<13, using: &random)]
        }
    }

    /// A random value with every object's keys in byte order and no nested containers: what the one-pass writer
    /// takes (it gives up on objects with a key that is not ASCII).
    struct Sorted: Encodable {
        let value: Random

        func encode(to encoder: any Encoder) throws {
            switch value {
            case .array(let elements):
                var container = encoder.unkeyedContainer()
                for element in elements { try container.encode(Sorted(value: element)) }
            case .object(let members):
                var container = encoder.container(keyedBy: Random.Key.self)
                for (name, member) in members.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
                    let key = Random.Key(stringValue: name)
                    switch member {
                    case .double(let number): try container.encode(number, forKey: key)
                    case .float(let number): try container.encode(number, forKey: key)
                    case .string(let text): try container.encode(text, forKey: key)
                    case .bool(let flag): try container.encode(flag, forKey: key)
                    case .int(let number): try container.encode(number, forKey: key)
                    case .null: try container.encodeNil(forKey: key)
                    case .optional(let number): try container.encodeIfPresent(number, forKey: key)
                    default: try container.encode(Sorted(value: member), forKey: key)
                    }
                }
            default: try value.encode(to: encoder)
            }
        }
    }

    @Test("5,000 random values with sorted keys, written in one pass where they can be, as Foundation writes them")
    func streamedValues() throws {
        var random = SeededGenerator(seed: 20_261_205)
        var streamed = 0
        let names = JSONText.NonFiniteNames()
        for _ in 0..<5_000 {
            let value = Sorted(value: Random.make(&random, depth: 0))
            for pretty in [true, false] {
                let expected = try? Self.foundation(value, pretty: pretty)
                if let bytes = JSONText.streamed(value, pretty: pretty, nonFinite: names) {
                    streamed += 1
                    #expect(String(decoding: bytes, as: UTF8.self) == expected)
                }
                #expect((try? Self.fast(value, pretty: pretty)) == expected)
            }
        }
        // Most values take the one pass (the others hold a key that is not ASCII, or are a bare scalar's nothing).
        #expect(streamed > 5_000)
    }

    @Test("a value the one pass cannot mirror is written as the tree writes it: a string too deep, errors swallowed")
    func streamingGivesUp() throws {
        /// Objects nested `depth` deep, with nothing but a string in the innermost.
        final class Chain: Encodable {
            let name: String
            let next: Chain?
            enum CodingKeys: String, CodingKey { case name, next }
            init(depth: Int) {
                name = "n"
                next = depth > 1 ? Chain(depth: depth - 1) : nil
            }
        }
        for depth in [510, 511, 512, 513] {
            let chain = Chain(depth: depth)
            #expect(
                (try? Self.fast(chain, pretty: false)) == (try? Self.foundation(chain, pretty: false)), "depth \(depth)"
            )
        }
        /// A type that swallows its own errors: a number without names for it, then keys out of order.
        struct Swallowing: Encodable {
            enum CodingKeys: String, CodingKey { case a, b, x, y }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try? container.encode(Double.nan, forKey: .x)
                try container.encode(1, forKey: .y)
                try? container.encode(2, forKey: .b)
                try? container.encode(3, forKey: .a)
            }
        }
        for pretty in [true, false] {
            #expect(
                (try? Self.fast(Swallowing(), pretty: pretty, nonFinite: false))
                    == (try? Self.foundation(Swallowing(), pretty: pretty, nonFinite: false)))
            #expect(JSONText.streamed(Swallowing(), pretty: pretty, nonFinite: nil) == nil)
        }
    }

    @Test("every report type declares a key for each stored property, in the order of the keys' bytes")
    func reportKeysDeclared() throws {
        func check<Value, Key: CodingKey & CaseIterable>(_ value: Value, _ keys: Key.Type) {
            let declared = Key.allCases.map(\.stringValue)
            let stored = Mirror(reflecting: value).children.compactMap(\.label)
            #expect(Set(declared) == Set(stored), "\(Value.self)")
            #expect(declared == declared.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "\(Value.self)")
        }
        let root = TestSupport.packageRoot + "/submissions/hw6"
        let report = try TestSupport.session.grade(
            folder: root + "/" + (try FileManager.default.contentsOfDirectory(atPath: root).sorted()[0]))
        let plot = CurvePlot(x: [1], xLabel: "x", yLabel: "y", logY: false, student: [], reference: [])
        check(report, GradeReport.CodingKeys.self)
        check(report.problems[0], ProblemGrade.CodingKeys.self)
        check(report.problems[0].parts[0], PartGrade.CodingKeys.self)
        check(PartGrade.TrialTally(publicPassed: 1, publicTotal: 2), PartGrade.TrialTally.CodingKeys.self)
        check(PartGrade.Flag(reason: .publicOnly, detail: ""), PartGrade.Flag.CodingKeys.self)
        check(Diagnostic(.warning, "x"), Diagnostic.CodingKeys.self)
        check(SandboxLimits(), SandboxLimits.CodingKeys.self)
        check(GradeInputs(problem: "p", submission: "s", grader: "g"), GradeInputs.CodingKeys.self)
        check(KeptGrade(total: 1, regraded: 0), KeptGrade.CodingKeys.self)
        check(LateAdjustment(due: "", dueSource: "", raw: 0, total: 0), LateAdjustment.CodingKeys.self)
        check(plot, CurvePlot.CodingKeys.self)
        check(report.sandbox, SandboxStatus.CodingKeys.self)
        // `summary.json`'s types, written in one pass too.
        var summary = ClassReport(students: [("ada", report)]).summary()
        summary.late = []
        summary.changes = []
        check(summary, ClassSummary.CodingKeys.self)
        check(try #require(summary.parts.first), ClassSummary.PartSummary.CodingKeys.self)
        check(try #require(summary.histogram.first), ClassSummary.Bin.CodingKeys.self)
        check(ClassSummary.MistakeCount(feedback: "f", students: 1), ClassSummary.MistakeCount.CodingKeys.self)
        check(
            ClassSummary.Flag(
                student: "s", part: nil, reason: .publicOnly, detail: "", publicTrials: nil, hiddenTrials: nil),
            ClassSummary.Flag.CodingKeys.self)
        check(
            ClassSummary.LateStudent(
                student: "s", daysLate: 1, lateDaysUsed: 1, penalty: 0, rejected: false, submittedAt: nil,
                explanation: ""),
            ClassSummary.LateStudent.CodingKeys.self)
        check(SimilarityMatch(problem: "p", students: [], score: 1, lines: []), SimilarityMatch.CodingKeys.self)
        check(MatchedRegion(a: [], b: []), MatchedRegion.CodingKeys.self)
        check(
            RegradeChange(student: "s", problem: "p", part: "q", oldScore: nil, newScore: 1, why: ""),
            RegradeChange.CodingKeys.self)
        #expect(JSONText.streamed(summary, pretty: true, nonFinite: nil) != nil)
    }

    @Test("5,000 random values, pretty and on one line, as Foundation; a key given twice keeps its last value")
    func randomValues() throws {
        var random = SeededGenerator(seed: 20_261_204)
        for _ in 0..<5_000 {
            let value = Random.make(&random, depth: 0)
            #expect(try Self.fast(value) == Self.foundation(value))
            #expect(try Self.fast(value, pretty: false) == Self.foundation(value, pretty: false))
        }
        // Written twice under one key: the last value stands, as in Foundation's encoder.
        let twice = Random.object([("k", .int(1)), ("a", .int(2)), ("k", .int(3))])
        #expect(try Self.fast(twice, pretty: false) == #"{"a":2,"k":3}"#)
        #expect(try Self.foundation(twice, pretty: false) == #"{"a":2,"k":3}"#)
    }
}
