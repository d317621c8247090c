import ArgumentParser
import Foundation
import GraderCore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a batch's grades in the form Canvas, Moodle, Blackboard or an LTI Advantage tool imports.",
        discussion: reflowed(
            """
            <reports> is the --out folder of `grader batch` (or `grader merge`): its gradebook.csv says which
            students the last run graded, and each student's results.json their grade (after any late penalty).

            Students are matched to roster rows by, in order: the SIS login, the SIS user id (leading zeros
            ignored), the email or its local part, the name ("First Last" or "Last, First"), case ignored. A key
            that fits two rows is never used. Every student on no row or on several, and every roster row without
            a submission, is listed; the export then fails unless --allow-unmatched. Rows without a submission get
            no score (the LMS leaves it alone) unless --missing-as-zero.

            Formats:
              canvas      Canvas's gradebook CSV (roster: Canvas's own gradebook export)
              moodle      a CSV for Moodle's grade import: identifier, grade, feedback
              blackboard  a Grade Center upload keyed on the Username
              lti-ags     one LTI Advantage Score JSON per student, in the folder --out

            Examples:
              grader export reports --format canvas --roster canvas.csv --out import.csv
              grader export reports --format canvas --roster canvas.csv --out import.csv \\
                --assignment-id 4711 --per-problem
              grader export reports --format lti-ags --roster roster.csv --out scores/

            See docs/gradebook.md for each LMS's steps.
            """))

    @Argument(help: ArgumentHelp("A batch's output folder.", valueName: "reports"))
    var reports: String

    @Option(name: .long, help: ArgumentHelp("canvas, moodle, blackboard or lti-ags.", valueName: "format"))
    var format: String

    @Option(name: .long, help: ArgumentHelp("The class list the LMS exports (CSV).", valueName: "file"))
    var roster: String

    @Option(name: .long, help: ArgumentHelp("The file to write (a folder for lti-ags).", valueName: "path"))
    var out: String

    @Option(
        name: .customLong("assignment-id"),
        help: ArgumentHelp("The LMS's id of the assignment's column (Canvas, Blackboard), when known.", valueName: "id")
    )
    var assignmentID: String?

    @Option(name: .long, help: ArgumentHelp("The column's title (default: the assignment's).", valueName: "title"))
    var title: String?

    @Flag(name: .customLong("per-problem"), help: "Canvas: also a column per problem.")
    var perProblem = false

    @Flag(name: .customLong("allow-unmatched"), help: "Export even when some students or roster rows do not match.")
    var allowUnmatched = false

    @Flag(name: .customLong("missing-as-zero"), help: "Give roster rows without a submission 0 rather than no score.")
    var missingAsZero = false

    @Option(
        name: .customLong("moodle-id"),
        help: ArgumentHelp("Moodle: email, username or idnumber (default: the first the roster has).", valueName: "key")
    )
    var moodleID: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "lti-ags: the scores' timestamp, ISO 8601 (default: SOURCE_DATE_EPOCH when set, else now).",
            valueName: "time"))
    var timestamp: String?

    func validate() throws {
        guard LMSExport.Format(rawValue: format) != nil else {
            throw ValidationError(
                "--format must be one of \(LMSExport.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let moodleID, LMSExport.MoodleIdentifier(rawValue: moodleID) == nil {
            throw ValidationError("--moodle-id must be email, username or idnumber")
        }
        if let timestamp, LatePolicy.date(timestamp) == nil {
            throw ValidationError("--timestamp must be ISO 8601 with a zone, such as 2026-10-20T09:00:00Z")
        }
    }

    func run() throws {
        do {
            let students = try ClassReport.lastRun(in: reports)
            let roster = try Roster.read(self.roster)
            let match = RosterMatch(students: students.map(\.id), roster: roster)
            report(match)
            if !match.isComplete && !allowUnmatched {
                printError(
                    """
                    error: not every student and roster row matched (above), so nothing was written; fix the roster \
                    or the folder names, or pass --allow-unmatched to export the \(match.pairs.count) that did
                    """)
                throw ExitCode(1)
            }
            var export = LMSExport(
                format: LMSExport.Format(rawValue: format)!,
                title: title ?? students.first?.report.assignment ?? "Assignment")
            export.assignmentID = assignmentID
            export.perProblem = perProblem
            export.missingAsZero = missingAsZero
            export.moodleIdentifier = moodleID.flatMap(LMSExport.MoodleIdentifier.init(rawValue:))
            let time =
                timestamp.flatMap(LatePolicy.date)
                ?? ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init).map {
                    Date(timeIntervalSince1970: $0)
                } ?? Date()
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            export.timestamp = formatter.string(from: time)
            let rendered = try export.render(students: students, roster: roster, match: match)
            for omitted in rendered.omitted { printError("left out of the \(format) export: \(omitted)") }
            if !rendered.omitted.isEmpty && !allowUnmatched {
                printError(
                    """
                    error: \(rendered.omitted.count) matched student\(rendered.omitted.count == 1 ? "" : "s") \
                    cannot be written for \(format) (above), so nothing was written; fill in the roster, or pass \
                    --allow-unmatched
                    """)
                throw ExitCode(1)
            }
            if perProblem, students.contains(where: { $0.report.total != $0.report.score }) {
                printError(
                    """
                    note: the per-problem columns are the parts' scores, before the late penalty and any kept \
                    grade; the total column is the grade
                    """)
            }
            switch rendered.output {
            case .file(let text):
                try Reporters.write(text, to: out)
                print("wrote \(out): \(rendered.written) students' grades for \(format) (\(keys(match)))")
            case .files(let files):
                // Scores left from an earlier export must never be posted with these.
                let existing = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
                guard existing.isEmpty else {
                    throw GraderError.io(
                        path: out, reason: "not empty: give a new folder, so that no earlier score is posted again")
                }
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for file in files { try Reporters.write(file.text, to: "\(out)/\(file.name)") }
                print("wrote \(rendered.written) students' LTI AGS scores into \(out)/ (\(keys(match)))")
            }
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// How many students each key matched: "40 by SIS login, 2 by name".
    func keys(_ match: RosterMatch) -> String {
        let counts = Dictionary(grouping: match.pairs, by: \.key)
        let text = counts.keys.sorted().map { "\(counts[$0]!.count) by \($0.rawValue)" }.joined(separator: ", ")
        return text.isEmpty ? "none matched" : "matched " + text
    }

    /// Lists, on stderr, every student and roster row that did not match.
    func report(_ match: RosterMatch) {
        for problem in match.unmatched { printError("unmatched student \(problem)") }
        for problem in match.ambiguous { printError("ambiguous student \(problem)") }
        for entry in match.missing {
            printError(
                """
                no submission: roster line \(entry.line), \(entry.displayName)\
                \(entry.sisLoginID.isEmpty ? "" : " (\(entry.sisLoginID))")\
                \(missingAsZero ? ": exported as 0" : ": no score exported")
                """)
        }
        for (entry, students) in match.unresolved {
            printError(
                """
                unresolved: roster line \(entry.line), \(entry.displayName), may be \
                \(students.joined(separator: " or ")): no score exported
                """)
        }
        for entry in match.testStudents {
            printError("note: roster line \(entry.line) is Canvas's test student, who has no submission: skipped")
        }
    }
}
