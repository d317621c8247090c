import Foundation
import GraderCore
import Testing

/// The end of an assignment: late work, regrades and exports to the LMSs, run through the binary on small classes
/// whose answers need no compiler (`--only` answer parts), and exports read back by Python's own CSV and JSON
/// readers, applying each LMS's rules.
@Suite("gradebook", .serialized)
struct GradebookCLITests {
    /// A class whose students hand in the reference's answers.yaml (right for the `reference` variant and for the
    /// parts without numbers of their own, such as parameter-counts.mlp).
    static func makeClass(_ name: String, students: [String]) throws -> String {
        let root = CLI.temporary("\(name)-\(UInt32.random(in: 0...UInt32.max))")
        for student in students {
            try FileManager.default.createDirectory(atPath: root + "/" + student, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: CLI.root + "/submissions/hw6/reference/answers.yaml", toPath: root + "/\(student)/answers.yaml")
        }
        return root
    }

    /// A copy of hw6 reduced to parameter-counts (whose snippet part the classes here do not hand in, so nothing
    /// of theirs is compiled), with `extra` in its assignment.yaml (a due date and late policy) and
    /// parameter-counts' problem.yaml rewritten by `edit`.
    static func assignment(
        _ name: String, at folder: String? = nil, appending extra: String = "", edit: (String) -> String = { $0 }
    ) throws -> String {
        let folder = try CLI.problemsCopy(name, at: folder, editing: "parameter-counts", edit)
        try Self.write("title: HW6\nproblems: [parameter-counts]\n" + extra, to: folder + "/assignment.yaml")
        return folder
    }

    /// A JSON value as text, "" when it is none. Read before `#expect`: `#expect((late["eve"]?["explanation"] as?
    /// String ?? "").contains(y))`, an optional chain inside, passed whatever `contains` returned (a mutant showed it).
    static func text(_ value: Any?) -> String { value as? String ?? "" }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs `git` with `arguments` in `folder`, committing as of `date` (ISO 8601).
    static func git(_ arguments: [String], in folder: String, date: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=Student", "-c", "user.email=s@uni.example"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        if let date {
            environment["GIT_COMMITTER_DATE"] = date
            environment["GIT_AUTHOR_DATE"] = date
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "git \(arguments)")
    }

    static let policy = """

        due: 2026-10-14T22:00:00-07:00
        late:
          grace-minutes: 15
          penalty-per-day: 10%
          max-penalty: 50%
          reject-after-days: 7
          late-days: {per-student: 5, max-per-assignment: 2}

        """

    /// Each source of a submission time, an extension, Gradescope's own due date and the late-day bank, with the
    /// expected days and penalties worked out by hand; the rerun writes the same bytes.
    @Test("late penalties, extensions and the bank follow the policy from every time source, and a rerun is identical")
    func lateWork() throws {
        try CLI.requireTool("git", install: "sudo apt-get install git", for: "the git commit time source")
        let problems = try Self.assignment("late", appending: Self.policy)
        let students = ["ann", "ben", "cal", "dee", "eve", "fay", "gus", "hal"]
        let root = try Self.makeClass("late-class", students: students)
        // ann: timestamp.txt, on time (22:00 -07:00 is 05:00Z).
        try Self.write("2026-10-15T05:00:00Z\n", to: root + "/ann/timestamp.txt")
        // ben: Gradescope, created 3 days late, with Gradescope's own due date 2 days later (an extension):
        // 1 started day late, paid from the bank.
        try Self.write(
            """
            {"id": 1, "created_at": "2026-10-18T04:59:00.123456Z",
             "assignment": {"due_date": "2026-10-15T05:00:00.000000Z", "title": "HW6"},
             "users": [{"email": "ben@uni.example", "name": "Ben", "assignment": {"due_date": "2026-10-17T05:00:00Z"}}]}
            """, to: root + "/ben/submission_metadata.json")
        // hal: --submitted-at says 3 days 1 hour late (4 started days); the submission_metadata.json hal wrote
        // himself claims a due date in 2099, which must not move his.
        try Self.write(
            """
            {"created_at": "2026-10-14T00:00:00Z", "assignment": {"due_date": "2026-10-15T05:00:00Z"},
             "users": [{"assignment": {"due_date": "2099-01-01T00:00:00Z"}}]}
            """, to: root + "/hal/submission_metadata.json")
        // cal: a git repository whose last commit is 10 days late: 8 charged days even after 2 from the bank is
        // more than 7, rejected, and the bank is not spent on it.
        try Self.git(["init", "-q"], in: root + "/cal")
        try Self.git(["add", "answers.yaml"], in: root + "/cal")
        try Self.git(["commit", "-q", "-m", "done"], in: root + "/cal", date: "2026-10-24T06:00:00Z")
        // dee: --submitted-at says 30 hours late (over timestamp.txt's on-time claim); the ledger shows her bank
        // spent on HW5: 2 days at 10% of the points possible.
        try Self.write("2026-10-14T00:00:00Z\n", to: root + "/dee/timestamp.txt")
        // eve: no time anywhere. fay: an extension of 3 days, handed in 2 days late. gus: 10 minutes late (grace).
        let submitted = CLI.temporary("submitted-\(UInt32.random(in: 0...UInt32.max)).csv")
        try Self.write(
            """
            student,submitted\r
            dee,2026-10-16T11:00:00Z\r
            fay,2026-10-17T05:00:00Z\r
            gus,2026-10-15T05:10:00Z\r
            hal,2026-10-18T06:00:00Z\r

            """,
            to: submitted)
        let extensions = CLI.temporary("extensions-\(UInt32.random(in: 0...UInt32.max)).csv")
        try Self.write("fay,3\n", to: extensions)
        let ledger = CLI.temporary("ledger-\(UInt32.random(in: 0...UInt32.max)).csv")
        try Self.write("student,assignment,late days\ndee,HW5,5\nann,HW5,1\n", to: ledger)
        let out = root + "-out"
        let arguments = [
            "batch", root, "--out", out, "--problems", problems, "--submitted-at", submitted, "--extensions",
            extensions, "--late-days-ledger", ledger,
            "--no-similarity", "--quiet",
        ]
        let run = try CLI.grader(arguments)
        try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("late: 4 late, 2 penalised, 1 rejected, 3 late days spent"), "\(run.stdout)")
        var late: [String: [String: Any]] = [:]
        var max = 0.0
        var raw: [String: Double] = [:]
        for student in students {
            let json = try CLI.json(out + "/\(student)/results.json")
            late[student] = json["late"] as? [String: Any] ?? [:]
            max = json["maxScore"] as? Double ?? 0
            raw[student] = json["score"] as? Double ?? -1
        }
        func check(_ student: String, days: Int, used: Int, penalty: Double, rejected: Bool = false, source: String?) {
            let record = late[student] ?? [:]
            #expect(record["daysLate"] as? Int == days, "\(student): \(record)")
            #expect(record["lateDaysUsed"] as? Int == used, "\(student): \(record)")
            #expect(abs((record["penalty"] as? Double ?? -1) - penalty) < 1e-9, "\(student): \(record)")
            #expect(record["rejected"] as? Bool == rejected, "\(student): \(record)")
            #expect(record["submittedSource"] as? String == source, "\(student): \(record)")
        }
        check("ann", days: 0, used: 0, penalty: 0, source: "timestamp.txt")
        check("ben", days: 1, used: 1, penalty: 0, source: "submission_metadata.json")
        #expect(late["ben"]?["dueSource"] as? String == "Gradescope's due date for the student")
        check(
            "cal", days: 10, used: 0, penalty: raw["cal"]!, rejected: true,
            source: (late["cal"]?["submittedSource"] as? String).flatMap { $0.contains("git commit") ? $0 : nil })
        let calSubmittedSource = Self.text(late["cal"]?["submittedSource"])
        #expect(calSubmittedSource.contains("last git commit"), "\(calSubmittedSource)")
        // dee: 30 hours late is 2 started days; no bank left; 2 x 10% of the points possible, at most the score.
        check(
            "dee", days: 2, used: 0, penalty: Swift.min(raw["dee"]!, 2 * 0.1 * max),
            source: "\((submitted as NSString).lastPathComponent) line 2")
        check("eve", days: 0, used: 0, penalty: 0, source: nil)
        let eveExplanation = Self.text(late["eve"]?["explanation"])
        #expect(eveExplanation.contains("No submission time"), "\(eveExplanation)")
        check("fay", days: 0, used: 0, penalty: 0, source: "\((submitted as NSString).lastPathComponent) line 3")
        let fayDueSource = Self.text(late["fay"]?["dueSource"])
        #expect(fayDueSource.contains("extension of 3 days"), "\(fayDueSource)")
        check("gus", days: 0, used: 0, penalty: 0, source: "\((submitted as NSString).lastPathComponent) line 4")
        #expect(late["gus"]?["minutesLate"] as? Int == 10)
        check(
            "hal", days: 4, used: 2, penalty: Swift.min(raw["hal"]!, 2 * 0.1 * max),
            source: "\((submitted as NSString).lastPathComponent) line 5")
        #expect(late["hal"]?["dueSource"] as? String == "assignment.yaml")
        // The gradebook: raw, days late, late penalty, then the grade.
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        let header = gradebook.components(separatedBy: "\r\n")[0]
        #expect(header.hasSuffix(",raw,days late,late penalty,total"), "\(header)")
        let calRow = gradebook.components(separatedBy: "\r\n").first { $0.hasPrefix("cal,") } ?? ""
        let calRaw = NumberFormatting.score(raw["cal"]!)
        #expect(calRow.hasSuffix(",\(calRaw),10,\(calRaw),0"), "\(calRow)")
        // The ledger: HW5's rows kept, this assignment's spent days added.
        let ledgerText = try String(contentsOfFile: ledger, encoding: .utf8)
        #expect(
            ledgerText == "student,assignment,late days\r\nann,HW5,1\r\ndee,HW5,5\r\nben,HW6,1\r\nhal,HW6,2\r\n",
            "\(ledgerText)")
        // The feedback, the overview and the summary say what was applied.
        let feedback = try String(contentsOfFile: out + "/cal/feedback.md", encoding: .utf8)
        #expect(feedback.contains("work more than 7 days late scores 0"), "\(feedback)")
        let overview = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(overview.contains("<h2>Late work</h2>") && overview.contains(">dee</a>"))
        let summary = try CLI.json(out + "/summary.json")
        // The class statistics are of the grades, after the penalties.
        let grades = students.map { raw[$0]! - ((late[$0]?["penalty"] as? Double) ?? 0) }
        #expect(abs((summary["mean"] as? Double ?? -1) - grades.reduce(0, +) / Double(grades.count)) < 1e-9)
        #expect(
            Set((summary["late"] as? [[String: Any]] ?? []).compactMap { $0["student"] as? String })
                == ["ben", "cal", "dee", "eve", "hal"])
        // A rerun (the ledger now holds HW6's days, which it must not count twice) writes the same bytes, and a
        // regrade.csv with no change in it.
        let regraded = ["regrade.csv"]
        let before = BatchTests.files(under: out).filter { !regraded.contains($0.key) }
        let again = try CLI.grader(arguments)
        try #require(again.status == 0, "\(again.stdout)\(again.stderr)")
        let after = BatchTests.files(under: out).filter { !regraded.contains($0.key) }
        #expect(before == after)
        #expect(try String(contentsOfFile: ledger, encoding: .utf8) == ledgerText)
        #expect(
            try String(contentsOfFile: out + "/regrade.csv", encoding: .utf8)
                == "student,problem,part,old score,new score,why\r\n")
    }

    /// A repository's config can make git run programs (a signature check's `gpg.program`) and its alternates can
    /// point at another student's objects: git reads the commit time in the sandbox, where neither reaches out.
    @Test("a hostile .git neither runs a program outside the sandbox nor reads another student's repository")
    func hostileGit() throws {
        try CLI.requireTool("git", install: "sudo apt-get install git", for: "the git commit time source")
        try CLI.requireBubblewrap()
        let problems = try Self.assignment("late-git", appending: Self.policy)
        let root = try Self.makeClass("late-git-class", students: ["mallory", "victim"])
        let marker = CLI.temporary("gpg-ran-\(UInt32.random(in: 0...UInt32.max))")
        let script = CLI.temporary("gpg-\(UInt32.random(in: 0...UInt32.max)).sh")
        try Self.write("#!/bin/sh\ntouch \(marker)\nexit 1\n", to: script)
        chmod(script, 0o755)
        // victim: a commit on time. mallory: no objects of her own, only the victim's, through alternates.
        try Self.git(["init", "-q"], in: root + "/victim")
        try Self.git(["add", "answers.yaml"], in: root + "/victim")
        try Self.git(["commit", "-q", "-m", "on time"], in: root + "/victim", date: "2026-10-14T12:00:00Z")
        try Self.git(["init", "-q"], in: root + "/mallory")
        let victimHead = try String(
            contentsOfFile: root + "/victim/.git/refs/heads/"
                + (try FileManager.default.contentsOfDirectory(atPath: root + "/victim/.git/refs/heads")[0]),
            encoding: .utf8)
        let branch = try FileManager.default.contentsOfDirectory(atPath: root + "/victim/.git/refs/heads")[0]
        try Self.write(victimHead, to: root + "/mallory/.git/refs/heads/\(branch)")
        try Self.write("ref: refs/heads/\(branch)\n", to: root + "/mallory/.git/HEAD")
        try Self.write(root + "/victim/.git/objects\n", to: root + "/mallory/.git/objects/info/alternates")
        let config = root + "/mallory/.git/config"
        try Self.write(
            try String(contentsOfFile: config, encoding: .utf8)
                + "[log]\n\tshowSignature = true\n[gpg]\n\tprogram = \(script)\n[core]\n\tfsmonitor = \(script)\n",
            to: config)
        // Outside the sandbox, git reads the victim's commit through the alternates.
        let outside = Process()
        outside.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        outside.arguments = [
            "git", "--git-dir", root + "/mallory/.git", "-c", "safe.directory=*", "log", "-1",
            "--format=%ct", "--no-show-signature",
        ]
        let pipe = Pipe()
        outside.standardOutput = pipe
        outside.standardError = FileHandle.nullDevice
        try outside.run()
        outside.waitUntilExit()
        let seen = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(seen.hasPrefix("17"), "the attack works outside the sandbox: \(seen)")
        let out = root + "-out"
        let run = try CLI.grader([
            "batch", root, "--out", out, "--problems", problems, "--no-similarity",
            "--quiet",
        ])
        try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "a program of the student's ran outside the sandbox")
        let late = try CLI.json(out + "/mallory/results.json")["late"] as? [String: Any] ?? [:]
        #expect(late["submittedAt"] == nil, "mallory's time was read from the victim's repository: \(late)")
        #expect((late["explanation"] as? String ?? "").contains("git could not read the last commit"), "\(late)")
        let victim = try CLI.json(out + "/victim/results.json")["late"] as? [String: Any] ?? [:]
        #expect(victim["submittedAt"] as? String == "2026-10-14T12:00:00Z", "\(victim)")
    }

    /// A tolerance widened on one part, then a student's changed answer, then the tolerance put back under
    /// --keep-higher: regrade.csv lists exactly the parts whose scores moved, each with its reason.
    @Test("a regrade lists exactly the students and parts whose scores changed, and --keep-higher lowers no grade")
    func regrade() throws {
        let root = try Self.makeClass("regrade-class", students: ["ann", "ben", "cat", "dan"])
        try FileManager.default.removeItem(atPath: root + "/dan/answers.yaml")
        try FileManager.default.copyItem(
            atPath: CLI.root + "/submissions/hw6/reference/answers.yaml", toPath: root + "/dan/answers.yaml")
        let folder = CLI.temporary("regrade-problems-\(UInt32.random(in: 0...UInt32.max))")
        let out = root + "-out"
        func batch(tolerance: String?, _ extra: [String] = []) throws -> CLI.Run {
            try? FileManager.default.removeItem(atPath: folder)
            _ = try Self.assignment("regrade", at: folder) { text in
                guard let tolerance else { return text }
                return text.replacingOccurrences(
                    of: "    expression: \"resnextNaiveBlock(channels: channels, width: width, bias: true)\"\n",
                    with: "    expression: \"resnextNaiveBlock(channels: channels, width: width, bias: true)\"\n"
                        + "    atol: \(tolerance)\n")
            }
            let run = try CLI.grader(
                [
                    "batch", root, "--out", out, "--problems", folder, "--no-similarity", "--quiet",
                ] + extra)
            try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
            return run
        }
        func scores() throws -> [String: [String: Double]] {
            var scores: [String: [String: Double]] = [:]
            for student in ["ann", "ben", "cat", "dan"] {
                let parts = CLI.parts(try CLI.json(out + "/\(student)/results.json"))
                scores[student] = parts.compactMapValues { $0["score"] as? Double }
            }
            return scores
        }
        func rows() throws -> [[String]] {
            try String(contentsOfFile: out + "/regrade.csv", encoding: .utf8).components(separatedBy: "\r\n")
                .dropFirst().filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
        }
        _ = try batch(tolerance: nil)
        #expect(!FileManager.default.fileExists(atPath: out + "/regrade.csv"), "a first run is no regrade")
        let first = try scores()
        // Everyone's variant differs from the handout's, so everyone missed resnext-naive; one student must not.
        let wrong = first.filter { $0.value["parameter-counts.resnext-naive"] == 0 }.keys.sorted()
        try #require(!wrong.isEmpty)
        _ = try batch(tolerance: "999999")
        let second = try scores()
        var moved: [[String]] = []
        for student in second.keys.sorted() {
            for (part, score) in second[student]!.sorted(by: { $0.key < $1.key }) where first[student]?[part] != score {
                moved.append([student, part])
            }
        }
        #expect(!moved.isEmpty && moved.map { $0[0] } == wrong)
        let listed = try rows()
        #expect(listed.map { [$0[0], "\($0[1]).\($0[2])"] } == moved, "\(listed)")
        #expect(listed.allSatisfy { $0[5] == "the problem changed" }, "\(listed)")
        #expect((try CLI.json(out + "/summary.json"))["changes"] as? [Any] as? [[String: Any]] != nil)
        #expect(((try CLI.json(out + "/summary.json"))["changes"] as? [Any])?.count == listed.count)
        let overview = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(overview.contains("<h2>Changed since the last run</h2>"))
        // A student changes an answer: that student's part, because the submission changed.
        let answers = root + "/\(wrong[0])/answers.yaml"
        let text = try String(contentsOfFile: answers, encoding: .utf8)
        let mlp = try #require(text.range(of: #"mlp: *[0-9]+"#, options: .regularExpression))
        try text.replacingCharacters(in: mlp, with: "mlp: 1").write(toFile: answers, atomically: true, encoding: .utf8)
        _ = try batch(tolerance: "999999")
        #expect(try rows() == [[wrong[0], "parameter-counts", "mlp", "1", "0", "the submission changed"]])
        // The tolerance put back with --keep-higher: the parts fall, the grades stand, and the feedback says so.
        let kept = try batch(tolerance: nil, ["--keep-higher"])
        #expect(kept.stdout.contains("\(wrong.count) earlier, higher grades kept"), "\(kept.stdout)")
        let keptRows = try rows()
        #expect(keptRows.map { [$0[0], "\($0[1]).\($0[2])"] } == moved.map { $0 }, "\(keptRows)")
        for student in wrong {
            let json = try CLI.json(out + "/\(student)/results.json")
            let keptGrade = try #require(json["keptHigher"] as? [String: Any])
            #expect(
                keptGrade["total"] as? Double == (second[student]?.values.reduce(0, +) ?? -1)
                    - (student == wrong[0] ? 1 : 0))
            let feedback = try String(contentsOfFile: out + "/\(student)/feedback.md", encoding: .utf8)
            #expect(feedback.contains("stands, since a regrade never lowers a grade"), "\(feedback)")
        }
    }
}

/// `grader export` on a class whose folder names are SIS logins, SIS ids without their leading zeros, an email's
/// local part, a name two roster rows share and a name on no row; each file is read back with Python's csv and
/// json modules, by the rules each LMS imports by.
@Suite("export", .serialized)
struct ExportCLITests {
    static let roster = """
        Student,ID,SIS User ID,SIS Login ID,Section,Email address,Username,First name,Last name,LTI User ID\r
            Points Possible,,,,,,,,,\r
        "Lee, Ann",11,000123,alee,A,ann.lee@uni.example,alee,Ann,Lee,u-11\r
        "Kim, Sam",12,000200,skim1,A,sam.kim@uni.example,skim1,Sam,Kim,u-12\r
        "Kim, Sam",13,000201,skim2,B,s.kim@uni.example,skim2,Sam,Kim,u-13\r
        "Park, Jo",14,000300,jpark,B,jo.park@uni.example,jpark,Jo,Park,u-14\r
        "Extra, Row",15,000400,xrow,B,extra@uni.example,xrow,Row,Extra,u-15\r
        "Student, Test",99,,,A,,,,,\r

        """

    /// Reads an export as the LMS does and prints what it would import, as JSON: `{row id: score or null}`.
    static let reader = #"""
        import csv, json, re, sys, os, datetime
        fmt, path = sys.argv[1], sys.argv[2]
        out = {}
        if fmt == "lti-ags":
            for name in sorted(os.listdir(path)):
                score = json.load(open(os.path.join(path, name)))
                assert set(score) == {"userId", "scoreGiven", "scoreMaximum", "comment", "timestamp",
                                      "activityProgress", "gradingProgress"}, score
                assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
                assert 0 <= score["scoreGiven"] <= score["scoreMaximum"], score
                datetime.datetime.fromisoformat(score["timestamp"].replace("Z", "+00:00"))
                out[score["userId"]] = score["scoreGiven"]
            print(json.dumps(out)); sys.exit(0)
        raw = open(path, newline="", encoding="utf-8").read()
        assert "\r\n" in raw and not re.search(r"[^\r]\n", raw), "CRLF line ends"
        rows = list(csv.reader(raw.splitlines(keepends=True)))
        header = rows[0]
        score_re = re.compile(r"^\d+\.\d\d$")
        if fmt == "canvas":
            assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], header
            assert re.fullmatch(r".+ \(\d+\)", header[5]), header
            assert rows[1][0].strip() == "Points Possible" and score_re.match(rows[1][5]), rows[1]
            for row in rows[2:]:
                assert row[5] == "" or score_re.match(row[5]), row
                out[row[1]] = float(row[5]) if row[5] else None
            out["columns"] = header[5:]
        elif fmt == "moodle":
            assert header == ["Email address", "HW6", "Feedback"], header
            for row in rows[1:]:
                assert score_re.match(row[1]) and row[2], row
                out[row[0]] = float(row[1])
        elif fmt == "blackboard":
            assert header[:3] == ["Last Name", "First Name", "Username"], header
            assert re.fullmatch(r".+ \[Total Pts: [0-9.]+ Score\] \|\d+", header[3]), header
            for row in rows[1:]:
                assert row[3] == "" or score_re.match(row[3]), row
                out[row[2]] = float(row[3]) if row[3] else None
        print(json.dumps(out))
        """#

    static func read(_ format: String, _ path: String) throws -> [String: Any] {
        let script = CLI.temporary("lms-reader.py")
        try reader.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, format, path]
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(format) does not import: \(failure)")
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @Test("every export matches its LMS's format, and every unmatched, ambiguous or missing student is listed")
    func exports() throws {
        try CLI.requireTool("python3", install: "sudo apt-get install python3", for: "reading the exports")
        let problems = try GradebookCLITests.assignment("export")
        let students = ["alee", "201", "jo.park", "Sam Kim", "zed"]
        let root = try GradebookCLITests.makeClass("export-class", students: students)
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--problems", problems, "--no-similarity", "--quiet"])
        try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
        let roster = root + "-roster.csv"
        try Self.roster.write(toFile: roster, atomically: true, encoding: .utf8)
        var totals: [String: Double] = [:]
        for student in students { totals[student] = try CLI.json(out + "/\(student)/results.json")["score"] as? Double }
        // Without --allow-unmatched: nothing written, and every problem named.
        let refused = try CLI.grader([
            "export", out, "--format", "canvas", "--roster", roster, "--out", root + "-c.csv",
        ])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "-c.csv"))
        for expected in [
            "unmatched student zed: on no roster row", "ambiguous student Sam Kim: its name fits 2 roster rows",
            "unresolved: roster line 4, Kim, Sam, may be Sam Kim: no score exported",
            "no submission: roster line 7, Extra, Row (xrow)", "roster line 8 is Canvas's test student",
        ] {
            #expect(refused.stderr.contains(expected), "\(expected)\n\(refused.stderr)")
        }
        func export(_ format: String, _ extra: [String] = []) throws -> [String: Any] {
            let path = root + "-\(format)" + (format == "lti-ags" ? "" : ".csv")
            let run = try CLI.grader(
                ["export", out, "--format", format, "--roster", roster, "--out", path, "--allow-unmatched"] + extra)
            try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
            return try Self.read(format, path)
        }
        let canvas = try export("canvas", ["--assignment-id", "4711", "--per-problem"])
        #expect(canvas["11"] as? Double == totals["alee"])
        #expect(canvas["13"] as? Double == totals["201"])
        #expect(canvas["14"] as? Double == totals["jo.park"])
        #expect(canvas["12"] is NSNull && canvas["15"] is NSNull && canvas["99"] == nil, "\(canvas)")
        #expect(canvas["columns"] as? [String] == ["HW6 (4711)", "HW6: Counting parameters"])
        let zeros = try export("canvas", ["--assignment-id", "4711", "--missing-as-zero"])
        // Row 12 may be Sam Kim's, who did hand in: never a 0. Row 15 has no submission.
        #expect(zeros["12"] is NSNull && zeros["15"] as? Double == 0, "\(zeros)")
        let moodle = try export("moodle")
        #expect(
            moodle as? [String: Double] == [
                "ann.lee@uni.example": totals["alee"]!, "s.kim@uni.example": totals["201"]!,
                "jo.park@uni.example": totals["jo.park"]!,
            ])
        let blackboard = try export("blackboard", ["--assignment-id", "_567_1".filter(\.isNumber)])
        #expect(blackboard["alee"] as? Double == totals["alee"] && blackboard["xrow"] is NSNull, "\(blackboard)")
        // A matched student whose key column is blank is never dropped in silence.
        let blank = root + "-blank-roster.csv"
        try Self.roster.replacingOccurrences(of: "ann.lee@uni.example", with: "").write(
            toFile: blank, atomically: true, encoding: .utf8)
        let withoutEmail = try CLI.grader(
            ["export", out, "--format", "moodle", "--roster", blank, "--out", root + "-blank.csv", "--allow-unmatched"])
        #expect(withoutEmail.status == 0, "\(withoutEmail.stdout)\(withoutEmail.stderr)")
        #expect(withoutEmail.stderr.contains("left out of the moodle export: alee: roster line 3 has no Email address"))
        #expect(withoutEmail.stdout.contains("wrote \(root)-blank.csv: 2 students' grades"), "\(withoutEmail.stdout)")
        #expect(try Self.read("moodle", root + "-blank.csv").count == 2)
        // LTI needs the platform's user ids, and a folder of its own.
        let noLTI = root + "-no-lti.csv"
        try Self.roster.replacingOccurrences(of: ",LTI User ID\r", with: ",Other\r").write(
            toFile: noLTI, atomically: true, encoding: .utf8)
        let refusedLTI = try CLI.grader(
            ["export", out, "--format", "lti-ags", "--roster", noLTI, "--out", root + "-x", "--allow-unmatched"])
        #expect(refusedLTI.status == 2 && refusedLTI.stderr.contains("needs an `LTI User ID` column"))
        let lti = try export("lti-ags", ["--timestamp", "2026-10-20T09:00:00Z"])
        #expect(
            lti as? [String: Double] == ["u-11": totals["alee"]!, "u-13": totals["201"]!, "u-14": totals["jo.park"]!])
        let again = try CLI.grader(
            ["export", out, "--format", "lti-ags", "--roster", roster, "--out", root + "-lti-ags", "--allow-unmatched"])
        #expect(again.status == 2 && again.stderr.contains("not empty: give a new folder"), "\(again.stderr)")
    }

    /// The bundled class (alice, bob, reference) and the bundled rosters, one per LMS: every student matches, with
    /// no --allow-unmatched, and each export reads back.
    @Test("the bundled class exports to each format with the bundled rosters, every student matched")
    func bundledClass() throws {
        try CLI.requireTool("python3", install: "sudo apt-get install python3", for: "reading the exports")
        let problems = try GradebookCLITests.assignment("bundled-export")
        let root = CLI.temporary("bundled-export-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6", toPath: root)
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--problems", problems, "--quiet"])
        try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
        var totals: [String: Double] = [:]
        for student in ["alice", "bob", "reference"] {
            totals[student] = try CLI.json(out + "/\(student)/results.json")["score"] as? Double
        }
        for (format, roster, key) in [
            ("canvas", "canvas", ["alice": "1001", "bob": "1002", "reference": "1003"]),
            (
                "moodle", "moodle",
                [
                    "alice": "alice@uni.example", "bob": "bob@uni.example",
                    "reference": "reference@uni.example",
                ]
            ),
            ("blackboard", "blackboard", ["alice": "alice", "bob": "bob", "reference": "reference"]),
            (
                "lti-ags", "lti",
                [
                    "alice": "5d0a2c1e-8f6b-4a57-9d2e-1b7c3a9e4f01",
                    "bob": "7e1b3d2f-9a7c-4b68-8e3f-2c8d4b0f5a12", "reference": "9f2c4e3a-0b8d-4c79-9f4a-3d9e5c1a6b23",
                ]
            ),
        ] {
            let path = root + "-\(format)" + (format == "lti-ags" ? "" : ".csv")
            let export = try CLI.grader(
                [
                    "export", out, "--format", format, "--roster", CLI.root + "/examples/rosters/\(roster).csv",
                    "--out",
                    path, "--assignment-id", "4711",
                ])
            try #require(export.status == 0, "\(format): \(export.stdout)\(export.stderr)")
            let read = try ExportCLITests.read(format, path)
            for (student, id) in key {
                let score = try #require(read[id] as? Double, "\(format): \(id) in \(read)")
                #expect(abs(score - totals[student]!) < 0.005, "\(format) \(student)")
            }
        }
        // Every student matched, but one cannot be written (no email for Moodle): an error, and nothing written.
        let blank = root + "-blank.csv"
        try String(contentsOfFile: CLI.root + "/examples/rosters/moodle.csv", encoding: .utf8)
            .replacingOccurrences(of: "alice@uni.example", with: "").write(
                toFile: blank, atomically: true, encoding: .utf8)
        let refused = try CLI.grader(["export", out, "--format", "moodle", "--roster", blank, "--out", root + "-m.csv"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("left out of the moodle export: alice: roster line 2 has no Email address"))
        #expect(!FileManager.default.fileExists(atPath: root + "-m.csv"))
    }
}
