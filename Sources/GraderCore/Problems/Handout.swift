/// A problem as a student reads it: statement, parts, points, how each answer is written, and the exact
/// signatures to implement. It never shows an answer, a hint or a known mistake.
public enum Handout {
    /// The handout of `problem` in Markdown.
    public static func markdown(_ problem: Problem, limits: SandboxLimits) -> String {
        var lines = ["# \(problem.title)", "", "Problem `\(problem.id)`, \(NumberFormatting.score(problem.maxScore)) points.", ""]
        if !problem.statement.isEmpty { lines += [problem.statement.trimmingWhitespace(), ""] }
        for part in problem.parts {
            let points = NumberFormatting.score(part.points)
            lines.append("## `\(part.id)` (\(points) \(part.points == 1 ? "point" : "points"))")
            lines.append("")
            if !part.prompt.isEmpty { lines += [part.prompt.trimmingWhitespace(), ""] }
            switch part.kind {
            case .snippet(let spec):
                lines.append("Implement in `\(problem.snippetFileName)`, with exactly this signature:")
                lines += ["", "```swift", spec.signature.text, "```", ""]
                if spec.hiddenTrials > 0 {
                    lines.append("It must match the reference to \(spec.tolerance). Public checks run it on \(spec.trials) random inputs, shown with their expected outputs when they fail; final grading adds \(spec.hiddenTrials) hidden inputs, never shown. \(SnippetChecker.rule)")
                } else {
                    lines.append("It runs on \(spec.trials) random inputs and must match the reference to \(spec.tolerance); credit is per input.")
                }
            case .multipleChoice:
                lines.append("Answer in `answers.yaml` under `\(problem.id):` as \(AnswerCheckers.expectedForm(part)).")
                lines.append(ChoiceChecker.rule)
            default:
                lines.append("Answer in `answers.yaml` under `\(problem.id):` as \(AnswerCheckers.expectedForm(part)).")
            }
            if !part.kind.isSnippet {
                lines.append(part.immediateFeedback
                    ? "Practice part: the student kit holds its answer key, so public checks say at once whether the answer is right."
                    : "Public checks read the answer's form; its value is graded at final grading.")
            }
            lines.append("")
        }
        if !problem.snippetParts.isEmpty {
            lines.append("Functions run in a sandbox with these limits per part: \(limits.summary). Helper functions may be added to the file; what they print does not count.")
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
