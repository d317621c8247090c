import Foundation

/// A batch's grades in the form an LMS imports: Canvas's gradebook CSV, Moodle's grade import CSV, Blackboard's
/// Grade Center upload, or LTI Advantage Assignment and Grade Services scores.
///
/// Every roster row gets a line (Canvas, Blackboard) or a score (Moodle, LTI) when it has a submission; a row
/// without one gets an empty cell, which every LMS's importer leaves alone, or 0 with `missingAsZero`.
public struct LMSExport: Sendable {
    /// The LMS formats `grader export` writes.
    public enum Format: String, Sendable, CaseIterable {
        case canvas
        case moodle
        case blackboard
        case ltiAGS = "lti-ags"
    }

    /// Which roster column Moodle's import maps users by.
    public enum MoodleIdentifier: String, Sendable, CaseIterable {
        case email
        case username
        case idnumber
    }

    public var format: Format
    /// The column's title in the LMS; the assignment's title by default.
    public var title: String
    /// The LMS's id for the assignment's column, when known (Canvas's `(1234)`, Blackboard's `|567`).
    public var assignmentID: String?
    /// Canvas: one column per problem besides the total.
    public var perProblem = false
    /// Roster rows without a submission get 0 rather than no score.
    public var missingAsZero = false
    /// Moodle: the identifier column; `nil` picks email, then username, then ID number, whichever the roster has.
    public var moodleIdentifier: MoodleIdentifier?
    /// LTI: the score's `timestamp` (ISO 8601).
    public var timestamp = ""

    public init(format: Format, title: String) {
        self.format = format
        self.title = title
    }

    /// What an export writes: one file's text, or one file per student (LTI), by file name.
    public enum Output: Sendable {
        case file(String)
        case files([(name: String, text: String)])
    }

    /// An export, and the paired students it could not carry (a blank key column): never dropped in silence.
    public struct Rendered: Sendable {
        public let output: Output
        /// The grades written.
        public let written: Int
        /// Paired students left out, each with why.
        public let omitted: [String]
    }

    /// Renders the grades of the paired students; throws when the roster lacks the column the LMS keys on.
    public func render(students: [(id: String, report: GradeReport)], roster: Roster, match: RosterMatch) throws
        -> Rendered
    {
        let reports = Dictionary(students.map { ($0.id, $0.report) }, uniquingKeysWith: { first, _ in first })
        var byLine: [Int: (student: String, report: GradeReport)] = [:]
        for pair in match.pairs { byLine[pair.entry.line] = reports[pair.student].map { (pair.student, $0) } }
        // A row whose student is not known (two fit it, or an ambiguous key does) gets no score, not even 0.
        let unresolved = Set(match.unresolved.map(\.entry.line))
        let maxScore = students.first?.report.maxScore ?? 0
        let problems = students.first?.report.problems.map { ($0.id, $0.title, $0.maxScore) } ?? []
        func zeroFilled(_ entry: Roster.Entry) -> Bool { missingAsZero && !unresolved.contains(entry.line) }
        func cell(_ entry: Roster.Entry, _ score: (GradeReport) -> Double) -> String {
            if let report = byLine[entry.line]?.report { return Self.points(score(report)) }
            return zeroFilled(entry) ? Self.points(0) : ""
        }
        let rows = roster.entries.filter { !($0.isCanvasTestStudent && byLine[$0.line] == nil) }
        var omitted: [String] = []
        var written = 0
        /// The rows a keyed format writes: a paired or zero-filled row with its key; a paired one without is omitted.
        func keyed(_ key: (Roster.Entry) -> String, named column: String) -> [(Roster.Entry, String)] {
            rows.compactMap { entry in
                guard byLine[entry.line] != nil || zeroFilled(entry) else { return nil }
                let value = key(entry)
                if value.isEmpty {
                    if let paired = byLine[entry.line] {
                        omitted.append("\(paired.student): roster line \(entry.line) has no \(column)")
                    }
                    return nil
                }
                if byLine[entry.line] != nil { written += 1 }
                return (entry, value)
            }
        }
        switch format {
        case .canvas:
            let column = assignmentID.map { "\(title) (\($0))" } ?? title
            var header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
            var possible = ["    Points Possible", "", "", "", "", Self.points(maxScore)]
            if perProblem {
                header += problems.map { "\(title): \($0.1)" }
                possible += problems.map { Self.points($0.2) }
            }
            var records = [header, possible]
            for entry in rows {
                var record = [
                    entry.displayName, entry.id, entry.sisUserID, entry.sisLoginID, entry.section,
                    cell(entry) { $0.total },
                ]
                if perProblem {
                    record += problems.indices.map { index in
                        cell(entry) { $0.problems.indices.contains(index) ? $0.problems[index].score : 0 }
                    }
                }
                if byLine[entry.line] != nil { written += 1 }
                records.append(record)
            }
            return Rendered(output: .file(CSVTable.text(records)), written: written, omitted: omitted)
        case .moodle:
            let identifier = try moodleKey(roster)
            let label = ["email": "Email address", "username": "Username", "idnumber": "ID number"][
                identifier.rawValue]!
            var records = [[label, title, "Feedback"]]
            let key: (Roster.Entry) -> String =
                switch identifier {
                case .email: { $0.email }
                case .username: { $0.sisLoginID }
                case .idnumber: { $0.sisUserID }
                }
            for (entry, value) in keyed(key, named: label) {
                let report = byLine[entry.line]?.report
                records.append([value, cell(entry) { $0.total }, report.map(Self.comment) ?? "No submission."])
            }
            return Rendered(output: .file(CSVTable.text(records)), written: written, omitted: omitted)
        case .blackboard:
            guard roster.hasColumn.contains(.sisLogin) else {
                throw GraderError.io(
                    path: roster.file,
                    reason: """
                        Blackboard keys its upload on the Username: the roster needs a Username (or SIS Login ID) \
                        column
                        """)
            }
            let column =
                "\(title) [Total Pts: \(NumberFormatting.score(maxScore)) Score]"
                + (assignmentID.map { " |\($0)" } ?? "")
            var records = [["Last Name", "First Name", "Username", column]]
            // Every row with a Username is written (an empty score leaves the Grade Center's alone).
            for entry in rows {
                if entry.sisLoginID.isEmpty {
                    if let paired = byLine[entry.line] {
                        omitted.append("\(paired.student): roster line \(entry.line) has no Username")
                    }
                    continue
                }
                let forms = entry.nameForms.last.map { $0.components(separatedBy: ", ") } ?? []
                let last = entry.lastName.isEmpty ? forms.first ?? "" : entry.lastName
                let first = entry.firstName.isEmpty ? forms.dropFirst().first ?? "" : entry.firstName
                if byLine[entry.line] != nil { written += 1 }
                records.append([last, first, entry.sisLoginID, cell(entry) { $0.total }])
            }
            return Rendered(output: .file(CSVTable.text(records)), written: written, omitted: omitted)
        case .ltiAGS:
            guard roster.hasLTIUserID else {
                throw GraderError.io(
                    path: roster.file,
                    reason: """
                        an AGS score needs each student's LTI user id (the `sub` the platform sends at launch): \
                        the roster needs an `LTI User ID` column
                        """)
            }
            var files: [(String, String)] = []
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for (entry, userID) in keyed(\.ltiUserID, named: "LTI User ID") {
                let report = byLine[entry.line]?.report
                let score = LTIScore(
                    userId: userID, scoreGiven: report.map { Self.rounded($0.total) } ?? 0, scoreMaximum: maxScore,
                    comment: report.map(Self.comment) ?? "No submission.", timestamp: timestamp)
                let data = try encoder.encode(score)
                let name = (byLine[entry.line]?.student ?? "no-submission-line-\(entry.line)") + ".json"
                files.append((name, String(decoding: data, as: UTF8.self) + "\n"))
            }
            return Rendered(output: .files(files), written: written, omitted: omitted)
        }
    }

    /// The Moodle identifier asked for, or the first of email, username, ID number the roster has.
    func moodleKey(_ roster: Roster) throws -> MoodleIdentifier {
        let available: [(MoodleIdentifier, Roster.Key)] = [
            (.email, .email), (.username, .sisLogin), (.idnumber, .sisUserID),
        ]
        if let moodleIdentifier {
            let key = available.first { $0.0 == moodleIdentifier }!.1
            guard roster.hasColumn.contains(key) else {
                throw GraderError.io(
                    path: roster.file, reason: "no \(moodleIdentifier.rawValue) column for --moodle-id")
            }
            return moodleIdentifier
        }
        guard let first = available.first(where: { roster.hasColumn.contains($0.1) }) else {
            throw GraderError.io(
                path: roster.file,
                reason: "Moodle maps users by email, username or ID number: the roster has none of these columns")
        }
        return first.0
    }

    /// A score with two decimals, as the LMSs display them.
    static func points(_ value: Double) -> String { String(format: "%.2f", rounded(value)) }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// One line of feedback for the LMS's comment: the grade, each problem's score, and what changed the total.
    static func comment(_ report: GradeReport) -> String {
        var text =
            "\(report.assignment): \(NumberFormatting.score(report.total))/\(NumberFormatting.score(report.maxScore))."
        text +=
            " "
            + report.problems.map {
                "\($0.id) \(NumberFormatting.score($0.score))/\(NumberFormatting.score($0.maxScore))"
            }.joined(separator: ", ") + "."
        if let late = report.late, late.penalty > 0 || late.rejected { text += " " + late.summary }
        if let kept = report.keptHigher { text += " " + kept.summary }
        return text
    }
}

/// An LTI Advantage AGS score (`application/vnd.ims.lis.v1.score+json`), as a platform's scores endpoint takes it.
public struct LTIScore: Codable, Sendable, Equatable {
    public var userId: String
    public var scoreGiven: Double
    public var scoreMaximum: Double
    public var comment: String
    public var timestamp: String
    public var activityProgress = "Completed"
    public var gradingProgress = "FullyGraded"
}
