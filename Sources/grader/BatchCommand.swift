import ArgumentParser
import Foundation
import GraderCore

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Grade a whole class: every sub-folder of <root> is one student's submission.",
        discussion: reflowed(
            """
            Writes <out>/<student>/junit.xml, feedback.md and results.json, then <out>/gradebook.csv (a row per
            student, a column per problem, and the total), <out>/summary.json and <out>/index.html (the class
            overview: score histogram, full marks per part, common mistakes, timeouts and compile errors).

            Results are cached by the content of each student's files, the problem definitions and the grader's
            version: rerunning after an interruption, a student's change or a fix to one problem regrades only
            what changed. Reports are byte-identical for the same inputs (summary.json and index.html carry a
            date only when SOURCE_DATE_EPOCH is set).

            With `due:` in assignment.yaml, the late policy is applied: grace, penalty per day, cap, rejection,
            the late-day bank (--late-days-ledger), extensions (--extensions), and each student's submission time
            from --submitted-at, else timestamp.txt, Gradescope's submission_metadata.json or the folder's last git
            commit, never the clock. The gradebook then has raw, days late and late penalty before total.

            Rerunning into the same <out> is a regrade: <out>/regrade.csv lists every score that changed and why
            (the problem, the submission or the grader changed), and --keep-higher never lowers a grade. Then
            `grader export` writes the grades for the LMS. See docs/gradebook.md.

            Final grades need the namespace sandbox (bubblewrap): without it, student code could read and change
            what the grader keeps, so batch refuses to run unless --allow-unsandboxed is given, and every report
            then says so.

            Exit status: 0 when every part was graded; 3 when some parts could not be (a reference that fails on
            one student's numbers: those parts are grader-error in that student's reports, listed on stderr); 2
            when the grader itself failed (a broken reference, an unwritable output folder).

            Examples:
              grader batch submissions/hw6 --out reports
              grader batch submissions/hw6 --out reports --jobs 8 --gradescope
              grader batch submissions/hw6 --out reports --submitted-at times.csv \\
                --extensions ext.csv --late-days-ledger late-days.csv --keep-higher
              grader batch submissions/hw6 --out shard-2 --shard 2/4
                then: grader merge shard-* --out reports --assignment hw6
            """))

    @Argument(help: ArgumentHelp("The folder holding one sub-folder per student.", valueName: "root"))
    var root: String

    @Option(name: .long, help: ArgumentHelp("Where the reports go.", valueName: "dir"))
    var out: String

    @Flag(name: .long, help: "Also write each student's gradescope/results.json (Gradescope's autograder format).")
    var gradescope = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Grade only shard K of N (by a hash of the student id); merge the outputs with `grader merge`.",
            valueName: "K/N"))
    var shard: String?

    @OptionGroup var resultCache: ResultCacheFlags

    @Flag(
        name: .customLong("compile-one-by-one"),
        help: "Compile every file in its own compiler call (slower; for comparison).")
    var compileOneByOne = false

    @Flag(name: .long, help: "Print no progress.")
    var quiet = false

    @Flag(
        name: .long,
        help: """
            Print on stderr where the time went: each phase's wall time, then every kind of child process (compiler \
            calls, links, sandboxed runs) and cache access, with counts and summed seconds.
            """)
    var timings = false

    @Flag(name: .long, help: "Grade even without the namespace sandbox (every report says so; not for final grades).")
    var allowUnsandboxed = false

    @OptionGroup var similarity: SimilarityFlags

    @OptionGroup var lateness: LateFlags

    @Flag(
        name: .customLong("keep-higher"),
        help: "On a regrade (--out holds a previous run), never lower a student's grade; their feedback says so.")
    var keepHigher = false

    @OptionGroup var grading: GradingFlags

    /// Prints the shared `TimeLedger` on stderr: phases (wall), then processes and cache access (summed over jobs).
    func printTimings(total: Double) {
        let ledger = TimeLedger.shared
        var lines = [String(format: "timings: %.2f s in the batch run", total), "phases (wall time):"]
        lines += ledger.table(prefix: "phase: ")
        lines += ["steps (wall time; a student's reports summed over jobs):"] + ledger.table(prefix: "step: ")
        lines += ["child processes (summed over jobs):"] + ledger.table(prefix: "process: ")
        lines += ["shared sandboxes (each serves one student's runs of one phase):"] + ledger.table(prefix: "sandbox: ")
        lines += ["compiler calls (summed over jobs):"] + ledger.table(prefix: "compile: ")
        lines += ["cache (summed over jobs):"] + ledger.table(prefix: "cache: ")
        printError(lines.joined(separator: "\n"))
    }

    func validate() throws {
        if let shard, Shard(parsing: shard) == nil {
            throw ValidationError("--shard must be K/N with 1 <= K <= N, e.g. 2/4")
        }
    }

    func run() throws {
        var flags = grading
        let jobs = flags.jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        flags.jobs = 1  // parallel across students, not across one student's problems
        let session = try flags.session(submissions: [root]) {
            $0.cachesResults = true
            $0.readsCachedResults = !resultCache.noResultCache
        }
        defer { session.close() }
        KeptUntilExit.keep(session)
        if session.problems.role == .student {
            printError(
                """
                error: \(session.problems.directory) is a student kit: it has no answer keys and no hidden \
                trials, so it cannot give grades; batch-grade with the autograder folder `grader assign` wrote
                """
            )
            throw ExitCode(2)
        }
        if session.sandbox.status.mode == .rlimitsOnly && !allowUnsandboxed {
            printError(
                """
                error: \(session.sandbox.status.note).
                Final grades need the namespace sandbox: install bubblewrap (sudo apt-get install bubblewrap) and make \
                sure \
                unprivileged user namespaces are enabled, or pass --allow-unsandboxed to grade anyway (every report \
                will say so).
                """)
            throw ExitCode(2)
        }
        var batch = BatchOptions(root: root, output: out)
        batch.jobs = jobs
        batch.shard = shard.flatMap(Shard.init(parsing:))
        batch.gradescope = gradescope
        batch.sharedCompile = !compileOneByOne
        batch.similarityThreshold = similarity.threshold
        batch.keepHigher = keepHigher
        do {
            batch.late = try lateness.work(
                for: session.problems, students: BatchRunner(session: session, options: batch).students())
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        for stranger in batch.late?.strangers ?? [] {
            printError("warning: `\(stranger)` is named in --extensions or --submitted-at but has no folder in \(root)")
        }
        let progress = BatchProgress(isTerminal: isatty(2) == 1)
        let report: ClassReport
        let clock = ContinuousClock()
        let started = clock.now
        do {
            report = try BatchRunner(session: session, options: batch).run { done, total in
                if !quiet { progress.update(done: done, total: total) }
            }
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        KeptUntilExit.keep(report)
        if timings { printTimings(total: TimeLedger.seconds(started.duration(to: clock.now))) }
        let summary = report.summary()
        if session.sandbox.status.mode == .rlimitsOnly { printError("warning: \(session.sandbox.status.note)") }
        print(
            """
            \(summary.students) students graded\(batch.shard.map { " (shard \($0))" } ?? ""): mean \
            \(NumberFormatting.score(summary.mean))/\(NumberFormatting.score(summary.maxScore)), \
            \(summary.fullMarks) with full marks, \(summary.timedOut.count) timed out, \
            \(summary.compileErrors.count) with compile errors
            """
        )
        if !summary.similarity.isEmpty {
            print(
                """
                similar code: \(summary.similarity.count) pair\(summary.similarity.count == 1 ? "" : "s") of \
                students at \(NumberFormatting.score(summary.similarityThreshold * 100))% or more (summary.json \
                `similarity`, index.html)
                """
            )
        }
        if batch.late != nil {
            let lates = report.students.compactMap(\.report.late)
            let untimed = lates.filter { $0.submittedAt == nil }.count
            print(
                """
                late: \(lates.filter { $0.daysLate > 0 }.count) late, \
                \(lates.filter { $0.penalty > 0 && !$0.rejected }.count) \
                penalised, \(lates.filter(\.rejected).count) rejected, \(lates.map(\.lateDaysUsed).reduce(0, +)) late \
                days spent\(untimed > 0 ? "; \(untimed) with no submission time (no penalty applied)" : "")
                """)
        }
        for path in report.unreadablePrevious {
            printError(
                """
                warning: \(path) (the previous run's) could not be read, so that student's earlier grade was not \
                compared\(keepHigher ? " nor kept by --keep-higher" : "")
                """)
        }
        if let changes = report.changes {
            let kept = report.students.filter { $0.report.keptHigher != nil }.count
            print(
                """
                regrade: \(changes.count) score\(changes.count == 1 ? "" : "s") changed since the previous run in \
                \(out) (\(out)/\(ClassReport.regradeFileName))\
                \(keepHigher ? "; \(kept) earlier, higher grades kept" : "")
                """)
        }
        print("reports: \(out)/gradebook.csv, \(out)/summary.json, \(out)/index.html, \(out)/<student>/")
        // Parts the grader could not grade (a reference that failed on a student's numbers, a sandbox that did not
        // start) are the grader's, not the students': say whose, and exit 3 so that a script notices.
        var ungraded: [String] = []
        report.students.forEachStudent { id, student in
            guard student.containsPart(where: { $0.pointee.outcome == .graderError }) else { return }
            ungraded += student.allParts.filter { $0.outcome == .graderError }.map { "\(id): \($0.problem).\($0.id)" }
        }
        if !ungraded.isEmpty {
            printError(
                """
                error: \(ungraded.count) part\(ungraded.count == 1 ? "" : "s") could not be graded (grader-error in \
                their reports; a rerun grades them again): \(ungraded.prefix(10).joined(separator: ", "))\
                \(ungraded.count > 10 ? ", ..." : "")
                """)
            throw ExitCode(Self.someUngraded)
        }
    }

    /// The exit status of a batch that graded everyone but could not grade some parts.
    static let someUngraded: Int32 = 3
}

/// Where a batch finds extensions, submission times and the late-day bank for the assignment's late policy.
struct LateFlags: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Extensions: a CSV of `student,due`, where due is an ISO 8601 date with a zone or a number of extra days.",
            valueName: "file"))
    var extensions: String?

    @Option(
        name: .customLong("submitted-at"),
        help: ArgumentHelp(
            """
            Submission times: a CSV of `student,time` (ISO 8601 with a zone), ahead of timestamp.txt, \
            submission_metadata.json and the last git commit in each folder.
            """,
            valueName: "file"))
    var submittedAt: String?

    @Option(
        name: .customLong("late-days-ledger"),
        help: ArgumentHelp(
            "A CSV (`student,assignment,late days`) that carries the late-day bank across assignments; updated.",
            valueName: "file"))
    var ledger: String?

    /// The late policy's setup for `problems`, or `nil` when the assignment has no `due:`.
    func work(for problems: ProblemSet, students: [String]) throws -> LateWork? {
        guard let policy = problems.latePolicy else {
            if extensions != nil || submittedAt != nil || ledger != nil {
                throw GraderError.usage(
                    """
                    --extensions, --submitted-at and --late-days-ledger need a due date: \
                    \(problems.directory)/assignment.yaml has no `due:` (see docs/gradebook.md)
                    """)
            }
            return nil
        }
        var work = LateWork(policy: policy, assignment: problems.title)
        if let extensions { try work.readExtensions(extensions) }
        if let submittedAt { try work.readSubmissionTimes(submittedAt) }
        if let ledger {
            guard policy.lateDaysPerStudent > 0 else {
                throw GraderError.usage(
                    "--late-days-ledger needs `late-days: {per-student: N}` in \(problems.directory)/assignment.yaml")
            }
            work.ledger = try LateDayLedger(path: ledger)
        }
        work.note(students: students)
        return work
    }
}

/// Whether and from which score a batch lists pairs of students whose code is alike.
struct SimilarityFlags: ParsableArguments {
    @Option(
        name: .customLong("similarity-threshold"),
        help: ArgumentHelp(
            """
            List pairs of students whose code for a problem shares at least this fraction of fingerprints \
            (default \(NumberFormatting.compact(SimilarityDetector.defaultThreshold))).
            """,
            valueName: "fraction"))
    var similarityThreshold: Double?

    @Flag(name: .customLong("no-similarity"), help: "Compare no code between students.")
    var noSimilarity = false

    func validate() throws {
        if let similarityThreshold, !(similarityThreshold > 0 && similarityThreshold <= 1) {
            throw ValidationError("--similarity-threshold must be above 0 and at most 1")
        }
        if noSimilarity, similarityThreshold != nil {
            throw ValidationError("--no-similarity and --similarity-threshold contradict each other")
        }
    }

    /// The threshold, or `nil` when no code is compared.
    var threshold: Double? { noSimilarity ? nil : similarityThreshold ?? SimilarityDetector.defaultThreshold }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the outputs of sharded batch runs into one gradebook, summary and overview.",
        discussion: reflowed(
            """
            Copies every student's reports from the shard folders into --out and writes the same gradebook.csv,
            summary.json and index.html that one unsharded run would, including the similarity report across shards
            (from each student's code/ copy; --problems names the problems, for the starter code to subtract). A
            student found in two shards is an error.

            Example: grader merge shard-1 shard-2 shard-3 shard-4 --out reports
            """))

    @Argument(help: ArgumentHelp("Output folders of `grader batch --shard`.", valueName: "shard-dir"))
    var shards: [String]

    @Option(name: .long, help: ArgumentHelp("Where the merged reports go.", valueName: "dir"))
    var out: String

    @OptionGroup var problemOptions: ProblemOptions
    @OptionGroup var similarity: SimilarityFlags

    func run() throws {
        var students: [(id: String, report: GradeReport)] = []
        var seen: [String: String] = [:]
        do {
            for shard in shards {
                guard FileManager.default.fileExists(atPath: shard) else {
                    throw GraderError.io(path: shard, reason: "no such folder")
                }
                for (id, report) in try ClassReport.read(from: shard) {
                    if let other = seen[id] {
                        throw GraderError.usage("student `\(id)` is in both \(other) and \(shard)")
                    }
                    seen[id] = shard
                    students.append((id, report))
                    let target = (out as NSString).appendingPathComponent(id)
                    if URL(fileURLWithPath: shard).standardizedFileURL.path
                        != URL(fileURLWithPath: out).standardizedFileURL.path
                    {
                        try? FileManager.default.removeItem(atPath: target)
                        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                        try FileManager.default.copyItem(
                            atPath: (shard as NSString).appendingPathComponent(id), toPath: target)
                    }
                }
            }
            var similar = ClassSimilarity()
            if let threshold = similarity.threshold {
                // The shards' copies of each student's code, compared as one run compares them.
                if let folder = try? problemOptions.folder(
                    submissions: students.prefix(20).map { "\(out)/\($0.id)/\(ClassSimilarity.codeFolder)" }),
                    let problems = try? ProblemLoader.load(directory: folder)
                {
                    let withoutCode = students.map(\.id).filter {
                        !FileManager.default.fileExists(atPath: "\(out)/\($0)/\(ClassSimilarity.codeFolder)")
                    }
                    if !withoutCode.isEmpty {
                        printError(
                            """
                            warning: \(withoutCode.count) students have no code/ folder (a shard run with \
                            --no-similarity, or an older grader), so their code is not compared: \
                            \(withoutCode.prefix(5).joined(separator: ", "))\(withoutCode.count > 5 ? ", ..." : "")
                            """
                        )
                    }
                    similar = ClassSimilarity(problems: problems, students: students.map(\.id), threshold: threshold) {
                        student, problem in
                        ClassSimilarity.text(
                            of: "\(problem.id).swift", in: "\(out)/\(student)/\(ClassSimilarity.codeFolder)")
                    }
                } else {
                    printError(
                        """
                        warning: no problems folder at \(problemOptions.problems) (--problems), so the students' \
                        code is not compared for similarity
                        """
                    )
                }
            }
            try ClassReport(
                students: students, similarity: similar,
                similarityThreshold: similarity.threshold ?? SimilarityDetector.defaultThreshold
            )
            .write(to: out)
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        print("merged \(students.count) students from \(shards.count) shards into \(out)")
    }
}

/// Values the command keeps until the process exits, where they are never freed one object at a time: a class of
/// 10,000 students' reports and the session's memos took a third of a second of one core to free just before the
/// exit that returns all of the memory at once. Cleanup that matters (`GradingSession.close()`) is still explicit.
enum KeptUntilExit {
    private static let values = Locked<[any Sendable]>([])

    static func keep(_ value: any Sendable) { values.withLock { $0.append(value) } }
}
