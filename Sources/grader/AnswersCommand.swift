import ArgumentParser
import GraderCore

struct Answers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answers",
        abstract: "Print a student's answer key, as an answers.yaml (instructors and TAs).",
        discussion: reflowed(
            """
            Every answer part's expected value for the student's own variant of the numbers, with the known mistakes
            as comments, in the form of answers.yaml: graded as that student, it gets full marks on every answer
            part. Needs the full problems (reference code); the student kit has no answer key.

            Example: grader answers --assignment hw6 --student alice > alice-key.yaml
            """))

    @OptionGroup var grading: GradingFlags

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The student whose key to print (default: the handout's own numbers, id `reference`).", valueName: "id"))
    var student: String?

    func validate() throws {
        if let student { try validateStudentID(student) }
    }

    func run() throws {
        let session = try grading.session()
        defer { session.close() }
        do {
            print(
                try AnswerSheet.render(session: session, student: student ?? Variants.referenceStudent), terminator: "")
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}
