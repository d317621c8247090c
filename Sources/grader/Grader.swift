import ArgumentParser
import Foundation
import GraderCore

@main
struct Grader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grader",
        abstract:
            """
            Grades machine-learning theory homework: numeric answers and Swift functions, with JUnit XML and \
            feedback.
            """,
        discussion: reflowed(
            """
            A submission folder holds answers.yaml (numeric and choice answers, keyed problem-id -> part-id) and one
            <problem-id>.swift per problem with functions. Problems are read from ./problems, a folder with one
            folder per assignment (problems/hw6, problems/calculus-backprop), unless --problems is given. A command
            uses the assignment --assignment names, or else the one whose problems the submission's files answer.

            Examples:
              grader list
                  the assignments; with --assignment NAME, its problems, parts and points
              grader init my-hw6 --assignment hw6 --student alice
                  answers.yaml, .swift files and alice's HANDOUT.md
              grader grade submissions/hw6/alice
                  grade the folder and print a summary
              grader grade submissions/hw6/alice --junit report.xml --json results.json
              grader check . --junit report.xml
                  for CI: exit 1 unless every part gets full marks
              grader show residual-jacobians [--student alice]
                  one problem as the student's handout (Markdown), with alice's own numbers
              grader answers --assignment hw6 --student alice
                  alice's answer key, as an answers.yaml (instructors, TAs)
              grader validate
                  check every assignment's definitions (instructors)
              grader batch submissions/hw6 --out reports
                  a whole class: gradebook, overview, late work, regrades
              grader export reports --format canvas --roster canvas.csv --out import.csv
                  the grades for Canvas (or moodle, blackboard, lti-ags)
              grader assign --assignment hw6 --out kit
                  student kit, autograder folder and Gradescope zip (instructors)

            Students check their work against the student kit (`--problems kit/student`): public trials, and the
            form of every answer. Final grades come from the autograder folder: answer keys, and hidden trials.
            """),
        subcommands: [
            Grade.self, Check.self, Batch.self, Merge.self, Export.self, Assign.self, List.self, Show.self, Init.self,
            Answers.self,
            Validate.self,
        ],
        defaultSubcommand: nil
    )

    /// Runs the command; a usage error exits 2, as every other usage error of the grader does, rather than 64.
    static func main() {
        OrphanReaper.killChildrenOnInterrupt()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options shared by commands that read the problems.
struct ProblemOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The problems: one assignment's folder (problems/hw6), or a folder of assignments (default ./problems).",
            valueName: "dir"))
    var problems = "problems"

    @Option(
        name: .long,
        help: ArgumentHelp(
            """
            The assignment to use in a folder of assignments (see `grader list`); by default the one whose \
            problems the submission answers.
            """,
            valueName: "name"))
    var assignment: String?

    /// The assignment folder to read: `--problems` itself, or the assignment in it that `--assignment`, the
    /// submissions' files or the one problem asked for (`problem`) pick; exit status 2 when none is picked.
    func folder(submissions: [String] = [], problem: String? = nil) throws -> String {
        do {
            return try Course.assignmentFolder(
                problems, assignment: assignment, submissions: submissions, problem: problem)
        } catch let error as Course.ChoiceError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the assignments, or one assignment's problems, parts, answer kinds and points.",
        discussion: reflowed(
            """
            In a folder of assignments (./problems by default) without --assignment, lists the assignments; with
            --assignment NAME, or --problems naming one assignment's folder, lists its problems and parts.
            """))

    @OptionGroup var problemOptions: ProblemOptions

    func run() throws {
        let course = Course.assignments(in: problemOptions.problems)
        if problemOptions.assignment == nil, course.count > 1 {
            print("\(course.count) assignments in \(problemOptions.problems):")
            for name in course {
                let folder = (problemOptions.problems as NSString).appendingPathComponent(name)
                if let problems = try? ProblemLoader.load(directory: folder) {
                    print(
                        """
                          \(name)  \(problems.title): \(problems.problems.count) problems, \
                        \(NumberFormatting.score(problems.maxScore)) points
                        """
                    )
                    print("      \(problems.problems.map(\.id).joined(separator: ", "))")
                } else {
                    print("  \(name)  (broken definitions: run `grader validate \(folder)`)")
                }
            }
            print("")
            print("One assignment's parts: grader list --assignment \(course[0])")
            return
        }
        let problems = try loadProblems(try problemOptions.folder())
        print(
            """
            \(problems.title): \(problems.problems.count) problems, \(NumberFormatting.score(problems.maxScore)) \
            points
            """
        )
        for problem in problems.problems {
            print("")
            print("\(problem.id) (\(NumberFormatting.score(problem.maxScore)) points): \(problem.title)")
            for part in problem.parts {
                let place = part.isSnippet ? problem.snippetFileName : "answers.yaml"
                print("  \(part.id)  [\(part.kindName), \(NumberFormatting.score(part.points)) pt, in \(place)]")
                print("      \(part.form)")
            }
        }
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a submission folder with every answer key and every function signature to fill in.",
        discussion: reflowed(
            """
            Existing files are kept unless --force is given. The generated functions compile and fail until implemented.
            With --student ID, answers.yaml starts with `student: ID` (whose numbers the answers are graded against)
            and HANDOUT.md holds the student's own handout; with the student kit, add the --variant-key you were given.
            """))

    @Argument(help: ArgumentHelp("The folder to create.", valueName: "folder"))
    var folder: String

    @OptionGroup var problemOptions: ProblemOptions

    @Flag(name: .long, help: "Overwrite files that already exist.")
    var force = false

    @OptionGroup var variantOptions: VariantOptions

    func run() throws {
        let problems = try loadProblems(try problemOptions.folder())
        var handout: String?
        if variantOptions.student != nil || variantOptions.variantKey != nil {
            var pages: [String] = []
            for problem in problems.problems {
                let variant = try variantOptions.variant(of: problem, in: problems)
                pages.append(
                    Handout.markdown(problem, limits: SandboxLimits().applying(problem.limits), variant: variant))
            }
            handout = pages.joined(separator: "\n")
        }
        let result = try Scaffold.write(
            problems: problems, to: folder, overwrite: force, student: variantOptions.student, handout: handout)
        for name in result.written { print("created \((folder as NSString).appendingPathComponent(name))") }
        for name in result.kept {
            print("kept    \((folder as NSString).appendingPathComponent(name)) (exists; --force to overwrite)")
        }
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
