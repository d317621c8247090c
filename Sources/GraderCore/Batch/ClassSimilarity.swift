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
        let compared = problems.problems.filter { !$0.snippetParts.isEmpty }
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
/// One file a problem (`<folder>/<digest of the problem's definition path and id>.json`), replaced by the next
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

    /// What the memo file holds.
    struct Entry: Codable {
        let key: String
        let matches: [SimilarityMatch]
    }

    /// The pairs kept for exactly these inputs, or `compare()`'s, then kept.
    func matches(
        problem: Problem, files: [String: String], base: String?, threshold: Double,
        _ compare: () -> [SimilarityMatch]
    ) -> [SimilarityMatch] {
        let key = Self.key(problem: problem.id, files: files, base: base, threshold: threshold)
        var name = SHA256Hasher()
        name.update(field: problem.definitionPath)
        name.update(field: problem.id)
        let path = "\(folder)/\(name.hexDigest().prefix(24)).json"
        if readsKept, let data = FileBytes.read(path), let entry = try? JSONText.decode(Entry.self, from: data),
            entry.key == key
        {
            return entry.matches
        }
        let matches = compare()
        if let bytes = try? JSONText.encode(Entry(key: key, matches: matches), pretty: false) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try? WorkFolder.writeAtomically(bytes, to: path, mode: 0o600)
        }
        return matches
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
        for student in files.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            hasher.update(field: counted(student))
            hasher.update(field: counted(files[student]!))
        }
        return hasher.hexDigest()
    }
}
