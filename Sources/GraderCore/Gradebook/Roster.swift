import Foundation

/// The class list an LMS exports (Canvas's gradebook CSV, Moodle's or Blackboard's user list): who may get a grade,
/// and the identifiers the LMS matches an import by.
///
/// Columns are found by their names, case ignored: `Student`/`Name`/`Full name` ("Last, First" or "First Last"),
/// `First name`, `Last name`/`Surname`, `ID`, `SIS User ID`/`ID number`/`Student ID`, `SIS Login ID`/`Username`,
/// `Email`/`Email address`, `Section`, `LTI User ID`. Canvas's `Points Possible` row is skipped.
public struct Roster: Sendable {
    /// One person on the roster, with every identifier the roster has for them ("" where it has none).
    public struct Entry: Sendable, Equatable {
        /// The name as the roster writes it.
        public var name = ""
        public var firstName = ""
        public var lastName = ""
        /// The LMS's own user id (Canvas's `ID`).
        public var id = ""
        /// The institution's student number (Canvas's `SIS User ID`, Moodle's `ID number`).
        public var sisUserID = ""
        /// The institution's login (Canvas's `SIS Login ID`, Moodle's and Blackboard's `Username`).
        public var sisLoginID = ""
        public var email = ""
        public var section = ""
        /// The user id an LTI Advantage platform knows the student by (the `sub` claim).
        public var ltiUserID = ""
        /// The roster line, for messages.
        public var line = 0

        /// Whether this is the test student Canvas adds to every course (`Student, Test`).
        public var isCanvasTestStudent: Bool {
            ["student, test", "test student"].contains(name.lowercased().trimmingCharacters(in: .whitespaces))
        }

        /// The name for people: the roster's, else first and last.
        public var displayName: String {
            name.isEmpty ? [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ") : name
        }

        /// "First Last" and "Last, First", from the name column or the first and last name columns.
        var nameForms: [String] {
            var first = firstName
            var last = lastName
            if first.isEmpty || last.isEmpty {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                if let comma = trimmed.firstIndex(of: ",") {
                    last = String(trimmed[..<comma]).trimmingCharacters(in: .whitespaces)
                    first = String(trimmed[trimmed.index(after: comma)...]).trimmingCharacters(in: .whitespaces)
                } else if let space = trimmed.lastIndex(of: " ") {
                    first = String(trimmed[..<space]).trimmingCharacters(in: .whitespaces)
                    last = String(trimmed[trimmed.index(after: space)...])
                } else {
                    return trimmed.isEmpty ? [] : [trimmed]
                }
            }
            guard !first.isEmpty || !last.isEmpty else { return [] }
            return ["\(first) \(last)", "\(last), \(first)"]
        }
    }

    public let file: String
    public let entries: [Entry]
    /// Which identifiers the roster has a column for.
    public let hasColumn: Set<Key>
    /// Whether the roster has an `LTI User ID` column.
    public let hasLTIUserID: Bool

    /// An identifier a roster row may be matched by, in the order matching tries them.
    public enum Key: String, Sendable, CaseIterable, Comparable {
        case sisLogin = "SIS login"
        case sisUserID = "SIS user id"
        case email = "email"
        case name = "name"

        public static func < (lhs: Key, rhs: Key) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Reads a roster CSV, naming the file and line of whatever is wrong.
    public static func read(_ path: String) throws -> Roster {
        try Roster(table: try CSVTable.read(path))
    }

    public init(table: CSVTable) throws {
        file = table.file
        let name = table.column(["Student", "Name", "Full name", "Student name"])
        let first = table.column(["First name", "Given name", "Firstname"])
        let last = table.column(["Last name", "Surname", "Family name", "Lastname"])
        let id = table.column(["ID", "Canvas User ID", "User ID"])
        let sisUser = table.column(["SIS User ID", "ID number", "Student ID", "Student number", "SID"])
        let sisLogin = table.column(["SIS Login ID", "Username", "Login ID", "Login", "User name"])
        let email = table.column(["Email", "Email address", "E-mail", "E-mail address"])
        let section = table.column(["Section", "Sections"])
        let lti = table.column(["LTI User ID", "LTI ID", "userId", "sub"])
        var has = Set<Key>()
        if sisLogin != nil { has.insert(.sisLogin) }
        if sisUser != nil { has.insert(.sisUserID) }
        if email != nil { has.insert(.email) }
        if name != nil || (first != nil && last != nil) { has.insert(.name) }
        guard !has.isEmpty else {
            throw GraderError.io(
                path: table.file,
                reason: """
                    no column to match students by: the header (\(table.header.joined(separator: ", "))) has none \
                    of SIS Login ID/Username, SIS User ID/ID number, Email, Student/Name, First name + Last name
                    """)
        }
        hasColumn = has
        hasLTIUserID = lti != nil
        entries = table.rows.compactMap { row in
            var entry = Entry()
            entry.name = row[name].trimmingCharacters(in: .whitespaces)
            // Canvas's export has a second row of points possible (and, in older exports, of muting).
            if ["points possible", "muted"].contains(entry.name.lowercased()) { return nil }
            entry.firstName = row[first].trimmingCharacters(in: .whitespaces)
            entry.lastName = row[last].trimmingCharacters(in: .whitespaces)
            entry.id = row[id].trimmingCharacters(in: .whitespaces)
            entry.sisUserID = row[sisUser].trimmingCharacters(in: .whitespaces)
            entry.sisLoginID = row[sisLogin].trimmingCharacters(in: .whitespaces)
            entry.email = row[email].trimmingCharacters(in: .whitespaces)
            entry.section = row[section].trimmingCharacters(in: .whitespaces)
            entry.ltiUserID = row[lti].trimmingCharacters(in: .whitespaces)
            entry.line = row.line
            let identifiers = [
                entry.name, entry.firstName, entry.lastName, entry.sisUserID, entry.sisLoginID, entry.email,
            ]
            return identifiers.allSatisfy(\.isEmpty) ? nil : entry
        }
    }

    /// The forms of `entry` that `key` matches, normalised (lowercased; a SIS user id without leading zeros).
    static func forms(of entry: Entry, for key: Key) -> [String] {
        let values: [String]
        switch key {
        case .sisLogin: values = [entry.sisLoginID]
        case .sisUserID: values = [withoutLeadingZeros(entry.sisUserID)]
        case .email:
            values = [entry.email] + (entry.email.firstIndex(of: "@").map { [String(entry.email[..<$0])] } ?? [])
        case .name: values = entry.nameForms
        }
        return Array(Set(values.map(normalised).filter { !$0.isEmpty }))
    }

    /// A student id as `key` compares it.
    static func form(of student: String, for key: Key) -> String {
        normalised(key == .sisUserID ? withoutLeadingZeros(student) : student)
    }

    static func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func withoutLeadingZeros(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let stripped = trimmed.drop { $0 == "0" }
        return stripped.isEmpty && !trimmed.isEmpty ? "0" : String(stripped)
    }
}

/// Which roster row each graded student is, and everyone who could not be paired: nothing is dropped in silence.
public struct RosterMatch: Sendable {
    /// A student paired with a roster row, and the identifier that paired them.
    public struct Pair: Sendable {
        public let student: String
        public let entry: Roster.Entry
        public let key: Roster.Key
    }

    /// A student who is on no row, or whose identifiers fit several rows or a row another student also fits.
    public struct Problem: Sendable, CustomStringConvertible {
        public let student: String
        public let reason: String
        public var description: String { "\(student): \(reason)" }
    }

    public let pairs: [Pair]
    public let unmatched: [Problem]
    public let ambiguous: [Problem]
    /// Roster rows no student was paired with and no ambiguous student fits (no submission), Canvas's test student
    /// aside.
    public let missing: [Roster.Entry]
    /// Roster rows that two students fit, or that an ambiguous student's identifier fits: whose they are is not
    /// known, so they never get a score, not even 0.
    public let unresolved: [(entry: Roster.Entry, students: [String])]
    /// Canvas's test student, when it has no submission: listed, never an error.
    public let testStudents: [Roster.Entry]

    /// Whether every student and every roster row is accounted for.
    public var isComplete: Bool { unmatched.isEmpty && ambiguous.isEmpty && missing.isEmpty }

    /// Pairs `students` with `roster`'s rows. For each student the keys are tried in order (SIS login, SIS user id
    /// with leading zeros ignored, email or its local part, "First Last" or "Last, First"), case ignored; a key that
    /// fits two rows is never used, and a row that two students fit is given to neither.
    public init(students: [String], roster: Roster) {
        var index: [Roster.Key: [String: [Int]]] = [:]
        for key in Roster.Key.allCases {
            for (row, entry) in roster.entries.enumerated() {
                for form in Roster.forms(of: entry, for: key) {
                    index[key, default: [:]][form, default: []].append(row)
                }
            }
        }
        var chosen: [(student: String, row: Int, key: Roster.Key)] = []
        var unmatched: [Problem] = []
        var ambiguous: [Problem] = []
        var implicated: [Int: [String]] = [:]
        for student in students {
            var notes: [String] = []
            var found: (Int, Roster.Key)?
            for key in Roster.Key.allCases {
                let rows = index[key]?[Roster.form(of: student, for: key)] ?? []
                if rows.count == 1 {
                    found = (rows[0], key)
                    break
                }
                if rows.count > 1 {
                    for row in rows { implicated[row, default: []].append(student) }
                    let lines = rows.map { "line \(roster.entries[$0].line)" }.joined(separator: ", ")
                    notes.append("its \(key.rawValue) fits \(rows.count) roster rows (\(lines))")
                }
            }
            if let (row, key) = found {
                chosen.append((student, row, key))
            } else if notes.isEmpty {
                // On no row at all.
                unmatched.append(
                    Problem(
                        student: student,
                        reason:
                            "on no roster row (tried \(Roster.Key.allCases.map(\.rawValue).joined(separator: ", ")))")
                )
            } else {
                ambiguous.append(Problem(student: student, reason: notes.joined(separator: "; ") + ", so none is used"))
            }
        }
        let claims = Dictionary(grouping: chosen, by: \.row)
        var pairs: [Pair] = []
        for choice in chosen {
            let rivals = claims[choice.row]!.map(\.student)
            if rivals.count > 1 {
                let entry = roster.entries[choice.row]
                implicated[choice.row, default: []].append(choice.student)
                ambiguous.append(
                    Problem(
                        student: choice.student,
                        reason: """
                            roster line \(entry.line) (\(entry.displayName)) fits \
                            \(rivals.joined(separator: " and ")), \
                            so it is given to neither
                            """))
            } else {
                pairs.append(Pair(student: choice.student, entry: roster.entries[choice.row], key: choice.key))
            }
        }
        let paired = Set(pairs.map(\.entry.line))
        let unpaired = roster.entries.indices.filter {
            !paired.contains(roster.entries[$0].line) && implicated[$0] == nil
        }.map { roster.entries[$0] }
        self.pairs = pairs
        self.unmatched = unmatched
        self.ambiguous = ambiguous
        unresolved = implicated.keys.sorted().filter { !paired.contains(roster.entries[$0].line) }.map {
            (roster.entries[$0], Array(Set(implicated[$0]!)).sorted())
        }
        missing = unpaired.filter { !$0.isCanvasTestStudent }
        testStudents = unpaired.filter(\.isCanvasTestStudent)
    }
}
