import Foundation

/// Which share of a class one machine grades: shard `index` (1-based) of `count`.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Parses `K/N` with 1 <= K <= N.
    public init?(parsing text: String) {
        let pieces = text.split(separator: "/")
        guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]), count >= 1,
            (1...count).contains(index)
        else {
            return nil
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether `student` belongs to this shard: a hash of the id, so a student stays in the same shard however
    /// many others are added or removed.
    public func contains(_ student: String) -> Bool {
        var hasher = SHA256Hasher()
        hasher.update(field: student)
        let prefix = hasher.hexDigest().prefix(15)
        return Int(prefix, radix: 16)! % count == index - 1
    }
}

/// What a batch run needs besides the grading session.
public struct BatchOptions: Sendable {
    public var root: String
    public var output: String
    /// Students graded at the same time.
    public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var shard: Shard?
    /// Also write each student's `gradescope/results.json`.
    public var gradescope = false
    /// Compile many students' files per compiler call (`BatchCompiler`); off, every file is compiled on its own.
    public var sharedCompile = true
    /// The similarity score from which a pair of students is listed; `nil` compares no code.
    public var similarityThreshold: Double? = SimilarityDetector.defaultThreshold
    /// The late policy, extensions, submission times and late-day bank; `nil` when the assignment has no `due:`.
    public var late: LateWork?
    /// On a regrade, never lower a student's grade below the previous run's.
    public var keepHigher = false

    public init(root: String, output: String) {
        self.root = root
        self.output = output
    }
}

/// Grades every submission folder under a root, writes each student's reports, then the class's gradebook,
/// summary and overview page.
///
/// Students are graded `options.jobs` at a time; give it a session that grades one problem at a time (its
/// `GradingOptions.jobs` 1, as `grader batch` does), or each student's problems run side by side too.
public struct BatchRunner: Sendable {
    public let session: GradingSession
    public let options: BatchOptions

    public init(session: GradingSession, options: BatchOptions) {
        self.session = session
        self.options = options
    }

    /// The student ids under the root (its sub-folders, sorted), in this run's shard.
    public func students() throws -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: options.root)
        } catch {
            throw GraderError.io(
                path: options.root, reason: "cannot list the submissions: \(error.localizedDescription)")
        }
        let folders = entries.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: options.root + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        // Two folders whose names differ only in their Unicode form (`José` composed, and decomposed) are two
        // folders to Linux and one student to every table keyed by the id (Swift compares strings in their canonical
        // form): the gradebook, the previous run's grades, the late days. Refused, rather than one student's grade
        // standing for the other's. Every folder is checked, not only this shard's: the two spellings hash to
        // shards of their own, each of which would grade its one, and every shard refuses the class as one run does.
        var spelled = Set<String>()
        for name in folders {
            // The set keeps the first spelling, which `insert` hands back when it finds this one equal to it.
            let (new, other) = spelled.insert(name)
            if !new {
                let sharded = options.shard == nil ? "" : "; until then every shard refuses the class"
                throw GraderError.io(
                    path: options.root,
                    reason: """
                        the folders `\(Self.scalars(other))` and `\(Self.scalars(name))` spell one student id in two \
                        Unicode forms, which the reports and the gradebook cannot tell apart; rename one of them (the \
                        composed form, NFC, is the usual one)\(sharded)
                        """)
            }
        }
        return folders.filter { options.shard?.contains($0) ?? true }
    }

    /// `name` with every character outside ASCII written as its Unicode scalars (`Jose\u{301}`).
    static func scalars(_ name: String) -> String {
        name.unicodeScalars.map { $0.isASCII ? String($0) : "\\u{\(String($0.value, radix: 16, uppercase: true))}" }
            .joined()
    }

    /// Grades the students, calling `progress` after each one, and writes every report; returns the class.
    public func run(progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws -> ClassReport {
        let ledger = TimeLedger.shared
        // The references compile on a thread of their own while the folders are read (the grading meets them built).
        let referencesBuilt = BackgroundJob { [session, options] in
            session.buildReferences(session.problems.problems, width: options.jobs)
        }
        defer { referencesBuilt.wait() }
        let reading = ContinuousClock.now
        let students = try self.students()
        // A previous run's grades in the same folder make this run a regrade: what changed is listed, and
        // --keep-higher keeps the higher grade.
        let previousRun = try ClassReport.previousRun(in: options.output, width: options.jobs)
        let previous = previousRun.reports.filter { options.shard?.contains($0.key) ?? true }
        let submissions = parallelMap(count: students.count, width: options.jobs) { index in
            // In a batch, the folder's name is the student: a `student:` in answers.yaml cannot pick another
            // variant.
            var submission = Submission.load(
                folder: (options.root as NSString).appendingPathComponent(students[index]),
                problems: session.problems)
            submission.student = students[index]
            submission.studentFromOutside = true
            return submission
        }
        ledger.add(
            "phase: read the students' folders and the previous run",
            seconds: TimeLedger.seconds(reading.duration(to: .now)))
        // What each student still needs graded, found once (the grades found are kept for the grading); then
        // references for those problems, in parallel.
        let cached: [[String: ProblemGrade]] = ledger.measure("phase: look up cached grades") {
            parallelMap(count: submissions.count, width: options.jobs) { index in
                var found: [String: ProblemGrade] = [:]
                for problem in session.problems.problems {
                    found[problem.id] = session.cachedGrade(problem: problem, submission: submissions[index])
                }
                return found
            }
        }
        let pending: [[Problem]] = cached.map { found in session.problems.problems.filter { found[$0.id] == nil } }
        let needed = session.problems.problems.filter { problem in
            pending.contains { $0.contains { $0.id == problem.id } }
        }
        // The students' code to compile, read once; the references run their snippets' trials only for problems
        // someone handed in code for (an answers-only class needs the answer keys alone).
        let code = codeToCompile(submissions, pending: pending)
        let withCode = Set(code.flatMap(\.keys))
        // The students' code compiles beside the references and the answer keys: the references of a problem with an
        // experiment compile with -O and then train, seconds in which the other core had nothing to do.
        // A broken reference stops the batch: the compile then ends with the calls under way.
        let stopped = Locked(false)
        let compiled = BackgroundJob { [self] in
            ledger.measure("phase: shared compile and links") {
                options.sharedCompile
                    ? sharedCompile(code, stopped: { stopped.withLock { $0 } }) : submissions.map { _ in nil }
            }
        }
        defer { _ = compiled.wait() }
        // Every student's variant of the numbers at once: one reference run per answer expression for the class,
        // each problem's as soon as its reference is ready.
        do {
            try ledger.measure("phase: references and every variant's keys") {
                try session.prepare(
                    needed, withCode: withCode, for: submissions, pending: pending, width: options.jobs)
            }
        } catch {
            stopped.withLock { $0 = true }
            throw error
        }
        let prebuilt = ledger.measure("phase: shared compile left after the references") { compiled.wait() }
        let grading = ContinuousClock.now
        let done = Locked(0)
        let results: [Result<GradeReport, GraderError>] = parallelMap(count: students.count, width: options.jobs) {
            index in
            let student = students[index]
            let result: Result<GradeReport, GraderError>
            do {
                var report = try session.grade(
                    submission: submissions[index], prebuilt: prebuilt[index], cached: cached[index])
                if !Self.isFolder(submissions[index].folder) {
                    // Moved or deleted while it was graded: what was read of it grades nothing.
                    report = report.ungradable(
                        because: """
                            the folder of student `\(student)` disappeared while it was graded (moved or deleted \
                            mid-run); this is not a fault of the submission: a rerun grades it once the folder is back
                            """)
                }
                for (position, problem) in session.problems.problems.enumerated()
                where report.problems.indices.contains(position) {
                    report.problems[position].inputs = session.gradeInputs(
                        problem: problem, submission: submissions[index])
                }
                if let late = options.late {
                    report.late = late.adjustment(
                        student: student, folder: submissions[index].folder, report: report, sandbox: session.sandbox)
                }
                if options.keepHigher, let old = previous[student], old.total > report.total + 1e-9 {
                    report.keptHigher = KeptGrade(total: old.total, regraded: report.total)
                }
                try ledger.measure("step: write a student's reports") { try write(report, student: student) }
                result = .success(report)
            } catch let error as GraderError {
                result = .failure(error)
            } catch {
                result = .failure(.io(path: student, reason: "\(error)"))
            }
            let count = done.withLock {
                $0 += 1
                return $0
            }
            progress(count, students.count)
            return result
        }
        // A broken reference or an unwritable output folder is the grader's fault, not a student's: stop loudly.
        ledger.add("phase: grade (runs, checks, reports)", seconds: TimeLedger.seconds(grading.duration(to: .now)))
        let reports = try results.map { try $0.get() }
        var similarity = ClassSimilarity()
        let comparing = ContinuousClock.now
        if let threshold = options.similarityThreshold {
            let code = try ledger.measure("step: keep each student's compared code") {
                try keepCode(students: students, submissions: submissions)
            }
            similarity = ledger.measure("step: compare the code of every pair") {
                ClassSimilarity(
                    problems: session.problems, students: students, threshold: threshold, width: options.jobs,
                    memo: session.options.cachesResults
                        ? SimilarityMemo(
                            folder: session.options.cacheDirectory + "/similarity",
                            readsKept: session.options.readsCachedResults) : nil
                ) { code[$0]?[$1.id] }
            }
        }
        if options.similarityThreshold != nil {
            ledger.add("phase: similarity", seconds: TimeLedger.seconds(comparing.duration(to: .now)))
        }
        let writing = ContinuousClock.now
        defer { ledger.add("phase: class reports", seconds: TimeLedger.seconds(writing.duration(to: .now))) }
        var classReport = ClassReport(
            students: Array(zip(students, reports)), shard: options.shard, similarity: similarity,
            similarityThreshold: options.similarityThreshold ?? SimilarityDetector.defaultThreshold)
        classReport.unreadablePrevious = previousRun.unreadable
        if !previous.isEmpty {
            classReport.changes = RegradeChange.between(previous: previous, current: classReport.students)
            try Reporters.write(
                RegradeChange.csv(classReport.changes ?? []), to: options.output + "/" + ClassReport.regradeFileName)
        } else {
            try? FileManager.default.removeItem(atPath: options.output + "/" + ClassReport.regradeFileName)
        }
        classReport.rememberSummary()
        try classReport.write(to: options.output, width: options.jobs)
        if let late = options.late, let ledger = late.ledger {
            let spent = Dictionary(
                uniqueKeysWithValues: classReport.students.map { ($0.id, $0.report.late?.lateDaysUsed ?? 0) })
            try LateDayLedger.record(spent, for: late.assignment, at: ledger.path)
        }
        return classReport
    }

    /// Whether `path` is a folder, or a link to one (as the batch's listing takes it).
    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Each student's snippet files (by problem id) that grading compiles and runs: those of the problems whose
    /// grade is not already cached, less the starter code unchanged, which is graded without a build.
    func codeToCompile(_ submissions: [Submission], pending: [[Problem]]) -> [[String: [UInt8]]] {
        parallelMap(count: submissions.count, width: options.jobs) { index in
            var files: [String: [UInt8]] = [:]
            for problem in pending[index]
            where problem.snippetParts.contains(where: { session.options.selects(problem, $0) }) {
                if let bytes = SnippetChecker.code(of: problem, in: submissions[index]) {
                    files[problem.id] = bytes
                }
            }
            return files
        }
    }

    /// Builds, in shared compiler calls, the snippet files `codeToCompile` found; once `stopped` says so, no more.
    func sharedCompile(_ files: [[String: [UInt8]]], stopped: @escaping @Sendable () -> Bool) -> [PrebuiltBinary?] {
        var compiler = BatchCompiler(
            builder: session.builder, problems: session.problems, compileSeconds: session.limits.compileSeconds,
            jobs: options.jobs)
        compiler.stopped = stopped
        return compiler.build(files)
    }

    /// Copies each student's Swift files, as graded, into `<out>/<student>/code/` (where `grader merge` compares
    /// them) and returns their texts, by student and problem.
    func keepCode(students: [String], submissions: [Submission]) throws -> [String: [String: String]] {
        let problems = session.problems.problems.filter { $0.hasSnippetParts }
        let texts: [[String: String]] = parallelMap(count: students.count, width: options.jobs) { index in
            var files: [String: String] = [:]
            for problem in problems {
                guard case .success(let bytes) = submissions[index].file(named: problem.snippetFileName) else {
                    continue
                }
                files[problem.id] = String(decoding: bytes, as: UTF8.self)
            }
            return files
        }
        var code: [String: [String: String]] = [:]
        for (student, files) in zip(students, texts) {
            code[student] = files
            let folder = "\(options.output)/\(student)/\(ClassSimilarity.codeFolder)"
            // Files of problems the student no longer hands in go; the others are written unless unchanged. Anything
            // but a real folder there (a file, a link) is replaced.
            var info = stat()
            let found = lstat(folder, &info) == 0
            if found, (info.st_mode & S_IFMT) != S_IFDIR {
                try? FileManager.default.removeItem(atPath: folder)
            }
            // Listed only when it is there: a class that hands in no code has no such folder, and Foundation's error
            // for each missing one cost more than the rest of this step.
            let kept = Set(files.keys.map { "\($0).swift" })
            let listed = found && (info.st_mode & S_IFMT) == S_IFDIR
            for name in listed ? (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] : []
            where !kept.contains(name) {
                try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
            }
            for (problem, text) in files { try Reporters.write(text, to: "\(folder)/\(problem).swift") }
        }
        return code
    }

    /// Writes one student's JUnit, feedback and results (and the Gradescope file when asked).
    func write(_ report: GradeReport, student: String) throws {
        let folder = (options.output as NSString).appendingPathComponent(student)
        // Made here, once: a folder this call creates holds no reports to compare with (a rerun's folder is there,
        // and each report is compared and kept when unchanged). Mode 0777 less the umask, as FileManager makes it.
        let created = mkdir(folder, 0o777) == 0
        for reporter in Reporters.submission where reporter.writtenByDefault || options.gradescope {
            try Reporters.write(
                reporter.init().render(report), to: folder + "/" + reporter.fileName, inNewFolder: created)
        }
    }
}
