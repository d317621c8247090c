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
            answerKeys: answerKeys.mapValues(Stored.Key.init),
            snippets: snippets.mapValues { expectation in
                Stored.Expectation(
                    trials: expectation.trials, expected: expectation.expected, mistakeFeedback: expectation.mistakes.map(\.feedback),
                    mistakeOutputs: expectation.mistakes.map(\.outputs), publicCount: expectation.publicCount)
            })
    }

    init() {}

    init(_ stored: Stored) {
        answerKeys = stored.answerKeys.mapValues(AnswerKey.init)
        snippets = stored.snippets.mapValues { expectation in
            SnippetExpectation(
                trials: expectation.trials, expected: expectation.expected,
                mistakes: Array(zip(expectation.mistakeFeedback, expectation.mistakeOutputs)).map { (feedback: $0.0, outputs: $0.1) },
                publicCount: expectation.publicCount)
        }
    }
}

extension ReferenceResults.Stored.Key {
    init(_ key: AnswerKey) {
        self.init(expected: key.expected, mistakeValues: key.mistakes.map(\.value), mistakeFeedback: key.mistakes.map(\.feedback))
    }
}

extension AnswerKey {
    init(_ stored: ReferenceResults.Stored.Key) {
        self.init(expected: stored.expected, mistakes: zip(stored.mistakeValues, stored.mistakeFeedback).map { (value: $0.0, feedback: $0.1) })
    }
}

/// Compiles a problem's `reference.swift` and runs it, exactly like a student's snippet, to get the answers.
struct ReferenceRunner {
    let session: GradingSession
    let problem: Problem

    /// The snippet expectations, and the answer keys of the handout's own numbers.
    func run() throws -> ReferenceResults {
        if session.problems.role == .student { return try kitResults() }
        let binary = try build()
        var results = ReferenceResults()
        for part in problem.parts {
            guard case .snippet(let spec) = part.kind else { continue }
            // Public and hidden trials in one run of the trusted reference; students' code meets them apart.
            let publicTrials = InputGenerators.trials(for: spec)
            let trials = publicTrials + InputGenerators.hiddenTrials(
                for: spec, problem: problem.id, part: part.id, secret: session.problems.secret)
            let type = spec.signature.returnType
            let expected: [SnippetValue]
            if let gradient = spec.gradientOf {
                // No reference gradient: central differences of the function it is the gradient of.
                let differences = CentralDifferences(check: gradient, parameters: spec.signature.parameters)
                let values = try evaluate(binary, Self.lossEntry(part.id), type: .double, trials: differences.perturbedInputs(trials))
                expected = differences.gradients(trials, values: values)
            } else {
                expected = try evaluate(binary, spec.signature.name, type: type, trials: trials)
            }
            var mistakes: [(feedback: String, outputs: [SnippetValue?])] = []
            for mistake in part.mistakes {
                guard case .implementation(let function) = mistake.match else { continue }
                mistakes.append((mistake.feedback, try evaluate(binary, function, type: type, trials: trials)))
            }
            results.snippets[part.id] = SnippetExpectation(
                trials: trials, expected: expected, mistakes: mistakes, publicCount: publicTrials.count)
        }
        let defaults = try problem.variant(key: nil)
        results.answerKeys = try answerKeys(for: [defaults], binary: binary)[0]
        return results
    }

    /// The answer keys of each variant, every expression evaluated once for all of them: one run of the reference
    /// per expression, with a trial per variant, however many students there are.
    func answerKeys(for variants: [ParameterValues], binary prebuilt: String? = nil) throws -> [[String: AnswerKey]] {
        guard !variants.isEmpty else { return [] }
        let binary = try prebuilt ?? build()
        let trials = variants.map(\.values)
        var keys = [[String: AnswerKey]](repeating: [:], count: variants.count)
        for part in problem.parts {
            switch part.kind {
            case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
                let type = part.kind.valueType!
                func values(_ source: ExpectedValue, entry: String) throws -> [SnippetValue] {
                    switch source {
                    case .literal(let value): return variants.map { _ in value }
                    case .expression: return try evaluate(binary, entry, type: type, trials: trials)
                    case .withheld: throw GraderError.referenceBroken(problem: problem.id, detail: "part `\(part.id)` has no answer key here")
                    }
                }
                let expected = try values(spec.expected, entry: "answer:\(part.id)")
                var mistakes: [(values: [SnippetValue], feedback: String)] = []
                for (index, mistake) in part.mistakes.enumerated() {
                    if case .value(let source) = mistake.match {
                        mistakes.append((try values(source, entry: "mistake:\(part.id):\(index)"), mistake.feedback))
                    }
                }
                for (index, variant) in variants.enumerated() {
                    keys[index][part.id] = AnswerKey(
                        expected: expected[index], mistakes: mistakes.map { (value: $0.values[index], feedback: variant.fill($0.feedback)) })
                }
            case .snippet:
                break
            default:
                for index in variants.indices { keys[index][part.id] = AnswerKey(expected: nil) }
            }
        }
        return keys
    }

    /// The reference compiled with an entry per snippet function, known mistake and answer expression (cached by
    /// content, so a second call costs a hash); empty when nothing needs code.
    func build() throws -> String {
        let bindings = problem.parameters.parameters.map { FunctionSignature.Parameter(label: nil, name: $0.name, type: $0.type) }
        let read = Submission.readFile(named: "reference.swift", in: (problem.referencePath as NSString).deletingLastPathComponent)
        let text = (try? read.get()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var entries: [HarnessEntry] = []
        for part in problem.parts {
            switch part.kind {
            case .snippet(let spec):
                let named = [spec.gradientOf.map { ("gradient-of", $0.function) }, spec.propertyCheck.map { ("check", $0) }].compactMap { $0 }
                for (key, function) in named where SnippetChecker.declarationLine(of: function, in: text) == nil {
                    throw GraderError.referenceBroken(problem: problem.id, detail: "part `\(part.id)`: `\(key)` names `\(function)`, which reference.swift does not define")
                }
                if let gradient = spec.gradientOf {
                    entries.append(HarnessEntry(name: Self.lossEntry(part.id), parameters: spec.signature.parameters, returnType: .double,
                                                expression: nil, function: gradient.function))
                } else {
                    entries.append(.call(spec.signature))
                }
                if let check = spec.propertyCheck {
                    let output = FunctionSignature.Parameter(label: "output", name: "output", type: spec.signature.returnType)
                    entries.append(HarnessEntry(name: Self.checkEntry(part.id), parameters: spec.signature.parameters + [output],
                                                returnType: .string, expression: nil, function: check))
                }
                for mistake in part.mistakes {
                    if case .implementation(let function) = mistake.match, !entries.contains(where: { $0.name == function }) {
                        entries.append(.call(spec.signature, function: function))
                    }
                }
            case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
                let type = part.kind.valueType!
                if case .expression(let text) = spec.expected {
                    entries.append(.expression(text, type: type, name: "answer:\(part.id)", bindings: bindings))
                }
                for (index, mistake) in part.mistakes.enumerated() {
                    if case .value(.expression(let text)) = mistake.match {
                        entries.append(.expression(text, type: type, name: "mistake:\(part.id):\(index)", bindings: bindings))
                    }
                }
            default: break
            }
        }
        guard !entries.isEmpty else { return "" }
        let source = try read.get()
        switch try session.builder.build(fileName: "reference.swift", source: source, entries: entries, owner: .trusted) {
        case .built(let path): return path
        case .failed(let diagnostics, let log):
            let shown = diagnostics.isEmpty ? log : diagnostics.map { d in
                d.line.map { "reference.swift:\($0): \(d.message)" } ?? "in `\(d.entry ?? "harness")`: \(d.message)"
            }.joined(separator: "\n")
            throw GraderError.referenceBroken(problem: problem.id, detail: "it does not compile:\n\(shown)")
        case .timedOut(let seconds):
            throw GraderError.referenceBroken(problem: problem.id, detail: "compiling it took over \(seconds) s")
        }
    }

    /// The entry of the function a gradient-checked part differentiates.
    static func lossEntry(_ part: String) -> String { "gradient-of:\(part)" }

    /// The entry of a property-checked part's predicate.
    static func checkEntry(_ part: String) -> String { "check:\(part)" }

    /// The messages of `part`'s property check on `outputs` (`""` where an output passes; `nil` where there is no
    /// output to check), from one run of the reference's predicate.
    func propertyCheck(_ part: Part, trials: [[SnippetValue]], outputs: [SnippetValue?]) throws -> [String?] {
        let checked = outputs.indices.filter { outputs[$0] != nil }
        guard !checked.isEmpty else { return outputs.map { _ in nil } }
        let binary = try build()
        let messages = try evaluate(binary, Self.checkEntry(part.id), type: .string, trials: checked.map { trials[$0] + [outputs[$0]!] })
        var result = [String?](repeating: nil, count: outputs.count)
        for (index, trial) in checked.enumerated() {
            if case .string(let message) = messages[index] { result[trial] = message }
        }
        return result
    }

    /// Runs one entry of the reference binary; a reference that fails is a broken problem, never a student's fault.
    private func evaluate(_ binary: String, _ entry: String, type: SwiftType, trials: [[SnippetValue]]) throws -> [SnippetValue] {
        let run = try EntryRun.run(
            sandbox: session.sandbox, binary: binary, entry: entry, returnType: type, trials: trials, limits: session.limits(for: problem),
            owner: .trusted)
        if let failure = run.failure {
            throw GraderError.referenceBroken(problem: problem.id, detail: "`\(entry)` \(failure)\n\(run.printed)")
        }
        return run.outputs.map { $0! }
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
