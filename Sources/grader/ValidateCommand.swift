import ArgumentParser
import Foundation
import GraderCore

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check problem definitions for instructors: format, references, tolerances, mistakes, full marks.",
        discussion: reflowed(
            """
            Checks every problem.yaml against the format (unknown keys, wrong types, missing fields, with
            file:line), compiles each reference.swift and runs it on its own trials, checks that declared points add
            up, that tolerances do not accept zero or twice the answer, that every known mistake actually fails its
            part's tolerance, and that the reference submission gets full marks. Prints file:line: error: lines.
            Exit status: 0 when everything holds, 1 when anything does not, 2 for usage errors.

            The format is documented in docs/problem-format.md.
            """))

    @Argument(
        help: ArgumentHelp(
            "An assignment's problems folder, or a folder of assignments, each validated (default: ./problems).",
            valueName: "problems-dir"))
    var directory: String?

    @Option(
        name: .customLong("reference-submission"),
        help: ArgumentHelp(
            """
            A submission that must get full marks (default: submissions/<assignment>/reference beside the folder \
            of assignments, if it exists).
            """,
            valueName: "folder"))
    var referenceSubmission: String?

    @Flag(name: .customLong("no-reference-submission"), help: "Do not grade a reference submission.")
    var noReferenceSubmission = false

    @OptionGroup var grading: GradingFlags

    func run() throws {
        let root = directory ?? grading.problemOptions.problems
        let course = grading.problemOptions.assignment == nil ? Course.assignments(in: root) : []
        guard course.count > 1 else {
            var flags = grading
            flags.problemOptions.problems = root
            if try !validate(try flags.problemOptions.folder()) { throw ExitCode(1) }
            return
        }
        // A folder of assignments: each is validated with its own reference submission.
        if referenceSubmission != nil {
            printError("error: --reference-submission needs one assignment: add --assignment NAME")
            throw ExitCode(2)
        }
        var failed: [String] = []
        for name in course {
            print("== \(name)")
            if try !validate((root as NSString).appendingPathComponent(name)) { failed.append(name) }
        }
        if !failed.isEmpty {
            print("validation failed for \(failed.joined(separator: ", ")) of \(course.count) assignments")
            throw ExitCode(1)
        }
        print("validation passed: \(course.count) assignments")
    }

    /// Validates the assignment in `folder`, printing what it finds; whether everything held.
    func validate(_ folder: String) throws -> Bool {
        var options = grading.options
        options.problemsDirectory = folder
        options.jobs = max(1, options.jobs)
        let session: GradingSession
        do {
            session = try GradingSession(options: options)
        } catch let error as ProblemDefinitionError {
            for diagnostic in error.diagnostics { print(diagnostic) }
            let count = error.diagnostics.count
            print("validation failed: \(count) problem\(count == 1 ? "" : "s") in the definitions")
            return false
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        defer { session.close() }
        let submission = noReferenceSubmission ? nil : (referenceSubmission ?? defaultReferenceSubmission(folder))
        if let referenceSubmission, !FileManager.default.fileExists(atPath: referenceSubmission) {
            printError("error: --reference-submission \(referenceSubmission): no such folder")
            throw ExitCode(2)
        }
        let report = ProblemValidator(session: session).validate(referenceSubmission: submission)
        for issue in report.issues { print(issue) }
        for problem in report.problems {
            let state = problem.issues == 0 ? "ok" : "\(problem.issues) problem\(problem.issues == 1 ? "" : "s")"
            print("\(problem.id): \(problem.parts) parts, \(NumberFormatting.score(problem.points)) points: \(state)")
        }
        if let folder = report.referenceSubmission, let score = report.referenceScore {
            print(
                """
                reference submission \(folder): \
                \(NumberFormatting.score(score.score))/\(NumberFormatting.score(score.max))
                """
            )
        } else if submission == nil && !noReferenceSubmission {
            print(
                """
                no reference submission graded (none at submissions/<assignment>/reference; pass \
                --reference-submission)
                """
            )
        }
        if report.passed {
            print(
                """
                validation passed: \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s"), \
                \(NumberFormatting.score(session.problems.maxScore)) points
                """
            )
            return true
        }
        let errors = report.issues.filter { !$0.isWarning }.count
        print("validation failed: \(errors) problem\(errors == 1 ? "" : "s")")
        return false
    }

    /// The reference submission of the assignment in `problems`: `submissions/<assignment>/reference` beside the
    /// folder of assignments (`problems/hw6` -> `submissions/hw6/reference`), or `submissions/reference` beside
    /// a lone assignment folder; `nil` when neither exists.
    func defaultReferenceSubmission(_ problems: String) -> String? {
        let url = URL(fileURLWithPath: problems).standardizedFileURL
        let candidates = [
            url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "submissions/\(url.lastPathComponent)/reference"
            ).path,
            url.deletingLastPathComponent().appendingPathComponent("submissions/reference").path,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}

extension String {
    /// This string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
