import Foundation

/// What a batch needs to apply the late policy: the policy, the extensions, the submission times an instructor
/// gives, and the late-day bank; it finds each student's time and due date, never from the clock.
public struct LateWork: Sendable {
    public let policy: LatePolicy
    /// The assignment the ledger records late days under.
    public let assignment: String
    /// Extensions by student: a new due date, with the line that gave it.
    public var extensions: [String: DueDate] = [:]
    /// Submission times from `--submitted-at`, by student.
    public var submittedAt: [String: SubmissionTime] = [:]
    /// The late-day ledger, when one carries the bank across assignments.
    public var ledger: LateDayLedger?
    /// Ids named by `--extensions` or `--submitted-at` that are not students of the batch, for a warning.
    public var strangers: [String] = []

    public init(policy: LatePolicy, assignment: String) {
        self.policy = policy
        self.assignment = assignment
    }

    /// Reads `--extensions`: `student,due` rows, where due is an ISO 8601 date with a zone or a number of extra
    /// days; a header row is allowed.
    public mutating func readExtensions(_ path: String) throws {
        for (student, value, line) in try Self.pairs(path, what: "an ISO 8601 due date with a zone, or extra days") {
            if let date = LatePolicy.date(value) {
                extensions[student] = DueDate(date: date, source: "extension (\(Self.name(path)) line \(line))")
            } else if let days = Int(value), days >= 0 {
                extensions[student] = DueDate(
                    date: policy.due.addingTimeInterval(Double(days) * 86_400),
                    source: "extension of \(days) day\(days == 1 ? "" : "s") (\(Self.name(path)) line \(line))")
            } else {
                throw GraderError.io(
                    path: "\(path):\(line)",
                    reason: "`\(value)` is neither an ISO 8601 date with a zone nor a whole number of extra days")
            }
        }
    }

    /// Reads `--submitted-at`: `student,time` rows (ISO 8601 with a zone); a header row is allowed.
    public mutating func readSubmissionTimes(_ path: String) throws {
        for (student, value, line) in try Self.pairs(path, what: "an ISO 8601 time with a zone") {
            guard let date = LatePolicy.date(value) else {
                throw GraderError.io(
                    path: "\(path):\(line)",
                    reason: "`\(value)` is not an ISO 8601 time with a zone (2026-10-14T21:59:00Z)")
            }
            submittedAt[student] = SubmissionTime(date: date, source: "\(Self.name(path)) line \(line)")
        }
    }

    /// The `student,value` rows of a two-column CSV; the first row is a header when its first cell names the
    /// column (`student`, `id`, `login`, `username`, `email`).
    static func pairs(_ path: String, what: String) throws -> [(String, String, Int)] {
        let table = try CSVTable.read(path, headed: false)
        var pairs: [(String, String, Int)] = []
        var seen: [String: Int] = [:]
        for (index, row) in table.rows.enumerated() {
            let student = row[0].trimmingCharacters(in: .whitespaces)
            let value = row[1].trimmingCharacters(in: .whitespaces)
            if index == 0,
                ["student", "id", "login", "username", "email", "sis login id"].contains(student.lowercased())
            {
                continue
            }
            guard !student.isEmpty, !value.isEmpty else {
                throw GraderError.io(path: "\(path):\(row.line)", reason: "expected `student,<\(what)>`")
            }
            if let earlier = seen[student] {
                throw GraderError.io(
                    path: "\(path):\(row.line)",
                    reason: "student `\(student)` is also on line \(earlier): which one holds?")
            }
            seen[student] = row.line
            pairs.append((student, value, row.line))
        }
        return pairs
    }

    static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// The names given in the files that are not among `students`.
    public mutating func note(students: [String]) {
        let known = Set(students)
        strangers = Set(extensions.keys).union(submittedAt.keys).subtracting(known).sorted()
    }

    /// The late policy's verdict on one student's report, from the first source of a submission time that has one:
    /// `--submitted-at`, `timestamp.txt`, Gradescope's `submission_metadata.json`, the folder's last git commit.
    func adjustment(student: String, folder: String, report: GradeReport, sandbox: Sandbox) -> LateAdjustment {
        var due = extensions[student] ?? DueDate(date: policy.due, source: "assignment.yaml")
        var time = submittedAt[student]
        var problems: [String] = []
        if time == nil {
            switch SubmissionClock.timestampFile(in: folder) {
            case .success(let found): time = found
            case .failure(let problem): problems.append(problem.message)
            }
        }
        if time == nil {
            switch SubmissionClock.gradescopeMetadata(in: folder) {
            case .success(let metadata?):
                time = metadata.submitted
                // Gradescope's own due date for the student counts only with Gradescope's own time, never over
                // an instructor's extension or --submitted-at: a file in the folder must not move the due date of
                // a time it did not give.
                if extensions[student] == nil, let own = metadata.due, own.date != policy.due { due = own }
            case .success(nil): break
            case .failure(let problem): problems.append(problem.message)
            }
        }
        if time == nil {
            switch SubmissionClock.lastCommit(of: folder, sandbox: sandbox) {
            case .success(let found): time = found
            case .failure(let problem): problems.append(problem.message)
            }
        }
        let bank = policy.lateDaysPerStudent - (ledger?.used(by: student, besides: assignment) ?? 0)
        var adjustment = policy.apply(
            raw: report.score, maxScore: report.maxScore, submitted: time, due: due, bankLeft: bank)
        if time == nil && !problems.isEmpty { adjustment.explanation += " " + problems.joined(separator: " ") }
        return adjustment
    }
}

/// Late days spent per student and assignment, carried across assignments in a CSV the instructor keeps
/// (`student,assignment,late days`); a rerun replaces the assignment's own rows, so it never counts twice.
public struct LateDayLedger: Sendable {
    public let path: String
    private(set) var rows: [(student: String, assignment: String, days: Int)]

    /// Reads the ledger at `path`; a file that does not exist yet is an empty ledger.
    public init(path: String) throws {
        self.path = path
        rows = []
        guard FileManager.default.fileExists(atPath: path) else { return }
        let table = try CSVTable.read(path)
        guard table.header.count >= 3 else {
            throw GraderError.io(path: path, reason: "expected the header `student,assignment,late days`")
        }
        for row in table.rows {
            guard let days = Int(row[2].trimmingCharacters(in: .whitespaces)), days >= 0 else {
                throw GraderError.io(path: "\(path):\(row.line)", reason: "`\(row[2])` is not a whole number of days")
            }
            rows.append((row[0], row[1], days))
        }
    }

    /// Records `spent` for `assignment` in the ledger at `path`, read again under a lock (`<path>.lock`) so that
    /// two batches that finish together (shards, assignments) do not lose each other's rows.
    public static func record(_ spent: [String: Int], for assignment: String, at path: String) throws {
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else {
            throw GraderError.io(
                path: path + ".lock", reason: "cannot lock the ledger: \(String(cString: strerror(errno)))")
        }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else {
            throw GraderError.io(
                path: path + ".lock", reason: "cannot lock the ledger: \(String(cString: strerror(errno)))")
        }
        defer { flock(lock, LOCK_UN) }
        try Reporters.write(try LateDayLedger(path: path).recording(spent, for: assignment), to: path)
    }

    /// Late days `student` spent on other assignments.
    public func used(by student: String, besides assignment: String) -> Int {
        rows.filter { $0.student == student && $0.assignment != assignment }.reduce(0) { $0 + $1.days }
    }

    /// The ledger with the rows of `assignment` and the students of `spent` replaced by what `spent` says
    /// (students with no late day spent get no row; other shards' students keep theirs).
    public func recording(_ spent: [String: Int], for assignment: String) -> String {
        var kept = rows.filter { $0.assignment != assignment || spent[$0.student] == nil }
        kept += spent.filter { $0.value > 0 }.map { ($0.key, assignment, $0.value) }
        kept.sort { ($0.assignment, $0.student) < ($1.assignment, $1.student) }
        return CSVTable.text(
            [["student", "assignment", "late days"]] + kept.map { [$0.student, $0.assignment, "\($0.days)"] })
    }
}
