/// One pair of students whose files for a problem share more than the threshold.
public struct SimilarityMatch: Sendable, Codable, Equatable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case lines, problem, score, students
    }
    public let problem: String
    /// The two students, in sorted order.
    public let students: [String]
    /// 0...1, the share of the smaller file's fingerprints found in the other file; see `SimilarityDetector`.
    public let score: Double
    /// The matching regions, as 1-based inclusive line ranges in each student's file: [{"a": [3, 9], "b": [5, 12]}], a
    /// = students[0].
    public let lines: [MatchedRegion]

    /// A match as `SimilarityDetector.compare` reports it, or as read back from a report.
    public init(problem: String, students: [String], score: Double, lines: [MatchedRegion]) {
        self.problem = problem
        self.students = students
        self.score = score
        self.lines = lines
    }
}

/// Lines of one student's file (`a`) and the lines of the other's (`b`) that match them, each as `[first, last]`.
public struct MatchedRegion: Sendable, Codable, Equatable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case a, b
    }
    public let a: [Int]
    public let b: [Int]

    /// A region from `[first, last]` in each file.
    public init(a: [Int], b: [Int]) {
        self.a = a
        self.b = b
    }
}

/// Finds pairs of students whose Swift files for one problem are suspiciously alike, as MOSS does.
///
/// Each file is lexed into normalised tokens (`SwiftTokenizer`: names, literals, comments and layout do not count)
/// and fingerprinted by winnowing (`Winnowing`). Then fingerprints are taken away:
/// - every k-gram of the starter code (`base`), so the handed-out signatures and `fatalError` stubs never match;
/// - fingerprints in more than half the class (and in more than `Settings.commonFloor` files): what most students
///   write is an idiom of the problem, not evidence of copying. A ring of copiers larger than half the class is
///   therefore not reported.
///
/// The score of a pair is the number of distinct fingerprints they share divided by the number of distinct
/// fingerprints of the smaller file. Dividing by the smaller file rather than the union means that a copy padded
/// with extra code, or a student who copied one of two functions, still scores high; a complete copy scores 1 and
/// independent work close to 0. The price is that a tiny file is trivially contained in a larger one, so a file with
/// fewer than `Settings.minimumFingerprints` fingerprints left is never paired: solutions of a few lines (a one-line
/// `map`, the obvious five-line loop) cannot tell copying from the one natural way to write them by fingerprints.
///
/// Short files are compared by another rule instead: two of them match (score 1) when they are the same text token
/// for token, names and literals as written, once layout, comments, `;` and trailing commas are dropped, and that
/// text is the students' own (not the starter code) and rare (in at most `Settings.commonFloor` files, and at most
/// `commonFraction` of the class). Independent students rarely pick the same names for everything in the same
/// order; a copied one-liner keeps them. A short copy with its names changed is not found: nothing tells it from the
/// natural way to write it.
///
/// Only pairs sharing a fingerprint are scored, from an inverted index fingerprint -> students, so a class of 200
/// costs far less than its 19,900 pairs. Output depends on neither dictionary order nor the process (no `Hasher`).
public enum SimilarityDetector {
    /// The default threshold, 0.6: most of the smaller file's fingerprints are also in the other file.
    ///
    /// Measured on this homework's residual-network functions with the default k-grams and windows: disguised
    /// copies (every name changed, helpers reordered, re-indented, comments changed) scored 0.97, with a few
    /// statements also rewritten 0.85, with a change every few lines 0.79; independently written solutions scored
    /// 0.03 to 0.33, and 0.46 for two that converged on the same plain loops. 0.6 sits between the two groups with a
    /// margin on each side. Lower it to see partial copies, at the price of more pairs to review by hand.
    public static let defaultThreshold = 0.6

    /// Compares every pair of `files` (student id -> Swift source) of one problem; returns the pairs with
    /// score >= `threshold`, highest score first (ties by student ids).
    ///
    /// `base` is the starter code every student received: its fingerprints are subtracted from everyone's, so
    /// untouched scaffolds never match.
    public static func compare(problem: String, files: [String: String], base: String?, threshold: Double)
        -> [SimilarityMatch]
    {
        compare(problem: problem, files: files, base: base, threshold: threshold, settings: .standard)
    }

    /// The knobs of the comparison; `standard` is what `compare` uses.
    struct Settings: Sendable {
        var kGramLength = Winnowing.defaultKGramLength
        var windowSize = Winnowing.defaultWindowSize
        /// A file with fewer distinct fingerprints than this, once the starter code and common idioms are taken
        /// away, is never paired: 8 is about 40 tokens of the student's own, four or five lines of homework code.
        var minimumFingerprints = 8
        /// A fingerprint in more than this share of the class is an idiom and is ignored...
        var commonFraction = 0.5
        /// ...unless it is in at most this many files: a small class has no idioms to learn from.
        var commonFloor = 10
        /// A short file is compared as written only when it has at least this many tokens beyond the starter code's.
        var minimumShortTokens = 12

        static let standard = Settings()
    }

    /// `compare` with explicit settings, for experiments and tests.
    static func compare(
        problem: String, files: [String: String], base: String?, threshold: Double,
        settings: Settings
    ) -> [SimilarityMatch] {
        let students = files.keys.sorted()
        // Every k-gram of the base, not only its winnowed ones: a student's window over the same code may pick others.
        let baseHashes = Set(
            base.map { Winnowing.kGramHashes(of: SwiftTokenizer.tokens($0), kGramLength: settings.kGramLength) }
                ?? [])
        var prints: [[Fingerprint]] = students.map { student in
            Winnowing.fingerprints(
                of: SwiftTokenizer.tokens(files[student] ?? ""), kGramLength: settings.kGramLength,
                windowSize: settings.windowSize
            )
            .filter { !baseHashes.contains($0.hash) }
        }

        var holders: [UInt64: [Int]] = [:]
        for (student, studentPrints) in prints.enumerated() {
            for hash in Set(studentPrints.map(\.hash)) { holders[hash, default: []].append(student) }
        }
        let commonLimit = max(settings.commonFloor, Int(settings.commonFraction * Double(students.count)))
        let common = Set(holders.filter { $0.value.count > commonLimit }.keys)
        if !common.isEmpty {
            prints = prints.map { studentPrints in studentPrints.filter { !common.contains($0.hash) } }
        }
        let profiles = prints.map(FileProfile.init)

        var matches: [SimilarityMatch] = []
        var shared = [Int](repeating: 0, count: students.count)
        for a in students.indices where profiles[a].distinctCount >= settings.minimumFingerprints {
            var partners: [Int] = []
            for hash in profiles[a].occurrences.keys {
                for b in holders[hash] ?? [] where b > a {
                    if shared[b] == 0 { partners.append(b) }
                    shared[b] += 1
                }
            }
            for b in partners.sorted() {
                defer { shared[b] = 0 }
                guard profiles[b].distinctCount >= settings.minimumFingerprints else { continue }
                let score = Double(shared[b]) / Double(min(profiles[a].distinctCount, profiles[b].distinctCount))
                guard score >= threshold else { continue }
                matches.append(
                    SimilarityMatch(
                        problem: problem, students: [students[a], students[b]], score: score,
                        lines: regions(profiles[a], profiles[b])))
            }
        }
        matches += shortMatches(
            problem: problem, students: students, files: files,
            short: students.indices.filter { profiles[$0].distinctCount < settings.minimumFingerprints },
            base: base, commonLimit: commonLimit, settings: settings)
        return matches.sorted {
            ($0.score, $1.students[0], $1.students[1]) > ($1.score, $0.students[0], $0.students[1])
        }
    }

    /// Pairs among the `short` files (indices into `students`) whose text is the same token for token, as written:
    /// see the type's summary. Each pair scores 1 and matches line for line over the whole file.
    static func shortMatches(
        problem: String, students: [String], files: [String: String], short: [Int], base: String?, commonLimit: Int,
        settings: Settings
    ) -> [SimilarityMatch] {
        let baseTokens = base.map { SwiftTokenizer.tokens($0).map(\.verbatim) } ?? []
        let baseCounts = Dictionary(baseTokens.map { ($0, 1) }, uniquingKeysWith: +)
        var groups: [[String]: [Int]] = [:]
        var spans: [Int: (first: Int, last: Int)] = [:]
        for index in short {
            let tokens = SwiftTokenizer.tokens(files[students[index]] ?? "")
            let text = tokens.map(\.verbatim)
            guard text != baseTokens, let first = tokens.first, let last = tokens.last else { continue }
            // Tokens beyond the starter code's: the student's own writing, counted as a multiset difference.
            var remaining = baseCounts
            var own = 0
            for token in text {
                if let count = remaining[token], count > 0 { remaining[token] = count - 1 } else { own += 1 }
            }
            guard own >= settings.minimumShortTokens else { continue }
            groups[text, default: []].append(index)
            spans[index] = (first.line, last.line)
        }
        var matches: [SimilarityMatch] = []
        for members in groups.values where members.count >= 2 && members.count <= commonLimit {
            for (position, a) in members.enumerated() {
                for b in members[(position + 1)...] {
                    let (x, y) = a < b ? (a, b) : (b, a)
                    let lines = [
                        MatchedRegion(a: [spans[x]!.first, spans[x]!.last], b: [spans[y]!.first, spans[y]!.last])
                    ]
                    matches.append(
                        SimilarityMatch(problem: problem, students: [students[x], students[y]], score: 1, lines: lines))
                }
            }
        }
        return matches
    }

    /// One file's fingerprints that count, in source order and by hash.
    struct FileProfile {
        let prints: [Fingerprint]
        let occurrences: [UInt64: [Fingerprint]]
        var distinctCount: Int { occurrences.count }

        init(_ prints: [Fingerprint]) {
            self.prints = prints
            occurrences = Dictionary(grouping: prints, by: \.hash)
        }
    }

    /// Lines of `a` and of `b` holding the same fingerprints, merged where they overlap or touch in both files,
    /// sorted by their lines in `a`.
    ///
    /// A fingerprint found once in each file anchors a region. One found several times in either (the two copies
    /// of a loop every helper has) pairs with each occurrence in the other file, but only extends a region an anchor
    /// starts, so code copied as a whole is reported where it is, never matched against a look-alike elsewhere.
    static func regions(_ a: FileProfile, _ b: FileProfile) -> [MatchedRegion] {
        var pairs: [Region] = []
        for fingerprint in a.prints {
            guard let inB = b.occurrences[fingerprint.hash] else { continue }
            let lines = fingerprint.firstLine...fingerprint.lastLine
            let inA = a.occurrences[fingerprint.hash]?.count ?? 1
            if inA == 1 && inB.count == 1 {
                pairs.append(Region(a: lines, b: inB[0].firstLine...inB[0].lastLine, anchored: true))
            } else if inA <= maximumRepeats && inB.count <= maximumRepeats {
                for partner in inB {
                    pairs.append(Region(a: lines, b: partner.firstLine...partner.lastLine, anchored: false))
                }
            }
        }
        return merge(pairs)
            .filter(\.anchored)
            .map { MatchedRegion(a: [$0.a.lowerBound, $0.a.upperBound], b: [$0.b.lowerBound, $0.b.upperBound]) }
    }

    /// A fingerprint repeated more often than this in either file is left out of the regions.
    static let maximumRepeats = 4

    /// Line ranges in both files, and whether a fingerprint unique to both supports them.
    struct Region {
        var a: ClosedRange<Int>
        var b: ClosedRange<Int>
        var anchored: Bool

        func touches(_ other: Region) -> Bool {
            Self.touch(a, other.a) && Self.touch(b, other.b)
        }

        func union(_ other: Region) -> Region {
            Region(
                a: min(a.lowerBound, other.a.lowerBound)...max(a.upperBound, other.a.upperBound),
                b: min(b.lowerBound, other.b.lowerBound)...max(b.upperBound, other.b.upperBound),
                anchored: anchored || other.anchored)
        }

        static func touch(_ x: ClosedRange<Int>, _ y: ClosedRange<Int>) -> Bool {
            x.lowerBound <= y.upperBound + 1 && y.lowerBound <= x.upperBound + 1
        }
    }

    /// `regions` merged until no two overlap or touch in both files (among neighbours in `a`'s order, in at most
    /// eight passes, so that hostile files stay linear), sorted by their lines in `a`.
    static func merge(_ regions: [Region]) -> [Region] {
        var current = regions
        var previousCount = Int.max
        var passes = 0
        while current.count < previousCount && passes < 8 {
            passes += 1
            previousCount = current.count
            current.sort {
                ($0.a.lowerBound, $0.b.lowerBound, $0.a.upperBound, $0.b.upperBound)
                    < ($1.a.lowerBound, $1.b.lowerBound, $1.a.upperBound, $1.b.upperBound)
            }
            var merged: [Region] = []
            for region in current {
                // Sorted by first line in `a`, a region mostly touches a recent one.
                if let index = merged.indices.suffix(16).last(where: { merged[$0].touches(region) }) {
                    merged[index] = merged[index].union(region)
                } else {
                    merged.append(region)
                }
            }
            current = merged
        }
        return current
    }
}
