import Foundation

extension GradingSession {
    /// Runs a function of a problem's `reference.swift` on the given argument lists, in the sandbox, as the grader
    /// does; used to verify references independently and by authoring tools.
    ///
    /// - Parameters:
    ///   - problem: The problem whose `reference.swift` to use.
    ///   - signature: The function to call, e.g. `func outputVariance(widths: [Int]) -> Double`.
    ///   - arguments: One argument list per call.
    public func callReference(problem id: String, signature text: String, arguments: [[SnippetValue]]) throws
        -> [SnippetValue]
    {
        let problem = try existingProblem(id)
        let signature = try FunctionSignature(parsing: text)
        let source = try ReferenceRunner.compiledSource(
            of: problem,
            Submission.readFile(
                named: "reference.swift", in: (problem.referencePath as NSString).deletingLastPathComponent
            ).get())
        guard
            case .built(let binary) = try builder.build(
                fileName: "reference.swift", source: source, entries: [.call(signature)], owner: .trusted,
                optimized: problem.hasExperiments)
        else {
            throw GraderError.referenceBroken(
                problem: id, detail: "`\(signature.name)` does not compile with this signature")
        }
        let run = try EntryRun.run(
            sandbox: sandbox, binary: binary, entry: signature.name, returnType: signature.returnType,
            trials: arguments, limits: limits(for: problem), owner: .trusted)
        if let failure = run.failure { throw GraderError.referenceBroken(problem: id, detail: failure) }
        return run.outputs.map { $0! }
    }

    /// The expected value of a numeric part, as the grader computes it from `problem.yaml` and the reference.
    public func expectedAnswer(problem id: String, part: String) throws -> SnippetValue? {
        try referenceResults(for: existingProblem(id)).answerKeys[part]?.expected
    }

    /// The values of a numeric part's known mistakes, in definition order.
    public func mistakeAnswers(problem id: String, part: String) throws -> [SnippetValue] {
        try referenceResults(for: existingProblem(id)).answerKeys[part]?.mistakes.map(\.value) ?? []
    }

    private func existingProblem(_ id: String) throws -> Problem {
        guard let problem = problems.problem(id) else { throw GraderError.usage("no problem `\(id)`") }
        return problem
    }
}
