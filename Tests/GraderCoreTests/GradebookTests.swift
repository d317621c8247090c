import Foundation
import Testing

@testable import GraderCore

/// The late policy, rosters and CSV reading behind `grader batch`'s late work and `grader export`, each checked
/// against results worked out by hand.
@Suite("gradebook")
struct GradebookTests {
    static func policy(_ yaml: String) throws -> LatePolicy? {
        let tree = try #require(try YAMLReader.parse(yaml, file: "assignment.yaml"))
        var fields = try YAMLFields(tree, file: "assignment.yaml", what: "assignment.yaml")
        return try LatePolicy.read(&fields)
    }

    static let due = "2026-10-14T22:00:00-07:00"
    static let dueDate = LatePolicy.date(due)!

    static func submitted(hoursLate: Double) -> SubmissionTime {
        SubmissionTime(date: dueDate.addingTimeInterval(hoursLate * 3600), source: "test")
    }

    static let standard = """
        due: \(due)
        late:
          grace-minutes: 15
          penalty-per-day: 10%
          max-penalty: 50%
          reject-after-days: 7
          late-days: {per-student: 5, max-per-assignment: 2}
        """

    @Test("ISO 8601 dates need a zone; Gradescope's microseconds are read")
    func dates() throws {
        #expect(LatePolicy.date("2026-10-14T22:00:00-07:00") == LatePolicy.date("2026-10-15T05:00:00Z"))
        #expect(LatePolicy.date("2026-10-14T22:00:00") == nil)
        #expect(LatePolicy.date("2026-10-14") == nil)
        let micro = try #require(LatePolicy.date("2018-07-01T14:22:32.365935-07:00"))
        #expect(abs(micro.timeIntervalSince(LatePolicy.date("2018-07-01T21:22:32Z")!) - 0.365) < 1e-6)
    }

    @Test("days late are started days after the grace; the bank is spent first; percent of the points possible")
    func latePenalties() throws {
        let policy = try #require(try Self.policy(Self.standard))
        let due = DueDate(date: Self.dueDate, source: "assignment.yaml")
        func apply(_ hours: Double?, bank: Int = 5, raw: Double = 30) -> LateAdjustment {
            policy.apply(
                raw: raw, maxScore: 40, submitted: hours.map(Self.submitted(hoursLate:)), due: due, bankLeft: bank)
        }
        // On time, and within the 15-minute grace: nothing.
        #expect(apply(-1).total == 30 && apply(-1).daysLate == 0)
        let graced = apply(0.25)
        #expect(graced.minutesLate == 15 && graced.daysLate == 0 && graced.total == 30)
        // 16 minutes late is a started day; the bank pays for it.
        let oneDay = apply(16.0 / 60)
        #expect(oneDay.daysLate == 1 && oneDay.lateDaysUsed == 1 && oneDay.penalty == 0 && oneDay.total == 30)
        // 49 hours: 3 started days, 2 from the bank (the cap per assignment), 1 charged at 10% of 40 = 4 points.
        let three = apply(49)
        #expect(three.daysLate == 3 && three.lateDaysUsed == 2 && three.penalty == 4 && three.total == 26)
        // With no bank left, 4 days cost 16; 6 days would cost 24 but the cap is 50% of 40 = 20.
        #expect(apply(73, bank: 0).penalty == 16)
        let capped = apply(140, bank: 0)
        #expect(capped.daysLate == 6 && capped.penalty == 20 && capped.total == 10)
        // The penalty never takes a score below 0.
        #expect(apply(140, bank: 0, raw: 5).total == 0)
        // 8 charged days (10 late, 2 from the bank) is past reject-after-days 7: 0, and the report says why; the
        // bank is not spent on work that is rejected anyway.
        let rejected = apply(24 * 9.5)
        #expect(rejected.daysLate == 10 && rejected.lateDaysUsed == 0 && rejected.rejected && rejected.total == 0)
        #expect(rejected.explanation.contains("more than 7 days late scores 0"), "\(rejected.explanation)")
        // 9 days with the bank pays 2: 7 charged is not more than 7.
        let saved = apply(24 * 8.5)
        #expect(!saved.rejected && saved.lateDaysUsed == 2 && saved.penalty == 20)
        // No time found: nothing applied, and it says so.
        let unknown = apply(nil)
        #expect(unknown.total == 30 && unknown.submittedAt == nil)
        #expect(unknown.explanation.contains("No submission time"))
    }

    @Test("points per day, and a due date moved by an extension")
    func pointsAndExtensions() throws {
        let policy = try #require(
            try Self.policy("due: \(Self.due)\nlate:\n  penalty-per-day: \"2\"\n  max-penalty: 5\n"))
        #expect(policy.penaltyPerDay == .points(2) && policy.maxPenalty == .points(5))
        let extended = DueDate(date: Self.dueDate.addingTimeInterval(2 * 86_400), source: "extension")
        let onTime = policy.apply(
            raw: 10, maxScore: 20, submitted: Self.submitted(hoursLate: 47), due: extended, bankLeft: 0)
        #expect(onTime.daysLate == 0 && onTime.total == 10 && onTime.dueSource == "extension")
        let late = policy.apply(
            raw: 10, maxScore: 20, submitted: Self.submitted(hoursLate: 50), due: extended, bankLeft: 0)
        #expect(late.daysLate == 1 && late.penalty == 2 && late.total == 8)
        let capped = policy.apply(
            raw: 10, maxScore: 20, submitted: Self.submitted(hoursLate: 24 * 6), due: extended, bankLeft: 0)
        #expect(capped.penalty == 5)
        // Lateness that costs nothing spends no late day.
        let free = try #require(
            try Self.policy("due: \(Self.due)\nlate:\n  late-days: {per-student: 3}\n"))
        let kept = free.apply(
            raw: 10, maxScore: 20, submitted: Self.submitted(hoursLate: 30),
            due: DueDate(date: Self.dueDate, source: "x"), bankLeft: 3)
        #expect(kept.daysLate == 2 && kept.lateDaysUsed == 0 && kept.total == 10)
    }

    @Test("a wrong due date or late policy is an error naming the file, the line and the problem")
    func badPolicies() throws {
        #expect(try Self.policy("title: x\n") == nil)
        let cases: [(String, String)] = [
            ("due: 2026-10-14T22:00:00\n", "assignment.yaml:1: `due:` must be an ISO 8601 date and time with a zone"),
            ("late:\n  grace-minutes: 5\n", "assignment.yaml:1: `late:` needs a `due:` date"),
            ("due: \(Self.due)\nlate:\n  penalty-per-day: 110%\n", "assignment.yaml:3: `penalty-per-day` must be"),
            ("due: \(Self.due)\nlate:\n  grace: 5\n", "assignment.yaml:3: unknown key `grace`"),
            ("due: \(Self.due)\nlate:\n  grace-minutes: -1\n", "assignment.yaml:3: `grace-minutes` must be 0 or more"),
            ("due: \(Self.due)\nlate:\n  late-days: {max-per-assignment: 2}\n", "needs `per-student:`"),
        ]
        for (yaml, expected) in cases {
            do {
                _ = try Self.policy(yaml)
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    @Test("CSV as RFC 4180: quotes, doubled quotes, line breaks in quotes, CRLF, a byte-order mark")
    func csv() throws {
        let table = try CSVTable(
            parsing: "\u{FEFF}Student,ID\r\n\"Lee, Ann\",\"1\"\"2\"\r\n\"two\nlines\",3\r\n\r\nlast,4", file: "x.csv")
        #expect(table.header == ["Student", "ID"])
        #expect(table.rows.map(\.fields) == [["Lee, Ann", "1\"2"], ["two\nlines", "3"], ["last", "4"]])
        #expect(table.rows.map(\.line) == [2, 3, 6])
        #expect(throws: GraderError.self) { try CSVTable(parsing: "a,b\n\"open,1\n", file: "x.csv") }
        do {
            _ = try CSVTable(parsing: "a,b\n1,2\n\"open,1\n", file: "x.csv")
        } catch {
            #expect("\(error)".hasPrefix("x.csv:3: a quoted field is never closed"), "\(error)")
        }
        // What the grader writes, it reads back.
        let fields = ["=cmd", "a,b", "q\"uote", " padded", "two\r\nlines"]
        let back = try CSVTable(parsing: CSVTable.text([["h1", "h2", "h3", "h4", "h5"], fields]), file: "y.csv")
        #expect(back.rows[0].fields == ["'=cmd", "a,b", "q\"uote", " padded", "two\r\nlines"])
    }

    @Test("a student id that starts with a quote or a formula character reads back from the gradebook as it was")
    func gradebookIDs() throws {
        let ids = ["'=x", "=x", "'plain", "x", "+1", "''"]
        #expect(ClassReport.csvField("'=x") == "''=x" && ClassReport.csvField("=x") == "'=x")
        let folder = NSTemporaryDirectory() + "gradebook-ids-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try CSVTable.text([["student", "total"]] + ids.map { [$0, "1"] }).write(
            toFile: folder + "/gradebook.csv", atomically: true, encoding: .utf8)
        #expect(try ClassReport.gradebookStudents(in: folder) == ids)
    }

    /// A roster with duplicate names, SIS ids with leading zeros, an email, a row without a submission and Canvas's
    /// test student.
    static let roster = """
        Student,ID,SIS User ID,SIS Login ID,Section,Email
            Points Possible,,,,,
        "Lee, Ann",11,000123,alee,A,ann.lee@uni.example
        "Kim, Sam",12,000200,skim1,A,sam.kim@uni.example
        "Kim, Sam",13,000201,skim2,B,s.kim@uni.example
        "Park, Jo",14,000300,jpark,B,jo.park@uni.example
        "Extra, Row",15,000400,xrow,B,extra@uni.example
        "Student, Test",99,,,A,
        Jane Doe,16,000500,jdoe,A,jane@uni.example
        """

    @Test("matching tries SIS login, SIS id without leading zeros, email, name; duplicates are never guessed")
    func rosterMatching() throws {
        let roster = try Roster(table: try CSVTable(parsing: Self.roster, file: "roster.csv"))
        #expect(roster.entries.count == 7)  // the Points Possible row is not a person
        let students = ["ALEE", "123", "jo.park", "Sam Kim", "skim2", "Doe, Jane", "zed", "300"]
        let match = RosterMatch(students: students, roster: roster)
        let paired = Dictionary(uniqueKeysWithValues: match.pairs.map { ($0.student, ($0.entry.id, $0.key)) })
        #expect(paired["skim2"]! == ("13", .sisLogin))
        #expect(paired["Doe, Jane"]! == ("16", .name))
        // `123` is Ann's SIS id and `300` Jo's, but Ann is `ALEE` and Jo `jo.park` (the email's local part): a row
        // two students fit is given to neither.
        #expect(paired["123"] == nil && paired["ALEE"] == nil && paired["300"] == nil && paired["jo.park"] == nil)
        #expect(match.ambiguous.map(\.student).sorted() == ["123", "300", "ALEE", "Sam Kim", "jo.park"])
        let sam = try #require(match.ambiguous.first { $0.student == "Sam Kim" })
        #expect(sam.reason.contains("its name fits 2 roster rows (line 4, line 5)"), "\(sam.reason)")
        #expect(match.ambiguous.first { $0.student == "123" }!.reason.contains("roster line 3 (Lee, Ann) fits"))
        #expect(match.unmatched.map(\.student) == ["zed"])
        // Row 12 is one of the two Sam Kims, rows 11 and 14 are contested: whose they are is unknown, so they are
        // unresolved (never zero-filled), not missing.
        #expect(match.missing.map(\.id) == ["15"])
        #expect(match.unresolved.map(\.entry.id) == ["11", "12", "14"])
        #expect(match.unresolved.map(\.students) == [["123", "ALEE"], ["Sam Kim"], ["300", "jo.park"]])
        #expect(match.testStudents.map(\.id) == ["99"])
        #expect(!match.isComplete)
        // Alone, each identifier finds its row: SIS ids with leading zeros either way, email, email's local part.
        let alone = RosterMatch(students: ["123", "jo.park", "jane@uni.example", "0000200"], roster: roster)
        #expect(alone.ambiguous.isEmpty && alone.unmatched.isEmpty)
        #expect(Set(alone.pairs.map(\.entry.id)) == ["11", "14", "16", "12"])
        #expect(Set(alone.pairs.map(\.key)) == [.sisUserID, .email])
    }
}
