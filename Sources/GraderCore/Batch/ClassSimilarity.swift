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
    /// - Parameter file: The text of a student's file for a problem, `nil` when there is none.
    public init(
        problems: ProblemSet, students: [String], threshold: Double, width: Int = 1,
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
            SimilarityDetector.compare(
                problem: compared[index].id, files: files[index], base: scaffold[compared[index].snippetFileName],
                threshold: threshold)
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
