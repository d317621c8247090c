import Foundation

/// The similarity of a class's Swift files: every pair of students compared per problem, with the starter code
/// that `grader init` writes subtracted, and the files the matches point into, for the overview's side-by-side view.
public struct ClassSimilarity: Sendable {
    /// Pairs at or above the threshold, highest score first.
    public var matches: [SimilarityMatch] = []
    /// The text of each file a match points into, by student and problem.
    public var sources: [String: [String: String]] = [:]

    /// The folder, inside each student's output folder, that keeps a copy of the Swift files compared, so that
    /// `grader merge` compares students of different shards as one run would.
    public static let codeFolder = "code"

    public init() {}

    /// Compares the snippet files of every pair of `students` for each problem with snippet parts, `width`
    /// problems at a time.
    ///
    /// - Parameters:
    ///   - memo: Where each problem's pairs are kept, keyed by every file compared, so that a rerun with the same
    ///     files reads them back instead of comparing again; `nil` compares every time.
    ///   - file: The text of a student's file for a problem, `nil` when there is none.
    public init(
        problems: ProblemSet, students: [String], threshold: Double, width: Int = 1, memo: SimilarityMemo? = nil,
        file: (String, Problem) -> String?
    ) {
        let scaffold = Dictionary(
            Scaffold.files(for: problems).map { ($0.name, $0.contents) }, uniquingKeysWith: { first, _ in first })
        let compared = problems.problems.filter { $0.hasSnippetParts }
        let files = compared.map { problem in
            Dictionary(
                students.compactMap { student in file(student, problem).map { (student, $0) } },
                uniquingKeysWith: { _, last in last })
        }
        let found = parallelMap(count: compared.count, width: width) { index in
            let problem = compared[index]
            let base = scaffold[problem.snippetFileName]
            let compare = {
                SimilarityDetector.compare(
                    problem: problem.id, files: files[index], base: base, threshold: threshold)
            }
            guard let memo else { return compare() }
            return memo.matches(problem: problem, files: files[index], base: base, threshold: threshold, compare)
        }
        for (index, problem) in compared.enumerated() {
            for match in found[index] {
                for student in match.students { sources[student, default: [:]][problem.id] = files[index][student] }
            }
            matches += found[index]
        }
        matches.sort {
            ($1.score, $0.problem, $0.students.joined(separator: "\n")) < (
                $0.score, $1.problem, $1.students.joined(separator: "\n")
            )
        }
    }

    /// The text of a submission's file, as the similarity report reads it (invalid UTF-8 repaired).
    public static func text(of name: String, in folder: String) -> String? {
        guard case .success(let bytes) = Submission.readFile(named: name, in: folder) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Each problem's similar pairs from the last comparison, kept in the grader's cache: comparing a class's files is
/// most of a rerun in which nothing changed, and the pairs depend on nothing but the files, the starter code, the
/// threshold and the grader.
///
/// One file a problem (`<folder>/<digest of the problem's definition path and id>.pairs`), replaced by the next
/// comparison of other files, so the memo never grows with the number of runs. It holds the key it was computed
/// under (every file compared, byte for byte, with its student); a key that differs, or a file that does not
/// decode, is compared again. Only a cache that student code cannot write is given one (`GradingOptions
/// .cachesResults`): a memo changed by a student could hide a copy.
public struct SimilarityMemo: Sendable {
    /// The folder of the memo files.
    public let folder: String

    /// Whether kept pairs are read back; `false` (`--no-result-cache`) compares again and replaces them.
    public let readsKept: Bool

    /// A memo in `folder`, created when first written.
    public init(folder: String, readsKept: Bool = true) {
        self.folder = folder
        self.readsKept = readsKept
    }

    /// The pairs kept for exactly these inputs, or `compare()`'s, then kept.
    func matches(
        problem: Problem, files: [String: String], base: String?, threshold: Double,
        _ compare: () -> [SimilarityMatch]
    ) -> [SimilarityMatch] {
        let key = Self.key(problem: problem.id, files: files, base: base, threshold: threshold)
        let students = Self.students(of: files)
        var name = SHA256Hasher()
        name.update(field: problem.definitionPath)
        name.update(field: problem.id)
        let stem = "\(folder)/\(name.hexDigest().prefix(24))"
        let path = stem + ".pairs"
        if readsKept, let data = FileBytes.read(path),
            let kept = Self.decoded(Array(data), key: key, problem: problem.id, students: students)
        {
            return kept
        }
        let matches = compare()
        if let bytes = Self.encoded(matches, key: key, problem: problem.id, students: students) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try? WorkFolder.writeAtomically(bytes, to: path, mode: 0o600)
            // The JSON memo of earlier versions, never read again.
            unlink(stem + ".json")
        }
        return matches
    }

    /// The students of `files` in the order a memo numbers them (and the key lists them): by their bytes.
    static func students(of files: [String: String]) -> [String] {
        files.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// The first line of a memo file, which ends with its key.
    static let header = "similarity pairs 2 "

    /// A memo file: the header, the key and the number of matches on the first line, then a line of numbers per
    /// match: its number of students and each one's index in `students`, the score's bits in hex, its number of
    /// regions, and each region's `a` and `b` as a count and the lines. Numbers only, so a rerun reads 5,000 pairs
    /// in a few milliseconds (as JSON, decoding them was a fifth of a rerun). `nil` when a match names a student or
    /// problem outside the key.
    static func encoded(_ matches: [SimilarityMatch], key: String, problem: String, students: [String]) -> [UInt8]? {
        let index = Dictionary(students.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var text = Self.header + key + " \(matches.count)\n"
        for match in matches {
            guard match.problem == problem else { return nil }
            var numbers = [String(match.students.count)]
            for student in match.students {
                guard let position = index[student] else { return nil }
                numbers.append(String(position))
            }
            numbers.append(String(match.score.bitPattern, radix: 16))
            numbers.append(String(match.lines.count))
            for region in match.lines {
                for lines in [region.a, region.b] { numbers += [String(lines.count)] + lines.map { String($0) } }
            }
            text += numbers.joined(separator: " ") + "\n"
        }
        return Array(text.utf8)
    }

    /// The matches of a memo file written under `key` for these `students`; `nil` for another key or anything
    /// malformed or cut short, which is then compared again.
    static func decoded(_ bytes: [UInt8], key: String, problem: String, students: [String]) -> [SimilarityMatch]? {
        let header = Array((Self.header + key + " ").utf8)
        guard bytes.starts(with: header) else { return nil }
        var position = header.count
        /// The next number of the current line, in `radix`; `nil` at the end of the line or on anything else.
        func number(radix: UInt64 = 10) -> UInt64? {
            while position < bytes.count, bytes[position] == 0x20 { position += 1 }
            var value: UInt64 = 0
            var digits = 0
            while position < bytes.count {
                let byte = bytes[position]
                let digit: UInt64
                switch byte {
                case 0x30...0x39: digit = UInt64(byte - 0x30)
                case 0x61...0x66 where radix == 16: digit = UInt64(byte - 0x61 + 10)
                default: digit = radix
                }
                guard digit < radix else { break }
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: radix)
                let (sum, overflowSum) = times.addingReportingOverflow(digit)
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
                digits += 1
                position += 1
            }
            return digits == 0 ? nil : value
        }
        func count(atMost limit: Int) -> Int? {
            guard let value = number(), value <= UInt64(limit) else { return nil }
            return Int(value)
        }
        /// The end of a line.
        func endOfLine() -> Bool {
            guard position < bytes.count, bytes[position] == 0x0A else { return false }
            position += 1
            return true
        }
        guard let matchCount = count(atMost: bytes.count), endOfLine() else { return nil }
        var matches: [SimilarityMatch] = []
        // A match takes at least 8 bytes: a corrupt count reserves no more than the file could hold.
        matches.reserveCapacity(min(matchCount, bytes.count / 8))
        for _ in 0..<matchCount {
            guard let studentCount = count(atMost: students.count) else { return nil }
            var pair: [String] = []
            for _ in 0..<studentCount {
                guard let student = count(atMost: students.count), student < students.count else { return nil }
                pair.append(students[student])
            }
            guard let bits = number(radix: 16), let regionCount = count(atMost: bytes.count) else { return nil }
            var regions: [MatchedRegion] = []
            for _ in 0..<regionCount {
                var sides: [[Int]] = []
                for _ in 0..<2 {
                    guard let lineCount = count(atMost: bytes.count) else { return nil }
                    var lines: [Int] = []
                    for _ in 0..<lineCount {
                        guard let line = count(atMost: Int.max) else { return nil }
                        lines.append(line)
                    }
                    sides.append(lines)
                }
                regions.append(MatchedRegion(a: sides[0], b: sides[1]))
            }
            guard endOfLine() else { return nil }
            matches.append(
                SimilarityMatch(problem: problem, students: pair, score: Double(bitPattern: bits), lines: regions))
        }
        return position == bytes.count ? matches : nil
    }

    /// A digest of everything the pairs of one problem depend on: the grader (its version and build), the problem,
    /// the threshold, the starter code and each student's file with the student's id.
    static func key(problem: String, files: [String: String], base: String?, threshold: Double) -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: "similarity 1")
        hasher.update(field: graderVersion)
        hasher.update(field: GradingSession.executableIdentity)
        hasher.update(field: problem)
        hasher.update(field: "\(threshold.bitPattern)")
        // Each text goes with its length: a file may hold the zero byte that ends a field.
        let counted = { (text: String) in "\(text.utf8.count) \(text)" }
        hasher.update(field: base.map(counted) ?? "no base")
        for student in students(of: files) {
            hasher.update(field: counted(student))
            hasher.update(field: counted(files[student]!))
        }
        return hasher.hexDigest()
    }
}
