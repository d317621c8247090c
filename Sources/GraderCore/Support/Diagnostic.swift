/// One message about an input: its severity, the file and line it is about when known, and what is wrong.
///
/// The YAML reader, the problem loader, `grader validate`, the compiler's messages and a grade report's warnings all
/// speak in diagnostics, so that every tool prints them the one way compilers do: `file:line: severity: message`.
public struct Diagnostic: Sendable, Equatable, Codable, CustomStringConvertible {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case file, line, message, severity
    }
    /// How much a diagnostic matters.
    public enum Severity: String, Sendable, Codable, Comparable {
        /// Worth knowing; nothing is wrong.
        case note
        /// Worth fixing; grading or validation still goes on.
        case warning
        /// Wrong: the input cannot be used as it is.
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .note: return 0
            case .warning: return 1
            case .error: return 2
            }
        }
    }

    public var severity: Severity
    /// The file the message is about (a path, or a name such as `answers.yaml`); `nil` when it is about no file.
    public var file: String?
    /// The line in `file`, from 1; `nil` when the message is about the whole file.
    public var line: Int?
    public var message: String

    public init(_ severity: Severity, file: String? = nil, line: Int? = nil, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.message = message
    }

    /// Whether grading or validation may go on despite it.
    public var isWarning: Bool { severity != .error }

    /// Where it is: `file:line`, `file`, or empty.
    public var location: String {
        guard let file else { return "" }
        return line.map { "\(file):\($0)" } ?? file
    }

    /// `file:line: severity: message`, as compilers print diagnostics.
    public var description: String {
        let place = location
        return (place.isEmpty ? "" : "\(place): ") + "\(severity.rawValue): \(message)"
    }
}

/// Collects diagnostics while an input is read, so that every problem is reported, not only the first.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []

    public init(_ diagnostics: [Diagnostic] = []) { all = diagnostics }

    public mutating func append(_ diagnostic: Diagnostic) { all.append(diagnostic) }

    public mutating func append(contentsOf diagnostics: [Diagnostic]) { all += diagnostics }

    public mutating func error(_ message: String, file: String? = nil, line: Int? = nil) {
        all.append(Diagnostic(.error, file: file, line: line, message))
    }

    public mutating func warning(_ message: String, file: String? = nil, line: Int? = nil) {
        all.append(Diagnostic(.warning, file: file, line: line, message))
    }

    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }
    public var hasErrors: Bool { all.contains { $0.severity == .error } }
}
