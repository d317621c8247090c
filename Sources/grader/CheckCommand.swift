import ArgumentParser
import Foundation
import GraderCore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Grade a folder for CI: exit 1 unless every part gets full marks (or the total reaches --min-score).",
        discussion: reflowed(
            """
            Grades exactly like `grade` and writes the same reports. Exit status: 0 when the check passes, 1 when
            any part is short of full marks (with --min-score: when the total is below it), 2 for usage errors or
            broken problem definitions.

            On GitHub Actions (GITHUB_ACTIONS=true) it also prints an ::error annotation for every part short of
            full marks, on the student's file and line where one is known (the answer's key in answers.yaml, the
            compile error, or the function's declaration), and appends the Markdown feedback to the job summary
            ($GITHUB_STEP_SUMMARY). Elsewhere it prints the plain-text summary. Run it from the repository root so
            annotation paths resolve. Ready-to-copy workflows: examples/ci/.

            Examples:
              grader check . --junit report.xml --require-sandbox
              grader check submissions/hw6/alice --min-score 20
            """))

    @Argument(
        help: ArgumentHelp("The submission folder (answers.yaml and <problem-id>.swift files).", valueName: "folder"))
    var folder: String

    @Option(
        name: .customLong("min-score"),
        help: ArgumentHelp("Pass when the total is at least this, even if some parts lose points.", valueName: "points")
    )
    var minScore: Double?

    @OptionGroup var reports: ReportFlags
    @OptionGroup var grading: GradingFlags
    @OptionGroup var resultCache: ResultCacheFlags

    func validate() throws {
        if let minScore, !(minScore >= 0 && minScore.isFinite) {
            throw ValidationError("--min-score must be a number at least 0")
        }
    }

    func run() throws {
        let session = try grading.session(only: reports.only, submissions: [folder]) {
            $0.cachesResults = true
            $0.readsCachedResults = !resultCache.noResultCache
        }
        defer { session.close() }
        let report = try grade(folder, in: session, student: reports.student)
        try reports.write(report)
        let verdict = CheckPolicy(minimumScore: minScore).verdict(report)
        let environment = ProcessInfo.processInfo.environment
        if environment["GITHUB_ACTIONS"] == "true" {
            print(GitHubReporter().render(report), terminator: "")
            if let summary = environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
                appendJobSummary(MarkdownReporter().render(report) + "\n**\(verdict.summary)**\n", to: summary)
            }
        }
        if !reports.quiet { print(terminalSummary(report), terminator: "") }
        print(verdict.summary)
        if !verdict.passed { throw ExitCode(1) }
    }

    /// Appends to the job summary file; a summary that cannot be written is a warning, not a failed check.
    func appendJobSummary(_ text: String, to path: String) {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            if !FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) {
                printError("warning: cannot write the job summary to \(path)")
            }
            return
        }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        handle.write(Data(text.utf8))
    }
}
