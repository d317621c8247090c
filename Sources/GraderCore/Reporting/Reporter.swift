import Foundation

/// Turns a grade report into one output format. Reporters never re-grade; they only format.
public protocol Reporter: Sendable {
    /// The format's name (`junit`, `markdown`, `json`, `gradescope`, `terminal`, `github`).
    static var format: String { get }
    /// The report as text.
    func render(_ report: GradeReport) -> String
}

/// A reporter whose output is a file: `grade` and `check` write it where its flag says, `batch` into each
/// student's folder under its file name.
public protocol SubmissionReporter: Reporter {
    /// The command-line option that names the file (`--junit`), without the dashes.
    static var flag: String { get }
    /// The option's help.
    static var help: String { get }
    /// The file's name in a batch's folder per student.
    static var fileName: String { get }
    /// Whether `batch` writes it for every student, or only when asked (`--gradescope`).
    static var writtenByDefault: Bool { get }
    init()
}

extension SubmissionReporter {
    public static var writtenByDefault: Bool { true }
}

/// Turns a class's reports into one file of a batch's output folder. Class reporters never re-grade either.
public protocol ClassReporter: Sendable {
    /// The format's name (`gradebook`, `summary`, `overview`).
    static var format: String { get }
    /// The file's name in the batch's output folder.
    static var fileName: String { get }
    init()
    /// The file's text.
    func render(_ report: ClassReport) -> String
}

/// The reporters: one list per kind of report, which the commands' flags, `batch` and `merge` follow.
public enum Reporters {
    /// Every per-submission file format, in the order `--help` lists them.
    public static let submission: [any SubmissionReporter.Type] = [
        JUnitReporter.self, MarkdownReporter.self, JSONReporter.self, GradescopeReporter.self,
    ]

    /// Every class-wide file a batch writes.
    public static let classWide: [any ClassReporter.Type] = [
        GradebookReporter.self, SummaryReporter.self, OverviewReporter.self,
    ]

    /// The submission reporter with this flag (`junit`); a programming error if there is none.
    public static func submission(flag: String) -> any SubmissionReporter.Type {
        guard let found = submission.first(where: { $0.flag == flag }) else {
            preconditionFailure("no reporter --\(flag)")
        }
        return found
    }

    /// Writes `text` to `path` atomically (a reader never sees half a report), creating folders as needed.
    ///
    /// A temporary file renamed over the target, without the `fsync` of Foundation's atomic write: a batch writes
    /// thousands of reports, and a report lost to a power cut is regraded on the next run. A file that already
    /// holds exactly `text` is left as it is: a rerun that changes nothing reads its reports instead of creating
    /// them all again.
    ///
    /// - Parameter inNewFolder: `true` when the caller has just created the file's folder: no file can be there to
    ///   compare with, and the look is skipped (a batch's first run writes 30,000 reports).
    public static func write(_ text: String, to path: String, inNewFolder: Bool = false) throws {
        if !inNewFolder && holds(text, at: path) { return }
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT, case let folder = (path as NSString).deletingLastPathComponent, !folder.isEmpty {
            // A student's folder, whose parent a batch has made already, by one system call (mode 0777 less the
            // umask, as FileManager makes it); else every missing level.
            if mkdir(folder, 0o777) != 0 && errno != EEXIST {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw GraderError.io(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
                }
            }
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else {
            throw GraderError.io(path: path, reason: "cannot write the report: \(String(cString: strerror(errno)))")
        }
        var bytes = Array(text.utf8)
        var offset = 0
        var failure: Int32 = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset)
            }
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

    /// Whether `path` is a regular file (not a link) whose bytes are exactly `text`'s.
    static func holds(_ text: String, at path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        let expected = text.utf8.count
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) == expected else {
            return false
        }
        var bytes = [UInt8](repeating: 0, count: expected + 1)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            offset += count
        }
        // One byte more than expected was asked for: a file that grew since `fstat` is not the same.
        guard offset == expected else { return false }
        if expected == 0 { return true }
        var text = text
        return text.withUTF8 { utf8 in
            bytes.withUnsafeBytes { memcmp($0.baseAddress!, utf8.baseAddress!, expected) == 0 }
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
