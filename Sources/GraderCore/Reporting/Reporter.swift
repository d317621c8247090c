import Foundation

/// Turns a grade report into one output format. Reporters never re-grade; they only format.
public protocol Reporter: Sendable {
    /// The format's name on the command line (`junit`, `markdown`, `json`, `terminal`).
    static var format: String { get }
    /// The report as text.
    func render(_ report: GradeReport) -> String
}

/// The registry of file reporters, by format name.
public enum Reporters {
    public static let all: [String: any Reporter] = [
        JUnitReporter.format: JUnitReporter(),
        MarkdownReporter.format: MarkdownReporter(),
        JSONReporter.format: JSONReporter(),
    ]

    /// Writes `text` to `path` atomically (a reader never sees half a report), creating folders as needed.
    public static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw GraderError.io(path: path, reason: "cannot write the report: \(error.localizedDescription)")
        }
    }
}

extension PartGrade {
    /// All feedback lines of the part, in reading order: message, mistake, details, output.
    var feedbackLines: [String] {
        var lines = [message]
        if let mistake { lines.append("Known mistake: \(mistake)") }
        lines += details
        if let output { lines.append("Your code printed:\n\(output)") }
        return lines
    }
}
