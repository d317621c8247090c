import Foundation

/// Per-problem feedback in Markdown, written for the student: what is wrong, why, and what to look at.
public struct MarkdownReporter: SubmissionReporter {
    public static let format = "markdown"
    public static let flag = "feedback"
    public static let help = "Write per-problem Markdown feedback here."
    public static let fileName = "feedback.md"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        var lines = LineBuffer()
        lines.append("# \(escape(report.assignment)) feedback: \(escape(report.submission))")
        lines.append("")
        if report.checks == .public {
            lines.append(
                "**\(report.publicChecksSummary.prefix(1).uppercased() + report.publicChecksSummary.dropFirst()).**")
            lines.append("")
            lines.append(
                """
                _Public checks only: parts marked ⏳ and the hidden trials of every function are graded at final \
                grading._
                """
            )
        } else {
            lines.append(
                "**Score: \(NumberFormatting.score(report.score)) / \(NumberFormatting.score(report.maxScore))**")
            if let late = report.late {
                lines.append("")
                lines.append("**Late work:** \(escape(late.explanation))")
                if late.penalty > 0 || late.rejected {
                    lines.append("")
                    lines.append(
                        """
                        **Grade after the late policy: \(NumberFormatting.score(late.total)) / \
                        \(NumberFormatting.score(report.maxScore))** (due \(late.due), \(escape(late.dueSource)))
                        """)
                }
            }
            if let kept = report.keptHigher {
                lines.append("")
                lines.append("**Regrade:** \(escape(kept.summary))")
            }
        }
        lines.append("")
        for warning in report.warnings { lines.append("> \(escape(warning.description))") }
        if !report.warnings.isEmpty { lines.append("") }
        lines.append("| Problem | Score |")
        lines.append("|---|---|")
        for problem in report.problems {
            lines.append(
                """
                | \(escape(problem.title)) (`\(problem.id)`) | \(NumberFormatting.score(problem.score)) / \
                \(NumberFormatting.score(problem.maxScore)) |
                """
            )
        }
        for problem in report.problems {
            lines.append("")
            lines.append(
                """
                ## \(escape(problem.title)): \(NumberFormatting.score(problem.score)) / \
                \(NumberFormatting.score(problem.maxScore))
                """
            )
            if let limits = problem.limits {
                lines.append("")
                lines.append("_Functions ran with limits per part: \(limits.summary)._")
            }
            for part in problem.parts {
                lines.append("")
                let mark = Self.marks[part.status] ?? "❌"
                lines.append(
                    """
                    ### \(mark) `\(part.id)` (\(part.kind)): \(NumberFormatting.score(part.score)) / \
                    \(NumberFormatting.score(part.maxScore))
                    """
                )
                lines.append("")
                lines.append(escape(part.message.prefix(1).uppercased() + part.message.dropFirst()) + ".")
                if let mistake = part.mistake {
                    lines.append("")
                    lines.append("**Likely mistake:** \(escape(mistake))")
                }
                if let flag = part.flag {
                    lines.append("")
                    lines.append("**Flagged for review (`\(flag.reason.rawValue)`):** \(escape(flag.detail)).")
                }
                for detail in part.details {
                    lines.append("")
                    if detail.utf8.contains(0x0A) {
                        lines.append("```")
                        lines.append(Self.unfenced(detail))
                        lines.append("```")
                    } else {
                        lines.append(detail)
                    }
                }
                if let plot = part.plot {
                    lines.append("")
                    lines.append(plot.markdownImage)
                    lines.append("")
                    lines += plot.markdownTable
                }
                if let output = part.output {
                    lines.append("")
                    lines.append("Your code printed:")
                    lines.append("")
                    lines.append("```text")
                    lines.append(Self.unfenced(output))
                    lines.append("```")
                }
            }
        }
        lines.append("")
        lines.append("---")
        let sandbox = report.sandbox.mode == .namespaces ? "isolated sandbox" : "rlimits only (no namespace isolation)"
        lines.append("Graded by grader \(report.graderVersion); snippets ran in an \(sandbox).")
        return lines.text
    }

    /// Lines written into one text as they come, each ended by a newline: what joining an array of them gave,
    /// without the array, nor a copy of the whole to join it.
    private struct LineBuffer {
        var text = ""

        init() { text.reserveCapacity(4096) }

        mutating func append(_ line: String) {
            text += line
            text += "\n"
        }

        static func += (buffer: inout LineBuffer, lines: [String]) {
            for line in lines { buffer.append(line) }
        }
    }

    /// `<` as HTML writes it: Markdown renderers take a raw `<` for the start of a tag.
    static let lessThan = ReportText.ByteReplacements([UInt8(ascii: "<"): "&lt;"])

    /// The mark of each status in a part's heading (❌ for the others).
    static let marks: [PartGrade.Status: String] = [.passed: "✅", .partial: "🟡", .skipped: "⏭️", .pending: "⏳"]

    /// Student text cleaned of control characters, with HTML-significant characters neutralised.
    private func escape(_ text: String) -> String {
        ReportText.replacingBytes(in: ReportText.clean(text, limit: 4000), Self.lessThan)
    }

    /// `text` with every ``` turned into ''', so that it cannot close the fence it is shown in (Foundation's search
    /// costs more than the rest of a report, and most text holds no backquote at all).
    static func unfenced(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "`")) ? text.replacingOccurrences(of: "```", with: "'''") : text
    }
}
