import Foundation

/// Creates a submission folder a student can start from: every answer key and every function signature.
public enum Scaffold {
    /// The files of a fresh submission, by file name.
    public static func files(for problems: ProblemSet, student: String? = nil) -> [(name: String, contents: String)] {
        var answers = [
            "# Answers for \(problems.title). Replace each `null` with your answer; see `grader list` for the parts.",
            "",
        ]
        if let student {
            answers += [
                "# Your student id: your answers are graded against your own variant of the numbers (HANDOUT.md).",
                "\(Submission.studentKey): \(AnswerSheet.yamlScalar(student))", "",
            ]
        }
        var files: [(String, String)] = []
        for problem in problems.problems {
            let parts = problem.answerParts
            if !parts.isEmpty {
                answers.append("\(problem.id):")
                for part in parts {
                    answers.append("  \(part.id): null  # \(part.form.replacingOccurrences(of: "`", with: ""))")
                }
                answers.append("")
            }
            if let source = starterCode(of: problem) { files.append((problem.snippetFileName, source)) }
        }
        return [("answers.yaml", answers.joined(separator: "\n"))] + files
    }

    /// The Swift file the scaffold holds for `problem`: each function's signature, with a body that stops at
    /// `fatalError("TODO: ...")`; `nil` when the problem has no functions.
    public static func starterCode(of problem: Problem) -> String? {
        let snippets = problem.snippetParts.compactMap { $0.kind.snippet?.signature }
        guard !snippets.isEmpty else { return nil }
        var source = [
            "// \(problem.title): implement each function below. Helper functions may be added to this file.",
            "",
        ]
        for signature in snippets {
            source.append("\(signature.text) {")
            source.append("    fatalError(\"TODO: implement \(signature.name)\")")
            source.append("}")
            source.append("")
        }
        return source.joined(separator: "\n")
    }

    /// Whether `bytes` are `problem`'s starter code exactly as the scaffold writes it: functions that stop at
    /// `fatalError("TODO")` on every input, nothing to compile or run.
    public static func isStarterCode(_ bytes: [UInt8], of problem: Problem) -> Bool {
        starterCode(of: problem).map { bytes.elementsEqual($0.utf8) } ?? false
    }

    /// Writes the scaffold into `folder`, leaving existing files alone unless `overwrite`; returns what it wrote.
    ///
    /// - Parameters:
    ///   - student: Written into `answers.yaml` as `student:`.
    ///   - handout: Written as `HANDOUT.md`: the student's own handout.
    public static func write(
        problems: ProblemSet, to folder: String, overwrite: Bool, student: String? = nil, handout: String? = nil
    ) throws -> (written: [String], kept: [String]) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        var kept: [String] = []
        for file in files(for: problems, student: student) + (handout.map { [("HANDOUT.md", $0)] } ?? []) {
            let path = (folder as NSString).appendingPathComponent(file.name)
            if FileManager.default.fileExists(atPath: path) && !overwrite {
                kept.append(file.name)
                continue
            }
            try Reporters.write(file.contents, to: path)
            written.append(file.name)
        }
        return (written, kept)
    }
}
