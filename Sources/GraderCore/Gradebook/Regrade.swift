import Foundation

/// Short digests of what one problem's grade rests on, kept in `results.json` so that the next run can say why a
/// score changed: the problem's definition and reference, the student's answers and file, the grader and compiler.
public struct GradeInputs: Codable, Sendable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case grader, problem, submission
    }
    public var problem: String
    public var submission: String
    public var grader: String
}

/// A grade `--keep-higher` kept from the previous run, because this run's came out lower.
public struct KeptGrade: Codable, Sendable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case regraded, total
    }
    /// The grade that stands: the previous run's.
    public var total: Double
    /// What this run gave.
    public var regraded: Double

    /// One sentence for the student's feedback and the LMS comment.
    public var summary: String {
        """
        Regraded at \(NumberFormatting.score(regraded)); your earlier grade of \(NumberFormatting.score(total)) \
        stands, since a regrade never lowers a grade in this course.
        """
    }
}

/// What a regrade reads of the previous run's `results.json`: the scores and what they rest on, not the feedback,
/// trials or curves, which are most of the file and cost most of decoding it.
public struct PreviousGrade: Decodable, Sendable, Equatable {
    /// One problem's parts' scores and the digests of what they rest on.
    public struct Problem: Decodable, Sendable, Equatable {
        public var id: String
        public var inputs: GradeInputs?
        public var parts: [Part]
    }

    /// One part's score.
    public struct Part: Decodable, Sendable, Equatable {
        public var id: String
        public var score: Double
    }

    public var graderVersion: String
    public var score: Double
    public var problems: [Problem]
    public var late: LateAdjustment?
    public var keptHigher: KeptGrade?

    /// The grade as `GradeReport.total` computes it.
    public var total: Double { keptHigher?.total ?? late?.total ?? score }

    /// The same view of a report in memory.
    public init(_ report: GradeReport) {
        graderVersion = report.graderVersion
        score = report.score
        problems = report.problems.map { problem in
            Problem(
                id: problem.id, inputs: problem.inputs, parts: problem.parts.map { Part(id: $0.id, score: $0.score) })
        }
        late = report.late
        keptHigher = report.keptHigher
    }
}

/// One score that changed between two runs of a batch: a row of `regrade.csv`.
public struct RegradeChange: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case newScore, oldScore, part, problem, student, why
    }
    public var student: String
    /// The problem and part; `total` and an empty problem for the grade itself (a late penalty, a kept grade).
    public var problem: String
    public var part: String
    /// `nil` when the student was not in the previous run, or is not in this one.
    public var oldScore: Double?
    public var newScore: Double?
    public var why: String

    /// The changes from `previous` to `current`: every part whose score moved, each student's grade when it moved
    /// for another reason than its parts (the late policy, a kept grade), and students who came or went.
    public static func between(previous: [String: PreviousGrade], current: [(id: String, report: GradeReport)])
        -> [RegradeChange]
    {
        var changes: [RegradeChange] = []
        let currentIDs = Set(current.map(\.id))
        for (student, report) in current {
            guard let old = previous[student] else {
                changes.append(
                    RegradeChange(
                        student: student, problem: "", part: "total", oldScore: nil, newScore: report.total,
                        why: "not in the previous run"))
                continue
            }
            var partsMoved = false
            for problem in report.problems {
                let before = old.problems.first { $0.id == problem.id }
                let why = reason(
                    before: before, after: problem, oldVersion: old.graderVersion, newVersion: report.graderVersion)
                for removed in before?.parts ?? [] where !problem.parts.contains(where: { $0.id == removed.id }) {
                    partsMoved = true
                    changes.append(
                        RegradeChange(
                            student: student, problem: problem.id, part: removed.id, oldScore: removed.score,
                            newScore: nil, why: "the part was removed"))
                }
                for part in problem.parts {
                    let oldPart = before?.parts.first { $0.id == part.id }
                    guard oldPart.map({ abs($0.score - part.score) > 1e-9 }) ?? true else { continue }
                    partsMoved = true
                    changes.append(
                        RegradeChange(
                            student: student, problem: problem.id, part: part.id, oldScore: oldPart?.score,
                            newScore: part.score,
                            why: (oldPart == nil ? "a new part" : why)
                                + (report.keptHigher != nil ? "; the earlier, higher grade stands (--keep-higher)" : "")
                        ))
                }
            }
            let timingMoved = old.late?.timing != report.late?.timing
            let keptMoved = old.keptHigher != nil || report.keptHigher != nil
            if abs(old.total - report.total) > 1e-9 && (timingMoved || keptMoved || !partsMoved) {
                var why: [String] = []
                if report.keptHigher != nil { why.append("kept the earlier, higher grade (--keep-higher)") }
                if timingMoved { why.append("the late policy, due date or submission time changed") }
                if why.isEmpty { why.append("the parts' scores changed") }
                changes.append(
                    RegradeChange(
                        student: student, problem: "", part: "total", oldScore: old.total, newScore: report.total,
                        why: why.joined(separator: "; ")))
            }
        }
        for student in previous.keys.sorted() where !currentIDs.contains(student) {
            changes.append(
                RegradeChange(
                    student: student, problem: "", part: "total", oldScore: previous[student]!.total, newScore: nil,
                    why: "no longer among the submissions"))
        }
        return changes
    }

    /// Why a problem's scores moved, from the digests both runs kept.
    static func reason(before: PreviousGrade.Problem?, after: ProblemGrade, oldVersion: String, newVersion: String)
        -> String
    {
        guard let before else { return "a new problem" }
        var why: [String] = []
        if let old = before.inputs, let new = after.inputs {
            if old.problem != new.problem { why.append("the problem changed") }
            if old.submission != new.submission { why.append("the submission changed") }
            if old.grader != new.grader { why.append("the grader changed") }
        } else if oldVersion != newVersion {
            why.append("the grader changed")
        }
        return why.isEmpty ? "the grading options changed (limits, --only, the secret)" : why.joined(separator: "; ")
    }

    /// `regrade.csv`: student, problem, part, old score, new score, why; RFC 4180.
    public static func csv(_ changes: [RegradeChange]) -> String {
        CSVTable.text(
            [["student", "problem", "part", "old score", "new score", "why"]]
                + changes.map {
                    [
                        $0.student, $0.problem, $0.part, $0.oldScore.map(NumberFormatting.score) ?? "",
                        $0.newScore.map(NumberFormatting.score) ?? "", $0.why,
                    ]
                })
    }
}
