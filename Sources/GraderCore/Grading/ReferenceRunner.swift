import Foundation

/// Expected outputs of one snippet part, produced by the reference on the part's trial inputs.
struct SnippetExpectation: Sendable {
    /// The public trials first, then the hidden ones.
    let trials: [[SnippetValue]]
    let expected: [SnippetValue]
    /// Each known mistake's outputs on the same trials, to recognise a student who made it.
    let mistakes: [(feedback: String, outputs: [SnippetValue?])]
    /// How many of `trials` are public; the rest are hidden.
    var publicCount: Int

    /// The public trials alone, as a student kit holds them.
    var publicOnly: SnippetExpectation {
        SnippetExpectation(
            trials: Array(trials.prefix(publicCount)), expected: Array(expected.prefix(publicCount)),
            mistakes: mistakes.map { ($0.feedback, Array($0.outputs.prefix(publicCount))) }, publicCount: publicCount)
    }
}

/// What the reference implementation of a problem defines: answer keys and snippet expectations.
struct ReferenceResults: Sendable {
    var answerKeys: [String: AnswerKey] = [:]
    var snippets: [String: SnippetExpectation] = [:]

    /// The results in a form that can be stored in the cache, so that a rerun does not run the reference again.
    struct Stored: Codable {
        struct Key: Codable {
            let expected: SnippetValue?
            let mistakeValues: [SnippetValue]
            let mistakeFeedback: [String]
        }

        struct Expectation: Codable {
            let trials: [[SnippetValue]]
            let expected: [SnippetValue]
            let mistakeFeedback: [String]
            let mistakeOutputs: [[SnippetValue?]]
            /// How many trials are public (the first ones); the rest are hidden.
            let publicCount: Int
        }

        let answerKeys: [String: Key]
        let snippets: [String: Expectation]
    }

    var stored: Stored {
        Stored(
            answerKeys: answerKeys.mapValues { key in
                Stored.Key(expected: key.expected, mistakeValues: key.mistakes.map(\.value), mistakeFeedback: key.mistakes.map(\.feedback))
            },
            snippets: snippets.mapValues { expectation in
                Stored.Expectation(
                    trials: expectation.trials, expected: expectation.expected, mistakeFeedback: expectation.mistakes.map(\.feedback),
                    mistakeOutputs: expectation.mistakes.map(\.outputs), publicCount: expectation.publicCount)
            })
    }

    init() {}

    init(_ stored: Stored) {
        answerKeys = stored.answerKeys.mapValues { key in
            AnswerKey(expected: key.expected, mistakes: Array(zip(key.mistakeValues, key.mistakeFeedback)).map { (value: $0.0, feedback: $0.1) })
        }
        snippets = stored.snippets.mapValues { expectation in
            SnippetExpectation(
                trials: expectation.trials, expected: expectation.expected,
                mistakes: Array(zip(expectation.mistakeFeedback, expectation.mistakeOutputs)).map { (feedback: $0.0, outputs: $0.1) },
                publicCount: expectation.publicCount)
        }
    }
}

/// Compiles a problem's `reference.swift` and runs it, exactly like a student's snippet, to get the answers.
struct ReferenceRunner {
    let session: GradingSession
    let problem: Problem

    func run() throws -> ReferenceResults {
        if session.problems.role == .student { return try kitResults() }
        var entries: [HarnessEntry] = []
        for part in problem.parts {
            switch part.kind {
            case .snippet(let spec):
                entries.append(.call(spec.signature))
                for mistake in part.mistakes {
                    if case .implementation(let function) = mistake.match, !entries.contains(where: { $0.name == function }) {
                        entries.append(.call(spec.signature, function: function))
                    }
                }
            case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
                if case .expression(let text) = spec.expected {
                    entries.append(.expression(text, type: part.kind.valueType!, name: "answer:\(part.id)"))
                }
                for (index, mistake) in part.mistakes.enumerated() {
                    if case .value(.expression(let text)) = mistake.match {
                        entries.append(.expression(text, type: part.kind.valueType!, name: "mistake:\(part.id):\(index)"))
                    }
                }
            default: break
            }
        }
        var binary = ""
        if !entries.isEmpty {
            let source = try Submission.readFile(named: "reference.swift", in: (problem.referencePath as NSString).deletingLastPathComponent).get()
            switch try session.builder.build(fileName: "reference.swift", source: source, entries: entries) {
            case .built(let path): binary = path
            case .failed(let diagnostics, let log):
                let shown = diagnostics.isEmpty ? log : diagnostics.map { d in
                    d.line.map { "reference.swift:\($0): \(d.message)" } ?? "in `\(d.entry ?? "harness")`: \(d.message)"
                }.joined(separator: "\n")
                throw GraderError.referenceBroken(problem: problem.id, detail: "it does not compile:\n\(shown)")
            case .timedOut(let seconds):
                throw GraderError.referenceBroken(problem: problem.id, detail: "compiling it took over \(seconds) s")
            }
        }
        let limits = session.limits(for: problem)
        /// Runs one entry of the reference binary; a reference that fails is a broken problem, never a student's fault.
        func evaluate(_ entry: String, type: SwiftType, trials: [[SnippetValue]]) throws -> [SnippetValue] {
            let run = try EntryRun.run(
                sandbox: session.sandbox, binary: binary, entry: entry, returnType: type, trials: trials, limits: limits)
            if let failure = run.failure {
                throw GraderError.referenceBroken(problem: problem.id, detail: "`\(entry)` \(failure)\n\(run.printed)")
            }
            return run.outputs.map { $0! }
        }
        var results = ReferenceResults()
        for part in problem.parts {
            switch part.kind {
            case .snippet(let spec):
                // Public and hidden trials in one run of the trusted reference; students' code meets them apart.
                let publicTrials = InputGenerators.trials(for: spec)
                let trials = publicTrials + InputGenerators.hiddenTrials(
                    for: spec, problem: problem.id, part: part.id, secret: session.problems.secret)
                let type = spec.signature.returnType
                let expected = try evaluate(spec.signature.name, type: type, trials: trials)
                var mistakes: [(feedback: String, outputs: [SnippetValue?])] = []
                for mistake in part.mistakes {
                    guard case .implementation(let function) = mistake.match else { continue }
                    mistakes.append((mistake.feedback, try evaluate(function, type: type, trials: trials)))
                }
                results.snippets[part.id] = SnippetExpectation(
                    trials: trials, expected: expected, mistakes: mistakes, publicCount: publicTrials.count)
            case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
                let type = part.kind.valueType!
                func value(_ source: ExpectedValue, entry: String) throws -> SnippetValue {
                    switch source {
                    case .literal(let value): return value
                    case .expression: return try evaluate(entry, type: type, trials: [[]])[0]
                    case .withheld: throw GraderError.referenceBroken(problem: problem.id, detail: "part `\(part.id)` has no answer key here")
                    }
                }
                let expected = try value(spec.expected, entry: "answer:\(part.id)")
                var mistakes: [(value: SnippetValue, feedback: String)] = []
                for (index, mistake) in part.mistakes.enumerated() {
                    if case .value(let source) = mistake.match {
                        mistakes.append((try value(source, entry: "mistake:\(part.id):\(index)"), mistake.feedback))
                    }
                }
                results.answerKeys[part.id] = AnswerKey(expected: expected, mistakes: mistakes)
            default:
                results.answerKeys[part.id] = AnswerKey(expected: nil)
            }
        }
        return results
    }

    /// A student kit's results, with no code run: its public trials, and the literal keys of its parts with
    /// immediate feedback; withheld keys stay empty.
    func kitResults() throws -> ReferenceResults {
        var results = try PublicTrials.load(problem: problem)
        for part in problem.answerParts {
            switch part.kind {
            case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
                var mistakes: [(value: SnippetValue, feedback: String)] = []
                for mistake in part.mistakes {
                    if case .value(.literal(let value)) = mistake.match { mistakes.append((value, mistake.feedback)) }
                }
                if case .literal(let value) = spec.expected {
                    results.answerKeys[part.id] = AnswerKey(expected: value, mistakes: mistakes)
                } else {
                    results.answerKeys[part.id] = AnswerKey(expected: nil)
                }
            default:
                results.answerKeys[part.id] = AnswerKey(expected: nil)
            }
        }
        return results
    }
}
