import Foundation
import Testing

@testable import GraderCore

/// The winnowing similarity detector on this homework's own functions: disguised copies are found, independent
/// solutions and the starter code are not, and no input breaks it.
@Suite("Code similarity")
struct SimilarityTests {
    @Test("the lexer drops comments and layout, normalises names and literals, keeps keywords and operators")
    func tokens() {
        let source = """
            // a comment with func and let
            func scaled(_ values: [Double], by factor: Double) -> [Double] { /* outer /* nested */ */
                var out = [Double]()
                for i in 0..<values.count where values[i] != 0 { out.append(values[i] * factor + 1.5e-3) }
                return out.isEmpty ? [] : out  // trailing
            }
            let label = "x = \\(scaled([1], by: 2)) \\("nested")" + #"raw " quote"# + \"\"\"
                multi \\(1)
                \"\"\"
            """
        let tokens = SwiftTokenizer.tokens(source)
        #expect(
            tokens.prefix(20).map(\.text) == [
                "func", "I", "(", "_", "I", ":", "[", "I", "]", ",", "I", "I", ":", "I", ")", "->", "[", "I", "]", "{",
            ])
        #expect(
            tokens.map(\.text).joined(separator: " ").contains(
                "for I in N ..< I . I where I [ I ] != N { I . I ( I [ I ] * I + N ) } return I . I ? [ ] : I }"))
        #expect(tokens.suffix(8).map(\.text) == ["let", "I", "=", "S", "+", "S", "+", "S"])
        #expect(tokens.first?.line == 2 && tokens.last?.line == 7)
        // Renaming and reformatting change nothing; a keyword is not a name.
        let renamed = "func  f(\n  _ v:[Double],by k:Double)->[Double]{ var o=[Double]()\n return o }"
        let original =
            "func scaled(_ values: [Double], by factor: Double) -> [Double] { var out = [Double](); return out }"
        #expect(
            SwiftTokenizer.tokens(renamed).map(\.text)
                == SwiftTokenizer.tokens(original).map(\.text).filter { $0 != ";" })
        #expect(SwiftTokenizer.tokens("let guard_ = inout").map(\.text) == ["let", "I", "=", "inout"])
    }

    @Test("hashes are FNV-1a 64 and fingerprints the same in every process")
    func deterministicHashes() {
        #expect(Winnowing.fnv1a("") == 0xCBF2_9CE4_8422_2325)
        #expect(Winnowing.fnv1a("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(Winnowing.fnv1a("foobar") == 0x8594_4171_F739_67E8)
        // The 12-gram func I ( _ I : [ [ I ] ] , as computed by hand from the definition.
        #expect(Winnowing.kGramHashes(of: SwiftTokenizer.tokens("func f(_ A: [[Double]],")) == [0xC752_2072_3737_862F])
        let prints = Winnowing.fingerprints(of: SwiftTokenizer.tokens(Self.original))
        // Every window of 8 k-grams holds a fingerprint: the gap between two is at most the window.
        #expect(zip(prints, prints.dropFirst()).allSatisfy { $1.position - $0.position <= Winnowing.defaultWindowSize })
    }

    @Test("a disguised copy is reported above the default threshold, with regions at the copied functions")
    func disguisedCopy() throws {
        let files = [
            "ada": Self.original, "ben": Self.disguisedCopy, "cyd": Self.loopsSolution, "dee": Self.functionalSolution,
        ]
        let matches = SimilarityDetector.compare(
            problem: "residual-jacobians", files: files, base: Self.base,
            threshold: SimilarityDetector.defaultThreshold)
        let match = try #require(matches.first)
        #expect(matches.count == 1)
        #expect(match.problem == "residual-jacobians" && match.students == ["ada", "ben"])
        #expect(match.score > SimilarityDetector.defaultThreshold + 0.2)
        // Each function of ada's is found in ben's copy of it, wherever ben moved it.
        for (mine, copied) in [
            ("affine", "preActivation"), ("reluSlope", "activeUnits"), ("transposeTimes", "backProject"),
            ("residualLayerJacobian", "residualLayerJacobian"), ("residualGradients", "residualGradients"),
        ] {
            let a = try #require(Self.lines(of: mine, in: Self.original))
            let b = try #require(Self.lines(of: copied, in: Self.disguisedCopy))
            #expect(match.lines.contains { Self.covers($0.a, a) && Self.covers($0.b, b) }, "\(mine) -> \(copied)")
        }
        #expect(zip(match.lines, match.lines.dropFirst()).allSatisfy { $0.a[0] <= $1.a[0] })
        let lineCounts = (
            Self.original.split(separator: "\n", omittingEmptySubsequences: false).count,
            Self.disguisedCopy.split(separator: "\n", omittingEmptySubsequences: false).count
        )
        #expect(
            match.lines.allSatisfy {
                1 <= $0.a[0] && $0.a[0] <= $0.a[1] && $0.a[1] <= lineCounts.0 && 1 <= $0.b[0] && $0.b[0] <= $0.b[1]
                    && $0.b[1] <= lineCounts.1
            })
    }

    @Test("independently written solutions are not reported, for two problems")
    func independentSolutions() {
        let residual = SimilarityDetector.compare(
            problem: "residual-jacobians",
            files: ["ada": Self.original, "cyd": Self.loopsSolution, "dee": Self.functionalSolution],
            base: Self.base, threshold: SimilarityDetector.defaultThreshold)
        #expect(residual.isEmpty)
        let variance = SimilarityDetector.compare(
            problem: "variance-recursion",
            files: [
                "ada": Self.varianceLoop, "ben": Self.varianceWhile, "cyd": Self.varianceClosedForm,
                "dee": Self.varianceRecursive,
            ],
            base: Self.varianceBase, threshold: SimilarityDetector.defaultThreshold)
        #expect(variance.isEmpty)
        // Not a matter of size: at threshold 0 they are compared, and share little.
        let all = SimilarityDetector.compare(
            problem: "residual-jacobians",
            files: ["ada": Self.original, "cyd": Self.loopsSolution, "dee": Self.functionalSolution],
            base: Self.base, threshold: 0)
        #expect(all.count == 3 && all.allSatisfy { $0.score < 0.3 })
    }

    @Test("the starter code never matches: two untouched scaffolds, or one against a full solution")
    func scaffolds() {
        let files = ["ada": Self.base, "ben": Self.base + "\n// not started\n", "cyd": Self.original]
        #expect(
            SimilarityDetector.compare(problem: "residual-jacobians", files: files, base: Self.base, threshold: 0)
                .isEmpty)
        // The subtraction is what prevents it: without the base, the signatures alone make every pair match.
        let withoutBase = SimilarityDetector.compare(
            problem: "residual-jacobians", files: files, base: nil,
            threshold: SimilarityDetector.defaultThreshold)
        #expect(withoutBase.map(\.students) == [["ada", "ben"], ["ada", "cyd"], ["ben", "cyd"]])
    }

    @Test("identical files score 1, results come highest score first, and repeated calls agree")
    func orderAndDeterminism() {
        let files = ["eve": Self.original, "ada": Self.original, "ben": Self.disguisedCopy, "cyd": Self.loopsSolution]
        let matches = SimilarityDetector.compare(problem: "p", files: files, base: Self.base, threshold: 0.5)
        #expect(matches.first?.students == ["ada", "eve"] && matches.first?.score == 1)
        #expect(matches.map(\.students) == [["ada", "eve"], ["ada", "ben"], ["ben", "eve"]])
        #expect(zip(matches, matches.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(SimilarityDetector.compare(problem: "p", files: files, base: Self.base, threshold: 0.5) == matches)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try? encoder.encode(matches.first?.lines.first)
        #expect(encoded.map { String(decoding: $0, as: UTF8.self).hasPrefix("{\"a\":[") } == true)
    }

    @Test("a rerun reads the pairs kept for the same files, and compares again when any byte or student changes")
    func memoOfPairs() throws {
        let folder = NSTemporaryDirectory() + "similarity-memo-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let problem = try #require(TestSupport.session.problems.problem("residual-jacobians"))
        let files = ["ada": Self.original, "ben": Self.disguisedCopy, "cyd": Self.loopsSolution]
        let memo = SimilarityMemo(folder: folder)
        var comparisons = 0
        let compare = { (files: [String: String]) in
            memo.matches(problem: problem, files: files, base: Self.base, threshold: 0.6) {
                comparisons += 1
                return SimilarityDetector.compare(problem: problem.id, files: files, base: Self.base, threshold: 0.6)
            }
        }
        let first = compare(files)
        #expect(first.map(\.students) == [["ada", "ben"]] && comparisons == 1)
        #expect(compare(files) == first && comparisons == 1)
        // The kept file is what a rerun serves: a planted pair in it shows that it was read, not recomputed.
        let kept = try #require(FileManager.default.contentsOfDirectory(atPath: folder).first)
        let planted = SimilarityMatch(problem: problem.id, students: ["ada", "cyd"], score: 1, lines: [])
        let key = SimilarityMemo.key(problem: problem.id, files: files, base: Self.base, threshold: 0.6)
        let plantedFile = try #require(
            SimilarityMemo.encoded(
                [planted], key: key, problem: problem.id, students: SimilarityMemo.students(of: files)))
        try Data(plantedFile).write(to: URL(fileURLWithPath: folder + "/" + kept))
        #expect(compare(files) == [planted] && comparisons == 1)
        // One space more in a file, another student's name, another threshold: compared again.
        var changed = files
        changed["cyd"]! += " "
        #expect(compare(changed) == first && comparisons == 2)
        #expect(compare(["ada": Self.original, "bea": Self.disguisedCopy]).first?.students == ["ada", "bea"])
        #expect(comparisons == 3)
        #expect(
            memo.matches(problem: problem, files: files, base: Self.base, threshold: 0.5) {
                comparisons += 1
                return []
            } == [] && comparisons == 4)
        // `--no-result-cache` compares again, and replaces what was kept: the planted pair under this very key is
        // neither served nor kept.
        try Data(plantedFile).write(to: URL(fileURLWithPath: folder + "/" + kept))
        let fresh = SimilarityMemo(folder: folder, readsKept: false)
        var freshComparisons = 0
        let again = fresh.matches(problem: problem, files: files, base: Self.base, threshold: 0.6) {
            freshComparisons += 1
            return first
        }
        #expect(again == first && freshComparisons == 1)
        #expect(compare(files) == first && comparisons == 4)
        // Garbage in the memo file is compared again, never a crash.
        try Data("{\"key\": 1".utf8).write(to: URL(fileURLWithPath: folder + "/" + kept))
        #expect(compare(files) == first && comparisons == 5)
    }

    @Test("a memo file gives back the very pairs written, and nothing when it is cut short or names others")
    func memoFileFormat() throws {
        let students = ["ada", "ben", "cyd", "dee"]
        var random = SeededGenerator(seed: 20_261_204)
        var matches: [SimilarityMatch] = []
        for _ in 0..<200 {
            let pair = students.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random))
            let regions = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                MatchedRegion(
                    a: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                        Int.random(in: 0...Int.max, using: &random)
                    },
                    b: [Int.random(in: 1...400, using: &random), Int.random(in: 1...400, using: &random)])
            }
            let score = [0, 1, 0.6, .nan, -0.0, .ulpOfOne, Double.random(in: 0...1, using: &random)].randomElement(
                using: &random)!
            matches.append(SimilarityMatch(problem: "p", students: Array(pair), score: score, lines: regions))
        }
        let key = SimilarityMemo.key(problem: "p", files: ["ada": "x"], base: nil, threshold: 0.6)
        let bytes = try #require(SimilarityMemo.encoded(matches, key: key, problem: "p", students: students))
        let read = try #require(SimilarityMemo.decoded(bytes, key: key, problem: "p", students: students))
        #expect(read.count == matches.count)
        for (kept, written) in zip(read, matches) {
            #expect(kept.students == written.students && kept.lines == written.lines && kept.problem == "p")
            #expect(kept.score.bitPattern == written.score.bitPattern)
        }
        #expect(SimilarityMemo.decoded([], key: key, problem: "p", students: students) == nil)
        #expect(SimilarityMemo.decoded(bytes, key: key + "0", problem: "p", students: students) == nil)
        // Cut anywhere, even after a whole line, or with a byte more: nothing, and the pairs are compared again.
        for end in stride(from: 0, to: bytes.count, by: 7) {
            #expect(SimilarityMemo.decoded(Array(bytes[..<end]), key: key, problem: "p", students: students) == nil)
        }
        #expect(SimilarityMemo.decoded(bytes + [0x30], key: key, problem: "p", students: students) == nil)
        #expect(SimilarityMemo.decoded(bytes + [0x0A], key: key, problem: "p", students: students) == nil)
        // Fewer students than the file numbers: nothing. A match naming a student or problem outside the key: no file.
        #expect(SimilarityMemo.decoded(bytes, key: key, problem: "p", students: ["ada"]) == nil)
        let stranger = SimilarityMatch(problem: "p", students: ["eve", "ada"], score: 1, lines: [])
        #expect(SimilarityMemo.encoded([stranger], key: key, problem: "p", students: students) == nil)
        let elsewhere = SimilarityMatch(problem: "q", students: ["ben", "ada"], score: 1, lines: [])
        #expect(SimilarityMemo.encoded([elsewhere], key: key, problem: "p", students: students) == nil)
    }

    @Test("a file holding the zero byte that ends a key's field cannot pass for other students' files")
    func memoKeyFields() {
        // Without each text's length in the key, one student's file "x\0ben\0y" reads like ada's "x" and ben's "y".
        let two = SimilarityMemo.key(problem: "p", files: ["ada": "x", "ben": "y"], base: nil, threshold: 0.6)
        let one = SimilarityMemo.key(problem: "p", files: ["ada": "x\u{0}ben\u{0}y"], base: nil, threshold: 0.6)
        #expect(two != one)
        let based = SimilarityMemo.key(problem: "p", files: ["ada": "x"], base: "b", threshold: 0.6)
        #expect(based != SimilarityMemo.key(problem: "p", files: ["ada": "x"], base: nil, threshold: 0.6))
    }

    /// `source` with a `;` after every line that ends a statement, as a student hiding a copy might write it.
    static func withSemicolons(_ source: String) -> String {
        source.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let open = ["{", ",", "(", "[", "in", "->"].contains { trimmed.hasSuffix($0) }
            return trimmed.isEmpty || trimmed.hasPrefix("//") || trimmed.hasPrefix("///") || open
                ? String(line) : line + ";"
        }.joined(separator: "\n")
    }

    @Test("what the compiler ignores changes nothing: a `;` after every statement, trailing commas")
    func compilerIgnoredPunctuation() throws {
        let copy = Self.withSemicolons(Self.original).replacingOccurrences(of: "]]", with: ",]]")
        #expect(copy.filter { $0 == ";" }.count > 20)
        #expect(SwiftTokenizer.tokens(copy).map(\.text) == SwiftTokenizer.tokens(Self.original).map(\.text))
        #expect(
            SwiftTokenizer.tokens("let a = [1, 2,]; f(x,);").map(\.text) == [
                "let", "I", "=", "[", "N", ",", "N", "]", "I", "(", "I", ")",
            ])
        let files = ["ada": Self.original, "ben": copy, "cyd": Self.loopsSolution, "dee": Self.functionalSolution]
        let matches = SimilarityDetector.compare(
            problem: "residual-jacobians", files: files, base: Self.base,
            threshold: SimilarityDetector.defaultThreshold)
        #expect(matches.map(\.students) == [["ada", "ben"]])
        #expect(matches.first?.score == 1)
    }

    static let dropoutBase = """
        // Dropout before or after the activation: implement each function below. Helper functions may be added to \
        this file.

        func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
            fatalError("TODO: implement invertedDropout")
        }
        """
    static let dropoutOneLiner = """
        func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
            zip(x, keep).map { value, kept in kept ? value / (1 - p) : 0 }
        }
        """
    /// The one-liner copied: re-indented, commented, with a `;`.
    static let dropoutCopied = """
        // My solution
        func invertedDropout(_ x: [Double],
                             keep: [Bool], p: Double) -> [Double] {
            // scale the kept units
            zip(x, keep).map { value, kept in kept ? value / (1 - p) : 0 };
        }
        """
    static let dropoutIndices = """
        func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
            x.indices.map { keep[$0] ? x[$0] / (1 - p) : 0 }
        }
        """
    static let dropoutLoop = """
        func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
            var out = [Double]()
            for i in 0..<x.count { out.append(keep[i] ? x[i] / (1.0 - p) : 0.0) }
            return out
        }
        """

    @Test("short files, too short for fingerprints, are paired when they are the same text as written")
    func shortFiles() throws {
        // Too short to be compared by fingerprints once the starter code's are taken away.
        let baseHashes = Set(Winnowing.kGramHashes(of: SwiftTokenizer.tokens(Self.dropoutBase)))
        let own = Set(Winnowing.fingerprints(of: SwiftTokenizer.tokens(Self.dropoutOneLiner)).map(\.hash)).subtracting(
            baseHashes)
        #expect(own.count < SimilarityDetector.Settings.standard.minimumFingerprints)
        let files = [
            "ada": Self.dropoutOneLiner, "ben": Self.dropoutCopied, "cyd": Self.dropoutIndices, "dee": Self.dropoutLoop,
            "eve": Self.dropoutBase,
        ]
        let matches = SimilarityDetector.compare(
            problem: "dropout-equivalence", files: files, base: Self.dropoutBase,
            threshold: SimilarityDetector.defaultThreshold)
        let match = try #require(matches.first)
        #expect(matches.count == 1 && match.students == ["ada", "ben"] && match.score == 1)
        #expect(match.lines == [MatchedRegion(a: [1, 3], b: [2, 6])])
        let renamed = Self.dropoutOneLiner.replacingOccurrences(
            of: "value, kept in kept ? value", with: "v, k in k ? v")
        let apart = SimilarityDetector.compare(
            problem: "dropout-equivalence", files: ["ada": Self.dropoutOneLiner, "ben": renamed],
            base: Self.dropoutBase, threshold: 0)
        #expect(apart.isEmpty, "a short copy with its names changed cannot be told from independent work")
    }

    @Test("a short text most of the class wrote is an idiom, and the starter code is nobody's own")
    func shortIdioms() {
        var settings = SimilarityDetector.Settings()
        settings.commonFloor = 2
        let three = [
            "ada": Self.dropoutOneLiner, "ben": Self.dropoutOneLiner, "cyd": Self.dropoutOneLiner,
            "dee": Self.dropoutLoop,
        ]
        #expect(
            SimilarityDetector.compare(
                problem: "p", files: three, base: Self.dropoutBase, threshold: 0, settings: settings
            ).isEmpty)
        let two = [
            "ada": Self.dropoutOneLiner, "ben": Self.dropoutOneLiner, "cyd": Self.dropoutIndices,
            "dee": Self.dropoutLoop,
        ]
        #expect(
            SimilarityDetector.compare(
                problem: "p", files: two, base: Self.dropoutBase, threshold: 0, settings: settings
            ).count == 1)
        let scaffolds = ["ada": Self.dropoutBase, "ben": Self.dropoutBase + "\n// not started\n"]
        #expect(
            SimilarityDetector.compare(problem: "p", files: scaffolds, base: Self.dropoutBase, threshold: 0).isEmpty)
    }

    @Test("a fingerprint most of the class has is an idiom and does not count")
    func commonFingerprints() {
        var settings = SimilarityDetector.Settings()
        settings.commonFloor = 2
        let three = ["ada": Self.original, "ben": Self.original, "cyd": Self.original]
        #expect(
            SimilarityDetector.compare(problem: "p", files: three, base: Self.base, threshold: 0, settings: settings)
                .isEmpty)
        let two = ["ada": Self.original, "ben": Self.original, "cyd": Self.functionalSolution]
        #expect(
            SimilarityDetector.compare(problem: "p", files: two, base: Self.base, threshold: 0.5, settings: settings)
                .count == 1)
    }

    @Test("hostile input ends quickly and without a crash")
    func hostileInput() {
        var generator = SeededGenerator(seed: 7)
        let randomBytes = (0..<(1 << 18)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let files = [
            "comment": Self.original + "\n/* never closed /* nested", "string": "let s = \"never closed\nfunc f() {}",
            "multiline": "let s = \"\"\"\n\\(\"a\\(#\"b", "interpolation": String(repeating: "\"\\(", count: 100_000),
            "random": String(decoding: randomBytes, as: UTF8.self),
            "large": String(repeating: Self.original, count: 400),
            "raw": "let r = ###\"\\###(", "ada": Self.original,
        ]
        let start = ContinuousClock.now
        let matches = SimilarityDetector.compare(problem: "p", files: files, base: Self.base, threshold: 0)
        #expect(ContinuousClock.now - start < .seconds(30))
        #expect(
            SwiftTokenizer.tokens(String(repeating: "abcdefg ", count: 1 << 18)).count == SwiftTokenizer.maximumBytes
                / 8)
        #expect(SwiftTokenizer.tokens(String(repeating: "+ -", count: 300_000)).count == SwiftTokenizer.maximumTokens)
        #expect(matches.contains { $0.students == ["ada", "comment"] && $0.score == 1 })
        #expect(matches.allSatisfy { (0...1).contains($0.score) })
    }

    /// The lines from `func name` to the next line that is a lone `}`.
    static func lines(of name: String, in source: String) -> ClosedRange<Int>? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.contains("func \(name)(") }),
            let end = lines[start...].firstIndex(where: { $0 == "}" })
        else { return nil }
        return (start + 1)...(end + 1)
    }

    /// Whether `region` holds at least half of `function`'s lines: fingerprints seldom reach a function's last
    /// lines, and the signature comes from the starter code.
    static func covers(_ region: [Int], _ function: ClosedRange<Int>) -> Bool {
        let overlap = min(region[1], function.upperBound) - max(region[0], function.lowerBound) + 1
        return 2 * overlap >= function.count
    }

    static let base = """
        // Jacobians of a residual network: implement each function below. Helper functions may be added to this file.

        func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
            fatalError("TODO: implement residualLayerJacobian")
        }

        func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], \
        biases: [[Double]]) {
            fatalError("TODO: implement residualGradients")
        }
        """

    /// A full solution with three helpers.
    static let original = """
        // Jacobians of a residual network: implement each function below. Helper functions may be added to this file.

        /// A y + b.
        func affine(_ A: [[Double]], _ y: [Double], _ b: [Double]) -> [Double] {
            var z = [Double](repeating: 0, count: A.count)
            for i in 0..<A.count {
                var sum = b[i]
                for j in 0..<y.count {
                    sum += A[i][j] * y[j]
                }
                z[i] = sum
            }
            return z
        }

        /// relu'(z), 1 where z > 0.
        func reluSlope(_ z: [Double]) -> [Double] {
            var d = [Double](repeating: 0, count: z.count)
            for i in 0..<z.count {
                if z[i] > 0 { d[i] = 1 }
            }
            return d
        }

        /// A^T g.
        func transposeTimes(_ A: [[Double]], _ g: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: A[0].count)
            for i in 0..<A.count {
                for j in 0..<A[i].count {
                    out[j] += A[i][j] * g[i]
                }
            }
            return out
        }

        func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
            let n = y.count
            let d = reluSlope(affine(A, y, b))
            var J = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n {
                for j in 0..<n {
                    J[i][j] = d[i] * A[i][j]
                    if i == j { J[i][j] += 1 }
                }
            }
            return J
        }

        func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], \
        biases: [[Double]]) {
            let L = weights.count
            var ys: [[Double]] = [x]
            var ds: [[Double]] = [[]]
            var y = affine(weights[0], x, biases[0])
            for l in 1..<(L - 1) {
                ys.append(y)
                let z = affine(weights[l], y, biases[l])
                let d = reluSlope(z)
                ds.append(d)
                for i in 0..<y.count {
                    y[i] += d[i] * z[i]
                }
            }
            ys.append(y)
            var gW = [[[Double]]](repeating: [], count: L)
            var gB = [[Double]](repeating: [], count: L)
            gW[L - 1] = [y]
            gB[L - 1] = [1]
            var g = weights[L - 1][0]
            for l in stride(from: L - 2, through: 1, by: -1) {
                var delta = g
                for i in 0..<delta.count { delta[i] *= ds[l][i] }
                gB[l] = delta
                gW[l] = delta.map { di in ys[l].map { di * $0 } }
                let back = transposeTimes(weights[l], delta)
                for j in 0..<g.count { g[j] += back[j] }
            }
            gB[0] = g
            gW[0] = g.map { gi in x.map { gi * $0 } }
            return (weights: gW, biases: gB)
        }
        """

    /// `original` with every name changed, the helpers moved and reordered, other indentation, line breaks and
    /// comments.
    static let disguisedCopy = """
        func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
          let size = y.count
          let mask = activeUnits(preActivation(A, y, b))
          var jac = [[Double]](repeating: [Double](repeating: 0, count: size),
                               count: size)
          for r in 0..<size {
            for c in 0..<size {
              jac[r][c] = mask[r] * A[r][c]
              if r == c {
                jac[r][c] += 1   // identity from the skip connection
              }
            }
          }
          return jac
        }

        // my helpers

        // computes M^T v
        func backProject(_ M: [[Double]], _ v: [Double]) -> [Double] {
          var result = [Double](repeating: 0, count: M[0].count)
          for r in 0..<M.count {
            for c in 0..<M[r].count { result[c] += M[r][c] * v[r] }
          }
          return result
        }

        // derivative of relu
        func activeUnits(_ pre: [Double]) -> [Double] {
          var mask = [Double](repeating: 0, count: pre.count)
          for k in 0..<pre.count {
            if pre[k] > 0 {
              mask[k] = 1
            }
          }
          return mask
        }

        func preActivation(_ M: [[Double]], _ v: [Double], _ bias: [Double]) -> [Double] {
          var out = [Double](repeating: 0, count: M.count)
          for r in 0..<M.count {
            var acc = bias[r]
            for c in 0..<v.count { acc += M[r][c] * v[c] }
            out[r] = acc
          }
          return out
        }

        func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], \
        biases: [[Double]]) {
          let depth = weights.count
          var inputs: [[Double]] = [x]
          var masks: [[Double]] = [[]]
          var h = preActivation(weights[0], x, biases[0])
          for layer in 1..<(depth - 1) {
            inputs.append(h)
            let pre = preActivation(weights[layer], h, biases[layer])
            let mask = activeUnits(pre)
            masks.append(mask)
            for k in 0..<h.count { h[k] += mask[k] * pre[k] }
          }
          inputs.append(h)
          // backward pass
          var dW = [[[Double]]](repeating: [], count: depth)
          var dB = [[Double]](repeating: [], count: depth)
          dW[depth - 1] = [h]
          dB[depth - 1] = [1]
          var upstream = weights[depth - 1][0]
          for layer in stride(from: depth - 2, through: 1, by: -1) {
            var local = upstream
            for k in 0..<local.count {
              local[k] *= masks[layer][k]
            }
            dB[layer] = local
            dW[layer] = local.map { u in inputs[layer].map { u * $0 } }
            let pulled = backProject(weights[layer], local)
            for c in 0..<upstream.count {
              upstream[c] += pulled[c]
            }
          }
          dB[0] = upstream
          dW[0] = upstream.map { u in x.map { u * $0 } }
          return (weights: dW, biases: dB)
        }
        """

    /// Another student's solution: plain loops, reusing the layer Jacobian for backpropagation.
    static let loopsSolution = """
        // Jacobians of a residual network: implement each function below. Helper functions may be added to this file.

        func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
            let size = A.count
            var result: [[Double]] = []
            for row in 0..<size {
                var pre = b[row]
                for col in 0..<y.count { pre += A[row][col] * y[col] }
                var jacobianRow = [Double]()
                for col in 0..<size {
                    let identity: Double = row == col ? 1 : 0
                    jacobianRow.append(pre > 0 ? identity + A[row][col] : identity)
                }
                result.append(jacobianRow)
            }
            return result
        }

        func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], \
        biases: [[Double]]) {
            let depth = weights.count
            // forward: keep every layer's input
            var layerInputs: [[Double]] = []
            var current = x
            for l in 0..<depth - 1 {
                layerInputs.append(current)
                var next: [Double] = []
                for row in 0..<weights[l].count {
                    var s = biases[l][row]
                    for col in 0..<current.count { s += weights[l][row][col] * current[col] }
                    if l == 0 {
                        next.append(s)
                    } else {
                        next.append(current[row] + max(0, s))
                    }
                }
                current = next
            }
            layerInputs.append(current)

            var weightGrads = Array(repeating: [[Double]](), count: depth)
            var biasGrads = Array(repeating: [Double](), count: depth)
            weightGrads[depth - 1] = [current]
            biasGrads[depth - 1] = [1.0]
            // dOut/d(input of the last layer)
            var grad = weights[depth - 1][0]
            var l = depth - 2
            while l >= 0 {
                let input = layerInputs[l]
                if l == 0 {
                    biasGrads[0] = grad
                    weightGrads[0] = grad.map { gi in input.map { gi * $0 } }
                    break
                }
                let J = residualLayerJacobian(A: weights[l], b: biases[l], y: input)
                // delta_i = grad_i * relu'(z_i)
                var delta = [Double]()
                for i in 0..<grad.count {
                    var z = biases[l][i]
                    for j in 0..<input.count { z += weights[l][i][j] * input[j] }
                    delta.append(z > 0 ? grad[i] : 0)
                }
                biasGrads[l] = delta
                var rows: [[Double]] = []
                for i in 0..<delta.count { rows.append(input.map { delta[i] * $0 }) }
                weightGrads[l] = rows
                var newGrad = [Double](repeating: 0, count: grad.count)
                for j in 0..<grad.count {
                    var s = 0.0
                    for i in 0..<grad.count { s += J[i][j] * grad[i] }
                    newGrad[j] = s
                }
                grad = newGrad
                l -= 1
            }
            return (weightGrads, biasGrads)
        }
        """

    /// A third student's: map, zip and reduce.
    static let functionalSolution = """
        import Foundation

        private func dot(_ u: [Double], _ v: [Double]) -> Double {
            zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
        }

        /// z = W v + c
        private func preactivation(_ W: [[Double]], _ c: [Double], _ v: [Double]) -> [Double] {
            zip(W, c).map { row, ci in dot(row, v) + ci }
        }

        private func relu(_ t: Double) -> Double { Swift.max(t, 0) }

        func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
            let gate = preactivation(A, b, y).map { $0 > 0 ? 1.0 : 0.0 }
            return A.enumerated().map { i, row in
                row.enumerated().map { j, a in (i == j ? 1 : 0) + gate[i] * a }
            }
        }

        func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: [[[Double]]], \
        biases: [[Double]]) {
            let count = weights.count
            precondition(count >= 2, "need an input layer and an output layer")
            var activations = [x]
            var gates: [[Double]] = []
            var h = preactivation(weights[0], biases[0], x)
            for (W, c) in zip(weights.dropFirst().dropLast(), biases.dropFirst().dropLast()) {
                activations.append(h)
                let z = preactivation(W, c, h)
                gates.append(z.map { $0 > 0 ? 1 : 0 })
                h = zip(h, z.map(relu)).map(+)
            }
            let output = weights[count - 1][0]
            var wGrad: [[[Double]]] = [[h]]
            var bGrad: [[Double]] = [[1]]
            var back = output
            for (index, gate) in gates.enumerated().reversed() {
                let W = weights[index + 1]
                let delta = zip(back, gate).map(*)
                bGrad.insert(delta, at: 0)
                wGrad.insert(delta.map { d in activations[index + 1].map { $0 * d } }, at: 0)
                let through = W.indices.reduce(into: [Double](repeating: 0, count: back.count)) { acc, r in
                    for col in acc.indices { acc[col] += W[r][col] * delta[r] }
                }
                back = zip(back, through).map(+)
            }
            bGrad.insert(back, at: 0)
            wGrad.insert(back.map { d in x.map { $0 * d } }, at: 0)
            return (wGrad, bGrad)
        }
        """

    static let varianceBase = """
        // Variance of a deep residual network: implement each function below. Helper functions may be added to this \
        file.

        func outputVariance(widths: [Int]) -> Double {
            fatalError("TODO: implement outputVariance")
        }
        """

    static let varianceLoop = """
        import Foundation

        /// Variance after one residual block with a width-n layer.
        func nextVariance(_ v: Double, width n: Int) -> Double {
            return v / 3.0 + 1.0 / (3.0 * Double(n))
        }

        func outputVariance(widths: [Int]) -> Double {
            precondition(widths.allSatisfy { $0 > 0 }, "widths must be positive")
            var v = 1.0
            for n in widths {
                v = nextVariance(v, width: n)
            }
            return v
        }
        """

    static let varianceWhile = """
        func outputVariance(widths: [Int]) -> Double {
            guard !widths.isEmpty else { return 1 }
            var variance: Double = 1
            var layer = 0
            while layer < widths.count {
                let n = Double(widths[layer])
                variance = (variance + 1 / n) / 3
                layer += 1
            }
            return variance
        }
        """

    static let varianceClosedForm = """
        import Foundation

        /// Var((y_L)_i) = 3^-L + sum_i 3^-(L-i) / n_i.
        func outputVariance(widths: [Int]) -> Double {
            let depth = widths.count
            var total = pow(3.0, -Double(depth))
            for (i, width) in widths.enumerated() {
                total += pow(3.0, -Double(depth - i)) / Double(width)
            }
            return total
        }
        """

    static let varianceRecursive = """
        import Foundation

        func varianceAfter(_ layers: ArraySlice<Int>) -> Double {
            guard let last = layers.last else {
                return 1.0
            }
            let before = varianceAfter(layers.dropLast())
            return (before + 1.0 / Double(last)) / 3.0
        }

        func outputVariance(widths: [Int]) -> Double {
            if widths.contains(where: { $0 <= 0 }) {
                return .nan
            }
            return varianceAfter(widths[...])
        }
        """
}
