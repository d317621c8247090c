/// When a CI check passes: every part at full marks, or, with a minimum score, a total at least that high.
public struct CheckPolicy: Sendable {
    /// The lowest total that passes; `nil` requires full marks on every graded part.
    public var minimumScore: Double?

    public init(minimumScore: Double? = nil) { self.minimumScore = minimumScore }

    /// Whether `report` passes, and one line saying why.
    public func verdict(_ report: GradeReport) -> (passed: Bool, summary: String) {
        let total = "\(NumberFormatting.score(report.score))/\(NumberFormatting.score(report.maxScore))"
        if let minimumScore {
            let passed = report.score >= minimumScore - 1e-9
            return (
                passed,
                """
                check \(passed ? "passed" : "failed"): total \(total), \(passed ? "at least" : "below") the \
                minimum of \(NumberFormatting.score(minimumScore))
                """
            )
        }
        let short = report.allParts.filter(\.status.needsWork)
        let names = short.prefix(5).map { "\($0.problem).\($0.id)" }.joined(separator: ", ")
        if report.checks == .public {
            if short.isEmpty { return (true, "check passed: \(report.publicChecksSummary)") }
            return (
                false, "check failed: \(report.publicChecksSummary); failing: \(names)\(short.count > 5 ? ", ..." : "")"
            )
        }
        if short.isEmpty { return (true, "check passed: every part at full marks (\(total))") }
        return (
            false,
            """
            check failed: \(short.count) part\(short.count == 1 ? "" : "s") short of full marks (\(total)): \
            \(names)\(short.count > 5 ? ", ..." : "")
            """
        )
    }
}
