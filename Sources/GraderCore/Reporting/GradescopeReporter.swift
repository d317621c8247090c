import Foundation

/// Gradescope's autograder `results.json`: the total, then one test per part with its score, status and feedback.
public struct GradescopeReporter: SubmissionReporter {
    public static let format = "gradescope"
    public static let flag = "gradescope"
    public static let help = "Write Gradescope's autograder results.json here."
    public static let fileName = "gradescope/results.json"
    public static let writtenByDefault = false

    public init() {}

    struct Results: Encodable {
        struct Test: Encodable {
            let name: String
            let score: Double
            let max_score: Double
            let status: String
            let output: String
            let visibility: String
        }

        let score: Double
        let max_score: Double
        let output: String
        let visibility: String
        let tests: [Test]
    }

    public func render(_ report: GradeReport) -> String {
        let tests = report.allParts.map { part in
            Results.Test(
                name: "\(part.problem).\(part.id)", score: part.score, max_score: part.maxScore,
                status: part.status == .passed ? "passed" : "failed",
                output: ReportText.clean(part.feedbackLines.joined(separator: "\n"), limit: 8000), visibility: "visible"
            )
        }
        var output = "Graded by grader \(report.graderVersion)."
        if !report.warnings.isEmpty {
            output +=
                "\n" + report.warnings.map { ReportText.clean($0.description, limit: 500) }.joined(separator: "\n")
        }
        if let late = report.late { output += "\nLate work: " + late.explanation }
        if let kept = report.keptHigher { output += "\n" + kept.summary }
        let results = Results(
            score: report.total, max_score: report.maxScore, output: output, visibility: "visible", tests: tests)
        guard let bytes = try? JSONText.encode(results, pretty: true) else { return "{}\n" }
        return String(decoding: bytes, as: UTF8.self) + "\n"
    }
}
