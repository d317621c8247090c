/// The summary printed after grading: a table of problem, part, score and status, then what to fix.
public struct TerminalReporter: Reporter {
    public static let format = "terminal"
    /// Whether to use ANSI colours (only on a TTY, and never when `NO_COLOR` is set).
    public let color: Bool

    public init(color: Bool = false) { self.color = color }

    public func render(_ report: GradeReport) -> String {
        var out: [String] = []
        out.append(bold("\(report.assignment): \(report.submission)"))
        for warning in report.warnings {
            out.append(paint("! " + ReportText.clean(warning.description, limit: 500), 33))
        }
        let rows = report.problems.flatMap { problem in
            problem.parts.map { part in
                [
                    problem.id, part.id,
                    "\(NumberFormatting.score(part.score))/\(NumberFormatting.score(part.maxScore))",
                    part.status.rawValue,
                ]
            }
        }
        let header = ["problem", "part", "score", "status"]
        let widths = (0..<4).map { column in (rows + [header]).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String], statusColor: Int? = nil) -> String {
            let padded = cells.enumerated().map { index, cell in
                index == 3 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }
            let status = statusColor.map { paint(padded[3], $0) } ?? padded[3]
            return "  " + padded[0..<3].joined(separator: "  ") + "  " + status
        }
        out.append(bold(line(header)))
        for (row, part) in zip(rows, report.allParts) {
            out.append(line(row, statusColor: colorCode(part.status)))
        }
        if report.checks == .public {
            out.append(bold("  " + report.publicChecksSummary))
            out.append("  (public checks only: hidden trials and answer keys come at final grading)")
        } else {
            out.append(
                bold("  total: \(NumberFormatting.score(report.score))/\(NumberFormatting.score(report.maxScore))"))
        }
        let limited = report.problems.filter { $0.limits != nil }
        if let first = limited.first?.limits, limited.allSatisfy({ $0.limits == first }) {
            out.append("  limits per function: \(first.summary)")
        } else {
            for problem in limited { out.append("  limits for \(problem.id): \(problem.limits!.summary)") }
        }
        let problems = report.allParts.filter(\.status.needsWork)
        if !problems.isEmpty { out.append("") }
        for part in problems {
            out.append(
                paint("\(part.problem).\(part.id)", colorCode(part.status)) + ": "
                    + ReportText.clean(part.message, limit: 400))
            if let mistake = part.mistake { out.append("    likely mistake: " + ReportText.clean(mistake, limit: 600)) }
            if let flag = part.flag { out.append(paint("    flagged (\(flag.reason.rawValue)): ", 35) + flag.detail) }
            for detail in part.details.prefix(6) {
                out.append(
                    ReportText.clean(detail, limit: 800).split(separator: "\n", omittingEmptySubsequences: false)
                        .map { "    " + $0 }.joined(separator: "\n"))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func colorCode(_ status: PartGrade.Status) -> Int {
        switch status {
        case .passed: return 32
        case .partial, .missing: return 33
        case .failed, .error: return 31
        case .skipped: return 90
        case .pending: return 36
        }
    }

    private func paint(_ text: String, _ code: Int) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    private func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
}
