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
    ///
    /// A temporary file renamed over the target, without the `fsync` of Foundation's atomic write: a batch writes
    /// thousands of reports, and a report lost to a power cut is regraded on the next run.
    public static func write(_ text: String, to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        let folder = (path as NSString).deletingLastPathComponent
        if fd < 0 && errno == ENOENT && !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw GraderError.io(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
            }
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw GraderError.io(path: path, reason: "cannot write the report: \(String(cString: strerror(errno)))") }
        var bytes = Array(text.utf8)
        var offset = 0
        var failure: Int32 = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            offset += written
        }
        close(fd)
        if failure == 0 && rename(temporary, path) == 0 { return }
        let reason = String(cString: strerror(failure != 0 ? failure : errno))
        unlink(temporary)
        throw GraderError.io(path: path, reason: "cannot write the report: \(reason)")
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
