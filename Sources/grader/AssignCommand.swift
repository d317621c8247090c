import ArgumentParser
import Foundation
import GraderCore

struct Assign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract:
            "Make an assignment's student kit, autograder folder and Gradescope zip from the instructor's problems.",
        discussion: reflowed(
            """
            Writes three folders into <kit> (see docs/assignments.md):

              student/      for students: the handout (HANDOUT.md), signatures, answer kinds and the public trials
                            of every function with their expected outputs. No reference code, no answer key
                            (unless a part sets `immediate-feedback: true`), no known-mistake expression, no secret.
                            Students run `grader check . --problems <kit>/student` against it.
              autograder/   for final grading: the full problems and a secret, made here, that seeds the hidden
                            trials. `grader grade|check|batch --problems <kit>/autograder`. Keep it private.
              gradescope/   autograder.zip, ready to upload as a Gradescope programming assignment.

            Rebuilding an existing kit needs --force and keeps its secret, so the hidden trials of grades already
            given do not change. Reference code runs here, in the sandbox, to compute the public expected outputs.

            Examples:
              grader assign --problems problems/hw6 --out hw6-kit
              grader check submissions/hw6/alice --problems hw6-kit/student
              grader batch submissions/hw6 --problems hw6-kit/autograder --out reports
            """))

    @Option(name: .long, help: ArgumentHelp("Where the kit goes.", valueName: "kit"))
    var out: String

    @Flag(name: .long, help: "Rebuild an existing kit (its secret is kept).")
    var force = false

    @Option(
        name: .customLong("grader-source"),
        help: ArgumentHelp(
            "The grader's package to put in the Gradescope zip (default: the one this grader was built from).",
            valueName: "dir"))
    var graderSource: String?

    @Flag(name: .customLong("no-gradescope"), help: "Write no Gradescope zip.")
    var noGradescope = false

    @OptionGroup var grading: GradingFlags

    func run() throws {
        let session = try grading.session()
        defer { session.close() }
        var source: String?
        if !noGradescope {
            source = graderSource ?? AssignmentKit.defaultGraderSource()
            if source == nil {
                printError(
                    """
                    error: cannot find the grader's source for the Gradescope zip; pass --grader-source DIR (a \
                    clone of the grader) or --no-gradescope
                    """
                )
                throw ExitCode(2)
            }
        }
        let written: AssignmentKit.Written
        do {
            written = try AssignmentKit(session: session, graderSource: source).write(to: out, force: force)
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        print("\(session.problems.title): kit written to \(out)")
        print("  student kit:  \(written.student)  (share with students: no reference code, no answer keys)")
        print("  autograder:   \(written.autograder)  (keep private: references, answer keys, the secret)")
        if let zip = written.gradescopeZip {
            print("  Gradescope:   \(zip)  (keep private: it holds the autograder folder)")
        }
        print(
            """
              \(written.publicTrials) public trials with expected outputs; \(written.hiddenTrials) hidden trials \
            at final grading
            """
        )
        print(
            """
              \(written.withheldParts) answer parts graded at final grading; \(written.immediateParts) with \
            immediate feedback
            """
        )
        print(written.keptSecret ? "  secret: kept (hidden trials unchanged)" : "  secret: new")
    }
}
