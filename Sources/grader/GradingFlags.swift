import ArgumentParser
import Foundation
import GraderCore

/// The options of every command that grades or runs code: problems, limits, cache, parallelism and sandbox.
struct GradingFlags: ParsableArguments {
    @OptionGroup var problemOptions: ProblemOptions

    @Option(
        name: .long, help: ArgumentHelp("Wall-clock limit per snippet part, in seconds (default 10).", valueName: "s"))
    var timeout: Double?

    @Option(name: .long, help: ArgumentHelp("CPU limit per snippet process, in seconds (default 5).", valueName: "s"))
    var cpu: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("Address-space limit per snippet process, in MB (default 1024).", valueName: "mb"))
    var memory: Int?

    @Option(name: .long, help: ArgumentHelp("Output limit per snippet part, in KiB (default 4096).", valueName: "kib"))
    var outputLimit: Int?

    @Option(name: .long, help: ArgumentHelp("Compiler time limit per file, in seconds (default 60).", valueName: "s"))
    var compileTimeout: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Cache folder for compiled snippets, references and grades (default $GRADER_CACHE or ~/.cache/grader).",
            valueName: "dir"))
    var cache: String?

    @Option(name: .long, help: "Problems graded at the same time (default: number of cores).")
    var jobs: Int?

    @Flag(name: .long, help: "Fail instead of running student code without namespace isolation.")
    var requireSandbox = false

    @Flag(
        name: .long,
        help: "Do not use namespaces even where available (the fallback: rlimits, a uid of its own as root, Landlock).")
    var noNamespaces = false

    @Flag(
        name: .long,
        help:
            """
            In the fallback without namespaces, do not confine student code with Landlock either (to see what is \
            left).
            """
    )
    var noLandlock = false

    @Option(
        name: .customLong("flag-threshold"),
        help: ArgumentHelp(
            """
            Flag a part when the share of public trials it passes exceeds the share of hidden trials by more than \
            this (default 0.5).
            """,
            valueName: "fraction"))
    var flagThreshold: Double?

    func validate() throws {
        for (key, value) in options.limits.valuesByKey {
            let flag = LimitOverrides.bounds.first { $0.key == key }?.flag ?? key
            if let problem = LimitOverrides.problem(key: key, value: value, name: flag) {
                throw ValidationError(problem)
            }
        }
        if let jobs, jobs <= 0 { throw ValidationError("--jobs must be a positive number") }
        if let flagThreshold, !(0..<1).contains(flagThreshold) {
            throw ValidationError("--flag-threshold must be at least 0 and below 1")
        }
    }

    /// The grading options these flags describe.
    var options: GradingOptions {
        var options = GradingOptions()
        options.problemsDirectory = problemOptions.problems
        if let cache { options.cacheDirectory = cache }
        options.limits = LimitOverrides(
            wallSeconds: timeout, cpuSeconds: cpu, memoryMegabytes: memory, outputKilobytes: outputLimit,
            compileSeconds: compileTimeout)
        options.requireSandbox = requireSandbox
        options.disableNamespaces = noNamespaces
        options.disableLandlock = noLandlock
        if let jobs { options.jobs = jobs }
        if let flagThreshold { options.flagThreshold = flagThreshold }
        return options
    }

    /// Opens a grading session, turning broken definitions and grader faults into exit status 2.
    ///
    /// - Parameter adjust: Changes to the options these flags give (a batch caches results, for instance).
    /// - Parameter submissions: The folders to be graded, which pick the assignment in a folder of assignments.
    func session(only: [String] = [], submissions: [String] = [], adjust: (inout GradingOptions) -> Void = { _ in })
        throws -> GradingSession
    {
        var options = self.options
        options.problemsDirectory = try problemOptions.folder(submissions: submissions)
        if !only.isEmpty { options.only = Set(only) }
        adjust(&options)
        do {
            let session = try GradingSession(options: options)
            if let unknown = options.only?.sorted().first(where: { !session.problems.contains(selector: $0) }) {
                session.close()
                printError("error: --only \(unknown): no such problem or part (see `grader list`)")
                throw ExitCode(2)
            }
            return session
        } catch let error as ProblemDefinitionError {
            printError("error: the problem definitions are broken:\n\(error)")
            throw ExitCode(2)
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Whether a grade whose inputs did not change is read back from the cache instead of computed again.
struct ResultCacheFlags: ParsableArguments {
    @Flag(
        name: .customLong("no-result-cache"),
        help:
            """
            Grade again even when nothing changed; the new grades replace the kept ones. By default a problem's \
            grade is kept in the cache folder, keyed by the student's file and answers, the problem, the grader, \
            the compiler, the sandbox and the limits, and read back when none of them changed (a grade that ran \
            out of wall-clock time is never kept).
            """)
    var noResultCache = false
}

/// Where a graded submission's reports go.
struct ReportFlags: ParsableArguments {
    @Option(name: .customLong(JUnitReporter.flag), help: ArgumentHelp(JUnitReporter.help, valueName: "file"))
    var junit: String?

    @Option(name: .customLong(MarkdownReporter.flag), help: ArgumentHelp(MarkdownReporter.help, valueName: "file"))
    var feedback: String?

    @Option(name: .customLong(JSONReporter.flag), help: ArgumentHelp(JSONReporter.help, valueName: "file"))
    var json: String?

    @Option(name: .customLong(GradescopeReporter.flag), help: ArgumentHelp(GradescopeReporter.help, valueName: "file"))
    var gradescope: String?

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Grade only these problems or parts (problem or problem.part); others are skipped.", valueName: "id"))
    var only: [String] = []

    @Flag(name: .long, help: "Print no summary (reports are still written).")
    var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Grade as this student: picks the student's variant of the numbers (default: `student:` in answers.yaml).",
            valueName: "id"))
    var student: String?

    func validate() throws {
        if let student { try validateStudentID(student) }
    }

    /// Writes every requested report file; a file that cannot be written is exit status 2.
    func write(_ report: GradeReport) throws {
        let paths = [
            JUnitReporter.flag: junit, MarkdownReporter.flag: feedback, JSONReporter.flag: json,
            GradescopeReporter.flag: gradescope,
        ]
        for reporter in Reporters.submission {
            guard let path = paths[reporter.flag] ?? nil else { continue }
            do {
                try Reporters.write(reporter.init().render(report), to: path)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}

/// Refuses a `--student` that cannot be a student id.
func validateStudentID(_ student: String) throws {
    guard Submission.isStudentID(student) else {
        throw ValidationError(
            """
            --student \(student): a student id is 1 to 100 characters, with no control character, no `/` and no \
            space at either end
            """
        )
    }
}

/// Grades `folder` in `session` (as `student`, when given), exiting 2 when the grader itself or a reference fails.
func grade(_ folder: String, in session: GradingSession, student: String? = nil) throws -> GradeReport {
    do {
        return try session.grade(folder: folder, student: student)
    } catch let error as GraderError {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}

/// The terminal summary, in colour only on a TTY without `NO_COLOR`.
func terminalSummary(_ report: GradeReport) -> String {
    let color = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    return TerminalReporter(color: color).render(report)
}
