import ArgumentParser
import GraderCore

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade one submission folder.",
        discussion: reflowed(
            """
            Prints a table of every part with its score and status, then what to fix. Exit status: 0 when grading
            ran (whatever the score), 2 for usage errors or broken problem definitions. For CI, use `grader check`,
            which also fails when parts are short of full marks.

            Student code, and the compiler and linker that read it, run in a bubblewrap sandbox (own mount, PID,
            network and IPC namespaces, uid nobody, read-only system files, rlimits and a timeout). Without
            bubblewrap or user namespaces the grader says so and falls back to rlimits, a timeout, a uid of the
            run's own (as root) and Landlock (where the kernel has it); --require-sandbox makes that an error.
            See SECURITY.md.
            """))

    @Argument(
        help: ArgumentHelp("The submission folder (answers.yaml and <problem-id>.swift files).", valueName: "folder"))
    var folder: String

    @OptionGroup var reports: ReportFlags
    @OptionGroup var grading: GradingFlags
    @OptionGroup var resultCache: ResultCacheFlags

    func run() throws {
        let session = try grading.session(only: reports.only, submissions: [folder]) {
            $0.cachesResults = true
            $0.readsCachedResults = !resultCache.noResultCache
        }
        defer { session.close() }
        let report = try grade(folder, in: session, student: reports.student)
        try reports.write(report)
        if !reports.quiet { print(terminalSummary(report), terminator: "") }
    }
}
