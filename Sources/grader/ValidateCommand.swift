import ArgumentParser
import Foundation
import GraderCore

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check problem definitions for instructors: format, references, tolerances, mistakes, full marks.",
        discussion: """
            Checks every problem.yaml against the format (unknown keys, wrong types, missing fields, with
            file:line), compiles each reference.swift and runs it on its own trials, checks that declared points add
            up, that tolerances do not accept zero or twice the answer, that every known mistake actually fails its
            part's tolerance, and that the reference submission gets full marks. Prints file:line: error: lines.
            Exit status: 0 when everything holds, 1 when anything does not, 2 for usage errors.

            The format is documented in docs/problem-format.md.
            """)

    @Argument(help: ArgumentHelp("The problems folder (default: ./problems).", valueName: "problems-dir"))
    var directory: String?

    @Option(name: .customLong("reference-submission"), help: ArgumentHelp("A submission that must get full marks (default: submissions/reference next to the problems folder, if it exists).", valueName: "folder"))
    var referenceSubmission: String?

    @Flag(name: .customLong("no-reference-submission"), help: "Do not grade a reference submission.")
    var noReferenceSubmission = false

    @OptionGroup var grading: GradingFlags

    func run() throws {
        var flags = grading
        if let directory { flags.problemOptions.problems = directory }
        var options = flags.options
        options.jobs = max(1, options.jobs)
        let session: GradingSession
        do {
            session = try GradingSession(options: options)
        } catch let error as ProblemDefinitionError {
            for message in error.messages { print(message.contains(": error: ") ? message : message.replacingFirst(": ", with: ": error: ")) }
            print("validation failed: \(error.messages.count) problem\(error.messages.count == 1 ? "" : "s") in the definitions")
            throw ExitCode(1)
        } catch let error as GraderError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        defer { session.close() }
        let submission = noReferenceSubmission ? nil : (referenceSubmission ?? defaultReferenceSubmission(flags.problemOptions.problems))
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
            print("reference submission \(folder): \(NumberFormatting.score(score.score))/\(NumberFormatting.score(score.max))")
        } else if submission == nil && !noReferenceSubmission {
            print("no reference submission graded (none at submissions/reference; pass --reference-submission)")
        }
        if report.passed {
            print("validation passed: \(report.problems.count) problems, \(NumberFormatting.score(session.problems.maxScore)) points")
        } else {
            let errors = report.issues.filter { !$0.isWarning }.count
            print("validation failed: \(errors) problem\(errors == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }

    /// `submissions/reference` beside the problems folder, when it exists.
    func defaultReferenceSubmission(_ problems: String) -> String? {
        let parent = (URL(fileURLWithPath: problems).standardizedFileURL.deletingLastPathComponent().path as NSString)
        let candidate = parent.appendingPathComponent("submissions/reference")
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }
}

extension String {
    /// This string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
