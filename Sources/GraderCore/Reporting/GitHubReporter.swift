/// GitHub Actions workflow commands: one `::error` annotation per part short of full marks, placed on the
/// student's file and line where one is known, so the pull request shows it next to the code.
///
/// Paths are the submission folder as given joined with the part's file; run the grader from the repository root
/// (the default working directory of a workflow step) so they resolve.
public struct GitHubReporter: Reporter {
    public static let format = "github"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        var lines: [String] = []
        for warning in report.warnings {
            var properties: [String] = []
            if let file = warning.file, file == Submission.answersFileName {
                properties.append("file=" + Self.property(Self.join(report.submission, file)))
                if let line = warning.line { properties.append("line=\(line)") }
            }
            properties.append("title=grader")
            let command = warning.severity == .note ? "notice" : "warning"
            let text = Self.data(ReportText.clean(warning.message, limit: 1000))
            lines.append("::\(command) \(properties.joined(separator: ","))::\(text)")
        }
        for part in report.allParts where part.status.needsWork {
            var properties: [String] = []
            if let file = part.file { properties.append("file=" + Self.property(Self.join(report.submission, file))) }
            if let line = part.line { properties.append("line=\(line)") }
            let score = "\(NumberFormatting.score(part.score))/\(NumberFormatting.score(part.maxScore))"
            properties.append("title=" + Self.property("\(part.problem).\(part.id) \(score)"))
            var message = part.message
            if let mistake = part.mistake { message += "\nLikely mistake: \(mistake)" }
            for detail in part.details.prefix(4) { message += "\n" + detail }
            lines.append(
                "::error \(properties.joined(separator: ","))::\(Self.data(ReportText.clean(message, limit: 3000)))")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// `folder/file` without a leading `./`.
    static func join(_ folder: String, _ file: String) -> String {
        var base = folder
        while base.hasPrefix("./") { base.removeFirst(2) }
        while base.hasSuffix("/") { base.removeLast() }
        return base.isEmpty || base == "." ? file : base + "/" + file
    }

    /// The message escapes: `%`, CR and LF.
    static let dataEscapes: [UInt8: String] = [UInt8(ascii: "%"): "%25", 0x0D: "%0D", 0x0A: "%0A"]

    /// Escapes a message as GitHub's runner expects (`%`, CR and LF), byte by byte (`ReportText.replacingBytes`),
    /// as every report escapes: a `%` a combining accent follows is still a `%` to the runner.
    static func data(_ text: String) -> String { ReportText.replacingBytes(in: text, dataEscapes) }

    /// Escapes a property value (`file=`, `title=`): the message escapes plus `:` and `,`.
    static func property(_ text: String) -> String {
        ReportText.replacingBytes(
            in: text, dataEscapes.merging([UInt8(ascii: ":"): "%3A", UInt8(ascii: ","): "%2C"]) { $1 })
    }
}
