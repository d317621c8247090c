import Foundation
import Testing

@testable import GraderCore

@Suite("Values, hashing and report text")
struct WireAndTextTests {
    @Test("values survive the wire format bit for bit")
    func roundTrip() {
        let type = try! SwiftType(parsing: "(weights: [[[Double]]], biases: [[Double]])")
        let value = SnippetValue.tuple([
            .array([.array([.array([.double(0.1), .double(-0.0), .double(.nan)])])]),
            .array([.array([.double(.infinity), .double(.leastNonzeroMagnitude)])]),
        ])
        var tokens: [String] = []
        WireFormat.encode(value, into: &tokens)
        var index = 0
        let decoded = WireFormat.decode(type, from: tokens.map { Substring($0) }, at: &index)
        #expect(index == tokens.count)
        #expect(TestSupport.doubles(decoded!).map(\.bitPattern) == TestSupport.doubles(value).map(\.bitPattern))
    }

    /// `source` built with a harness of `entries` as trusted code; `nil`, recorded as an issue, if it does not build.
    static func built(_ fileName: String, _ source: String, _ entries: [HarnessEntry]) throws -> String? {
        guard
            case .built(let binary) = try TestSupport.session.builder.build(
                fileName: fileName, source: Array(source.utf8), entries: entries, owner: .trusted)
        else {
            Issue.record("\(fileName) did not build")
            return nil
        }
        return binary
    }

    @Test("the generated harness and WireFormat agree on every value kind, bit for bit, through a real sandboxed run")
    func harnessRoundTrip() throws {
        // Identity functions compiled and run exactly like a student's: whatever goes in must come back unchanged.
        let signatures = [
            "func echoDoubles(_ x: [[Double]]) -> [[Double]]", "func echoInts(_ x: [Int]) -> [Int]",
            "func echoBools(_ x: [Bool]) -> [Bool]", "func echoDeep(_ x: [[[Double]]]) -> [[[Double]]]",
            "func echoMixed(_ x: Double, n: Int, flag: Bool) -> (x: Double, n: Int, flag: Bool)",
            "func echoStrings(_ x: [String]) -> [String]", "func echoSeeds(_ x: [UInt64]) -> [Int]",
        ]
        let source = signatures.map { signature in
            let parsed = try! FunctionSignature(parsing: signature)
            let body =
                parsed.name == "echoSeeds" ? "x.map { Int($0) }" : parsed.parameters.count == 1 ? "x" : "(x, n, flag)"
            return "\(signature) { \(body) }"
        }.joined(separator: "\n")
        let entries = try signatures.map { HarnessEntry.call(try FunctionSignature(parsing: $0)) }
        let session = TestSupport.session
        guard let binary = try Self.built("echo.swift", source, entries) else { return }
        let special: [Double] = [
            .nan, -.nan, Double(nan: 0x5_1234, signaling: false), .infinity, -.infinity, -0.0, 0,
            .leastNonzeroMagnitude,
            -.leastNonzeroMagnitude, .leastNormalMagnitude / 2, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
            .pi, 1e-300,
        ]
        let cases: [(entry: String, type: SwiftType, trials: [[SnippetValue]])] = [
            (
                "echoDoubles", .array(.array(.double)),
                [[TestSupport.matrix([special])], [TestSupport.matrix([])], [TestSupport.matrix([[], []])]]
            ),
            ("echoInts", .array(.int), [[.array([.int(.min), .int(.max), .int(0), .int(-1)])], [.array([])]]),
            ("echoBools", .array(.bool), [[.array([.bool(true), .bool(false)])], [.array([])]]),
            (
                "echoDeep", .array(.array(.array(.double))),
                [[.array([])], [.array([.array([])])], [.array([TestSupport.matrix([[-0.0]])])]]
            ),
            (
                "echoMixed", try SwiftType(parsing: "(x: Double, n: Int, flag: Bool)"),
                special.map { [.double($0), .int(Int.min), .bool(true)] }
            ),
            (
                "echoStrings", .array(.string),
                [[.array([.string(""), .string(" two  spaces "), .string("é 한글 \u{0}\n\r\t🙂"), .string("s")])]]
            ),
            // Seeds go in as UInt64 and come back as Int: the wire holds them as non-negative integers.
            ("echoSeeds", .array(.int), [[.array([.int(0), .int(.max), .int(1 << 62)])], [.array([])]]),
        ]
        for test in cases {
            let run = try EntryRun.run(
                sandbox: session.sandbox, binary: binary, entry: test.entry, returnType: test.type,
                trials: test.trials, limits: SandboxLimits(), owner: .trusted)
            #expect(run.failure == nil, "\(test.entry): \(run.failure ?? "")")
            for (trial, input) in test.trials.enumerated() {
                let expected = test.type.rank > 0 || test.entry != "echoMixed" ? input[0] : .tuple(input)
                guard let output = run.outputs[trial] else {
                    Issue.record("\(test.entry) trial \(trial): no output")
                    continue
                }
                #expect(WireFormat.line([output]) == WireFormat.line([expected]), "\(test.entry) trial \(trial)")
                #expect(
                    TestSupport.doubles(output).map(\.bitPattern) == TestSupport.doubles(expected).map(\.bitPattern))
            }
        }
    }

    @Test("the harness reads lines ending in CRLF or in nothing, and stops on a token it cannot read")
    func harnessReadsLines() throws {
        let source = "func sum(_ x: [Int]) -> Int { x.reduce(0, &+) }\nfunc half(_ x: Double) -> Double { x / 2 }"
        let entries = try ["func sum(_ x: [Int]) -> Int", "func half(_ x: Double) -> Double"].map {
            HarnessEntry.call(try FunctionSignature(parsing: $0))
        }
        let session = TestSupport.session
        guard let binary = try Self.built("lines.swift", source, entries) else { return }
        func run(_ entry: String, _ lines: [String]) throws -> ResultFrames {
            let outcome = try session.sandbox.run(
                binary: binary, entry: Harness.wireName(entry), trials: lines, limits: SandboxLimits(), owner: .trusted)
            return ResultFrames(outcome.results, returnType: entry == "sum" ? .int : .double, trialCount: lines.count)
        }
        // Two spaces between tokens, a CR before the line end, a count of zero, the extremes of Int.
        let read = try run("sum", ["3  1 2 39\r", "0", "2 -9223372036854775808 9223372036854775807", "+1 +5"])
        #expect(read.done && !read.tampered)
        #expect(read.outputs == [.int(42), .int(0), .int(-1), .int(5)])
        // The 16 hex digits of a double's bits, in either case.
        let doubles = try run("half", ["4010000000000000", "C010000000000000"])
        #expect(doubles.outputs == [.double(2), .double(-2)])
        for (entry, line, message) in [
            ("sum", "2 1", "trial input ended early"), ("sum", "1 12x", "bad integer in trial input"),
            ("sum", "1 9223372036854775808", "bad integer in trial input"),
            ("sum", "1 -", "bad integer in trial input"),
            ("sum", "-1", "bad integer in trial input"), ("half", "4010000000000000a", "bad double in trial input"),
            ("half", "40g0000000000000", "bad double in trial input"),
        ] {
            let frames = try run(entry, [line])
            #expect(!frames.done && frames.outputs == [nil], "\(line)")
            #expect(frames.harnessMessage == message, "\(line)")
        }
    }

    @Test("signatures parse into labels, names and types")
    func signatures() throws {
        let signature = try FunctionSignature(
            parsing: "func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double]")
        #expect(signature.name == "invertedDropout")
        #expect(signature.parameters.map(\.label) == [nil, "keep", "p"])
        #expect(signature.parameters.map(\.name) == ["x", "keep", "p"])
        #expect(signature.returnType == .array(.double))
        #expect(throws: SignatureParseError.self) { try FunctionSignature(parsing: "func f(x: Float) -> Int") }
    }

    @Test(
        "SHA-256 matches the FIPS test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func sha256(input: String, digest: String) {
        #expect(SHA256Hasher.hex(Array(input.utf8)) == digest)
    }

    /// The hash is fed a block at a time where it can be: pieces that straddle blocks, a piece that fills the
    /// buffer exactly, sequences that are not contiguous and text fields must give what hashing it whole gives
    /// (Python's hashlib: sha256(b"a" * 1000 + b"\\0" + "héllo".encode() + b"\\0")).
    @Test("SHA-256 fed in pieces of every size across block boundaries gives the digest of the whole")
    func sha256Pieces() {
        let expected = "91438664da8dbbf52fdace7fa867ab75696828fc3f783f1734528dce6a2f9290"
        for sizes in [[1000], [1, 63, 64, 65, 807], [64, 64, 872], [7, 993], [999, 1]] {
            var hasher = SHA256Hasher()
            var fed = 0
            for (index, size) in sizes.enumerated() {
                if index % 2 == 0 {
                    hasher.update(Array(repeating: UInt8(ascii: "a"), count: size))
                } else {
                    hasher.update((0..<size).lazy.map { _ in UInt8(ascii: "a") })  // not contiguous
                }
                fed += size
            }
            #expect(fed == 1000)
            hasher.update(field: "")
            hasher.update(field: "héllo")
            #expect(hasher.hexDigest() == expected, "\(sizes)")
        }
    }

    @Test("the digest's leading 64 bits are the number its first 16 hex digits write")
    func sha256LeadingWord() {
        // Every draw and hidden trial is seeded so: a mismatch would change every student's numbers.
        for length in 0..<200 {
            var hasher = SHA256Hasher()
            hasher.update(field: String(repeating: "é", count: length))
            let hex = hasher.hexDigest()
            #expect(hasher.leadingUInt64() == UInt64(hex.prefix(16), radix: 16), "\(length)")
        }
    }

    @Test("report text drops ANSI codes, NUL and other controls, and truncates")
    func cleaning() {
        let dirty = "ok\u{1B}[31mred\u{1B}[0m\u{0}\u{7}\u{1B}]0;title\u{7}done\r\n"
        #expect(ReportText.clean(dirty, limit: 100) == "okreddone")
        #expect(ReportText.clean(String(repeating: "a", count: 50), limit: 10).hasSuffix("[... output truncated]"))
        #expect(ReportText.clean(bytes: [0x61, 0xFF, 0x62], limit: 10) == "a\u{FFFD}b")
    }

    @Test("the runtime's stack trace after a fatal error is one line in what a crash printed; the rest stays")
    func stackTraceLeftOut() {
        let printed = """
            before
            Submission/variance-recursion.swift:2: Fatal error: deliberate crash
            Current stack trace:
            0    libswiftCore.so                    0x00007f4dbd35f130 swift_reportError + 33
            3    libswiftCore.so                    0x00007f4dbd4f9280 _assertionFailure(_:_:file:line:flags:) + 221
            16   snippet                            0x0000557eb648c9f1 <unavailable> + 39409
            after: 0x00007f4dbd35f130 is not a frame

            """
        let kept = String(decoding: EntryRun.withoutStackTrace(Array(printed.utf8)), as: UTF8.self)
        #expect(
            kept == """
                before
                Submission/variance-recursion.swift:2: Fatal error: deliberate crash
                [the runtime's stack trace, 3 frames, left out]
                after: 0x00007f4dbd35f130 is not a frame

                """)
        // Without the runtime's header, lines that look like frames are the student's own output, kept as printed.
        let own = "0    libswiftCore.so    0x00007f4dbd35f130 swift_reportError + 33\n"
        #expect(EntryRun.withoutStackTrace(Array(own.utf8)) == Array(own.utf8))
        // A trace at the very end, with no newline after its last frame.
        let last = "Current stack trace:\n0    snippet    0x0000557eb648c9f1 <unavailable> + 39409"
        #expect(
            String(decoding: EntryRun.withoutStackTrace(Array(last.utf8)), as: UTF8.self)
                == "[the runtime's stack trace, 1 frame, left out]")
    }

    @Test("pattern hints name a swapped identity and a scale factor")
    func patterns() {
        let expected = TestSupport.matrix([[1.5, 2], [3, -0.5]])
        let swapped = TestSupport.matrix([[0.5, 3], [4, -1.5]])
        #expect(PatternHints.hint(expected: expected, got: swapped, tolerance: .exact)?.contains("swapped") == true)
        let scaled = TestSupport.vector([2, 4, -6])
        #expect(
            PatternHints.hint(expected: TestSupport.vector([1, 2, -3]), got: scaled, tolerance: .exact)?.contains(
                "2 times") == true)
        #expect(
            PatternHints.hint(
                expected: TestSupport.vector([1, 2, -3]), got: TestSupport.vector([1, 2, 3]), tolerance: .exact) == nil)
    }

    @Test("the overview page's escaping leaves no quote or bracket raw, even one a combining accent follows")
    func overviewEscaping() {
        // A student's `student:` shows in a title attribute of the overview page (the id mismatch flag).
        let hostile = "x\"\u{301} onmouseover=alert(1) y='\u{301} <\u{301}script>&\u{301}"
        let escaped = OverviewPage.htmlEscaped(hostile)
        #expect(!escaped.utf8.contains { [0x22, 0x27, 0x3C, 0x3E].contains($0) })
        #expect(escaped.utf8.starts(with: "x&quot;\u{301} onmouseover=alert(1) y=&#39;".utf8))
        #expect(
            OverviewPage.htmlEscaped("a < b & c > \"d\" 'é' 😀") == "a &lt; b &amp; c &gt; &quot;d&quot; &#39;é&#39; 😀")
        #expect(OverviewPage.htmlEscaped("plain text, é") == "plain text, é")
        // A link to a student's folder keeps ASCII letters, digits and `-_.~`, and percent-encodes every other byte.
        #expect(OverviewPage.link("Ab-9_.~") == "Ab-9_.~")
        #expect(OverviewPage.link("a b/é\"'<%\u{0}\u{7f}") == "a%20b%2F%C3%A9%22%27%3C%25%00%7F")
        // The plot's labels and a student's feedback file are escaped the same way.
        #expect(!CurvePlot.escape("\"\u{301}<\u{301}").utf8.contains { [0x22, 0x3C].contains($0) })
        #expect(ReportText.replacingBytes(in: "a<\u{301}b", [UInt8(ascii: "<"): "&lt;"]) == "a&lt;\u{301}b")
    }

    @Test("bytes are replaced as a byte-by-byte map would: any byte, empty replacements, bridged strings")
    func byteReplacements() {
        // Entries at both ends of the byte range and above 0x7F, one that deletes its byte, and ordinary escapes.
        let table: [UInt8: String] = [0x00: "<NUL>", 0xFF: "", 0x80: "#", 0xC3: "[C3]", 0x3C: "&lt;", 0x0A: ""]
        let prepared = ReportText.ByteReplacements(table)
        // Replacing part of a character leaves bytes that are not UTF-8, which the text repairs (U+FFFD) as before.
        func expected(_ text: String) -> [UInt8] {
            let mapped = text.utf8.flatMap { table[$0].map { Array($0.utf8) } ?? [$0] }
            return Array(String(decoding: mapped, as: UTF8.self).utf8)
        }
        var random = SeededGenerator(seed: 24)
        let pieces = ["a", "<", "\u{0}", "\n", "é", "\u{80}", "😀", "\u{301}", " ", "&", "\u{FF}", "ÿ"]
        for length in 0..<400 {
            let text = (0..<(length % 40)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            // A string from Foundation, which may not be stored as UTF-8, is escaped alike.
            let bridged = NSString(string: text) as String
            for input in [text, bridged] {
                #expect(Array(ReportText.replacingBytes(in: input, prepared).utf8) == expected(text))
                #expect(Array(ReportText.replacingBytes(in: input, table).utf8) == expected(text))
            }
        }
        #expect(ReportText.replacingBytes(in: "", prepared).isEmpty)
    }

    @Test("a student's feedback file shows no `<` raw, even one a combining accent follows")
    func markdownEscaping() throws {
        var report = try TestSupport.session.grade(folder: TestSupport.packageRoot + "/submissions/hw6/bob")
        report.problems[0].parts[0].message = "got <\u{301}script>alert(1)</script>"
        report.problems[0].parts[0].mistake = "<\u{301}img src=x onerror=alert(1)>"
        let markdown = MarkdownReporter().render(report)
        #expect(markdown.contains("&lt;\u{301}script>alert(1)&lt;/script>"))
        #expect(markdown.contains("&lt;\u{301}img src=x"))
    }

    @Test("a report already on disk is left alone only when it holds exactly the bytes to write")
    func reportOnDisk() throws {
        let folder = NSTemporaryDirectory() + "holds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = "score: 3/4 é\n"
        try Reporters.write(text, to: folder + "/a.md")
        #expect(Reporters.holds(text, at: folder + "/a.md"))
        // The last byte, one byte more or less, another accent: each is another report.
        #expect(!Reporters.holds("score: 3/4 é\r", at: folder + "/a.md"))
        #expect(!Reporters.holds(text + " ", at: folder + "/a.md"))
        #expect(!Reporters.holds(String(text.dropLast()), at: folder + "/a.md"))
        #expect(!Reporters.holds("score: 3/4 è\n", at: folder + "/a.md"))
        #expect(!Reporters.holds(text, at: folder + "/missing.md"))
        try Reporters.write("", to: folder + "/empty.md")
        #expect(Reporters.holds("", at: folder + "/empty.md") && !Reporters.holds("x", at: folder + "/empty.md"))
        // A link to a file with the same bytes is not a report: it is replaced by one.
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.md", withDestinationPath: folder + "/a.md")
        #expect(!Reporters.holds(text, at: folder + "/link.md"))
    }
}
