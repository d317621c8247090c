/// A problem as a student reads it: statement, parts, points, how each answer is written, and the exact
/// signatures to implement. It never shows an answer, a hint or a known mistake.
public enum Handout {
    /// Whose numbers a handout shows.
    public struct Variant: Sendable {
        /// The student, when known.
        public var student: String?
        /// The variant key that reproduces these numbers with the student kit (`--variant-key`).
        public var key: String?
        public var values: ParameterValues
        /// Drawn without the assignment's secret: anyone can compute any id's numbers.
        public var practice: Bool

        public init(student: String?, key: String?, values: ParameterValues, practice: Bool) {
            self.student = student
            self.key = key
            self.values = values
            self.practice = practice
        }
    }

    /// The handout of `problem` in Markdown, with the numbers of `variant` (the handout's own when `nil`).
    public static func markdown(_ original: Problem, limits: SandboxLimits, variant: Variant? = nil) -> String {
        let problem = original.instantiated(variant?.values ?? (try? original.variant(key: nil)) ?? .none)
        var lines = [
            "# \(problem.title)", "", "Problem `\(problem.id)`, \(NumberFormatting.score(problem.maxScore)) points.",
            "",
        ]
        if !problem.parameters.isEmpty { lines += [variantNote(variant), ""] }
        if !problem.statement.isEmpty { lines += [problem.statement.trimmingWhitespace(), ""] }
        for part in problem.parts {
            let points = NumberFormatting.score(part.points)
            lines.append("## `\(part.id)` (\(points) \(part.points == 1 ? "point" : "points"))")
            lines.append("")
            if !part.prompt.isEmpty { lines += [part.prompt.trimmingWhitespace(), ""] }
            lines += part.kind.handout(of: part, in: problem)
            if !part.isSnippet {
                lines.append(
                    part.immediateFeedback
                        ? """
                        Practice part: the student kit holds its answer key, so public checks say at once whether \
                        the answer is right.
                        """
                        : "Public checks read the answer's form; its value is graded at final grading.")
            }
            lines.append("")
        }
        if problem.hasSnippetParts {
            lines.append(
                """
                Functions run in a sandbox with these limits per part: \(limits.summary). Helper functions may be \
                added to the file; what they print does not count.
                """
            )
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// Whose numbers the handout shows, and how a student gets their own.
    static func variantNote(_ variant: Variant?) -> String {
        guard let variant, !variant.values.isDefault else {
            return
                """
                > The numbers of this problem differ from student to student; these are the handout's own. Grade \
                your answers against your own numbers: the handout your instructor gave you, or `grader show \
                <problem> --variant-key <your key>` with the student kit.
                """
        }
        var note = "> Your own numbers" + (variant.student.map { " (student `\($0)`)" } ?? "") + "."
        if variant.practice {
            note += " Practice variant: without the assignment's secret, the numbers follow from the id alone."
        } else if let key = variant.key {
            note +=
                """
                 Your variant key is `\(key)`: with the student kit, `grader init <folder> --student \
                \(variant.student ?? "<id>") --variant-key \(key)` writes this handout again. Keep it to yourself.
                """
        }
        return note
    }
}
