import ArgumentParser
import GraderCore

/// Whose variant of the numbers a handout shows.
struct VariantOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Show this student's own numbers (instructor and autograder folders compute them from the secret).",
            valueName: "id"))
    var student: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With the student kit: the variant key your instructor gave you, which gives your own numbers.",
            valueName: "key"))
    var variantKey: String?

    func validate() throws {
        if let student { try validateStudentID(student) }
    }

    /// The variant of `problem` these options name, exiting 2 with the reason when they cannot give one.
    func variant(of problem: Problem, in problems: ProblemSet) throws -> Handout.Variant? {
        do {
            return try problems.handoutVariant(of: problem, student: student, key: variantKey)
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a problem as the student's handout, in Markdown.",
        discussion: reflowed(
            """
            The statement, every part with its points, how its answer is written in answers.yaml, and the exact
            signatures to implement in <problem-id>.swift. Answers, hints and known mistakes are never shown.

            Problems with `parameters` give each student their own numbers. --student ID shows that student's
            (instructors: the handout then carries the student's variant key); with the student kit, --variant-key
            KEY shows the numbers of the key you were given.

            Examples:
              grader show residual-jacobians > handout.md
              grader show residual-jacobians --student alice
              grader show residual-jacobians --problems kit/student --variant-key 0123456789abcdef0123456789abcdef
            """))

    @Argument(help: ArgumentHelp("The problem's id (see `grader list`).", valueName: "problem-id"))
    var problemID: String

    @OptionGroup var problemOptions: ProblemOptions
    @OptionGroup var variantOptions: VariantOptions

    func run() throws {
        let problems = try loadProblems(try problemOptions.folder(problem: problemID))
        guard let problem = problems.problem(problemID) else {
            let known = problems.problems.map(\.id).joined(separator: ", ")
            printError("error: no problem `\(problemID)` (problems: \(known))")
            throw ExitCode(2)
        }
        let variant = try variantOptions.variant(of: problem, in: problems)
        print(
            Handout.markdown(problem, limits: SandboxLimits().applying(problem.limits), variant: variant),
            terminator: "")
    }
}
