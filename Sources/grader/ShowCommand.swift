import ArgumentParser
import GraderCore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a problem as the student's handout, in Markdown.",
        discussion: """
            The statement, every part with its points, how its answer is written in answers.yaml, and the exact
            signatures to implement in <problem-id>.swift. Answers, hints and known mistakes are never shown.

            Example: grader show residual-jacobians > handout.md
            """)

    @Argument(help: ArgumentHelp("The problem's id (see `grader list`).", valueName: "problem-id"))
    var problemID: String

    @OptionGroup var problemOptions: ProblemOptions

    func run() throws {
        let problems = try loadProblems(problemOptions.problems)
        guard let problem = problems.problem(problemID) else {
            let known = problems.problems.map(\.id).joined(separator: ", ")
            printError("error: no problem `\(problemID)` (problems: \(known))")
            throw ExitCode(2)
        }
        print(Handout.markdown(problem, limits: SandboxLimits().applying(problem.limits)), terminator: "")
    }
}
