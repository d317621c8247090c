import ArgumentParser
import Foundation
import GraderCore

@main
struct Grader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grader",
        abstract: "Grades machine-learning theory homework: numeric answers and Swift functions, with JUnit XML and feedback.",
        discussion: """
            A submission folder holds answers.yaml (numeric and choice answers, keyed problem-id -> part-id) and one
            <problem-id>.swift per problem with functions. Problems are read from ./problems unless --problems is given.

            Examples:
              grader init submissions/alice          create answers.yaml and the .swift files to fill in
              grader grade submissions/alice         grade the folder and print a summary
              grader grade submissions/alice --junit report.xml --feedback feedback.md --json results.json
              grader list                            show every problem, part, kind and points
            """,
        subcommands: [Grade.self, List.self, Init.self],
        defaultSubcommand: nil
    )
}

/// Options shared by commands that read the problems.
struct ProblemOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The problems folder.", valueName: "dir"))
    var problems = "problems"
}

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade one submission folder.",
        discussion: """
            Prints a table of every part with its score and status, then what to fix. Exit status: 0 when grading
            ran (whatever the score), 2 for usage errors or broken problem definitions.

            Student code runs in a bubblewrap sandbox (own mount, PID, network and IPC namespaces, uid nobody,
            read-only system files, rlimits and a timeout). Without bubblewrap or user namespaces the grader says
            so and falls back to rlimits and timeouts; --require-sandbox makes that an error.
            """)

    @Argument(help: ArgumentHelp("The submission folder (answers.yaml and <problem-id>.swift files).", valueName: "folder"))
    var folder: String

    @OptionGroup var problemOptions: ProblemOptions

    @Option(name: .long, help: ArgumentHelp("Write JUnit XML (Jenkins junit-10.xsd) here.", valueName: "file"))
    var junit: String?

    @Option(name: .long, help: ArgumentHelp("Write per-problem Markdown feedback here.", valueName: "file"))
    var feedback: String?

    @Option(name: .long, help: ArgumentHelp("Write the results as JSON here (schema: docs/results-schema.md).", valueName: "file"))
    var json: String?

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Grade only these problems or parts (problem or problem.part); others are skipped.", valueName: "id"))
    var only: [String] = []

    @Option(name: .long, help: ArgumentHelp("Wall-clock limit per snippet part, in seconds (default 10).", valueName: "s"))
    var timeout: Double?

    @Option(name: .long, help: ArgumentHelp("CPU limit per snippet part, in seconds (default 5).", valueName: "s"))
    var cpu: Int?

    @Option(name: .long, help: ArgumentHelp("Address-space limit per snippet part, in MB (default 1024).", valueName: "mb"))
    var memory: Int?

    @Option(name: .long, help: ArgumentHelp("Output limit per snippet part, in KiB (default 4096).", valueName: "kib"))
    var outputLimit: Int?

    @Option(name: .long, help: ArgumentHelp("Compiler time limit per file, in seconds (default 60).", valueName: "s"))
    var compileTimeout: Double?

    @Option(name: .long, help: ArgumentHelp("Cache folder for compiled snippets (default $GRADER_CACHE or ~/.cache/grader).", valueName: "dir"))
    var cache: String?

    @Option(name: .long, help: "Problems graded at the same time (default: number of cores).")
    var jobs: Int?

    @Flag(name: .long, help: "Fail instead of running student code without namespace isolation.")
    var requireSandbox = false

    @Flag(name: .long, help: "Do not use namespaces even where available (rlimits and timeouts only).")
    var noNamespaces = false

    @Flag(name: .long, help: "Print no summary (reports are still written).")
    var quiet = false

    func validate() throws {
        for (name, value) in [("--timeout", timeout), ("--compile-timeout", compileTimeout)] {
            if let value, !(value > 0 && value <= 3600) { throw ValidationError("\(name) must be between 0 and 3600 seconds") }
        }
        for (name, value) in [("--cpu", cpu), ("--memory", memory), ("--output-limit", outputLimit), ("--jobs", jobs)] {
            if let value, value <= 0 { throw ValidationError("\(name) must be a positive number") }
        }
    }

    func run() throws {
        var options = GradingOptions()
        options.problemsDirectory = problemOptions.problems
        if let cache { options.cacheDirectory = cache }
        options.limits = LimitOverrides(wallSeconds: timeout, cpuSeconds: cpu, memoryMegabytes: memory, outputKilobytes: outputLimit, compileSeconds: compileTimeout)
        options.requireSandbox = requireSandbox
        options.disableNamespaces = noNamespaces
        if let jobs { options.jobs = jobs }
        if !only.isEmpty { options.only = Set(only) }
        let report: GradeReport
        do {
            let session = try GradingSession(options: options)
            defer { session.close() }
            if let unknown = options.only?.sorted().first(where: { !session.problems.contains(selector: $0) }) {
                printError("error: --only \(unknown): no such problem or part (see `grader list`)")
                throw ExitCode(2)
            }
            report = try session.grade(folder: folder)
        } catch let error as ProblemDefinitionError {
            printError("error: the problem definitions are broken:\n\(error)")
            throw ExitCode(2)
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        try writeReports(report)
        if !quiet {
            let color = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            print(TerminalReporter(color: color).render(report), terminator: "")
        }
    }

    func writeReports(_ report: GradeReport) throws {
        let targets: [(String?, String)] = [(junit, JUnitReporter.format), (feedback, MarkdownReporter.format), (json, JSONReporter.format)]
        for (path, format) in targets {
            guard let path else { continue }
            do {
                try Reporters.write(Reporters.all[format]!.render(report), to: path)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the problems, their parts, answer kinds and points.")

    @OptionGroup var problemOptions: ProblemOptions

    func run() throws {
        let problems = try loadProblems(problemOptions.problems)
        print("\(problems.title): \(problems.problems.count) problems, \(NumberFormatting.score(problems.maxScore)) points")
        for problem in problems.problems {
            print("")
            print("\(problem.id) (\(NumberFormatting.score(problem.maxScore)) points): \(problem.title)")
            for part in problem.parts {
                let place = part.kind.isSnippet ? problem.snippetFileName : "answers.yaml"
                print("  \(part.id)  [\(part.kind.name), \(NumberFormatting.score(part.points)) pt, in \(place)]")
                print("      \(AnswerCheckers.expectedForm(part))")
            }
        }
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a submission folder with every answer key and every function signature to fill in.",
        discussion: "Existing files are kept unless --force is given. The generated functions compile and fail until implemented.")

    @Argument(help: ArgumentHelp("The folder to create.", valueName: "folder"))
    var folder: String

    @OptionGroup var problemOptions: ProblemOptions

    @Flag(name: .long, help: "Overwrite files that already exist.")
    var force = false

    func run() throws {
        let problems = try loadProblems(problemOptions.problems)
        let result = try Scaffold.write(problems: problems, to: folder, overwrite: force)
        for name in result.written { print("created \((folder as NSString).appendingPathComponent(name))") }
        for name in result.kept { print("kept    \((folder as NSString).appendingPathComponent(name)) (exists; --force to overwrite)") }
        print("Next: fill in the answers and functions, then run `grader grade \(folder)`.")
    }
}

func loadProblems(_ directory: String) throws -> ProblemSet {
    do {
        return try ProblemLoader.load(directory: directory)
    } catch let error as ProblemDefinitionError {
        printError("error: the problem definitions are broken:\n\(error)")
        throw ExitCode(2)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
