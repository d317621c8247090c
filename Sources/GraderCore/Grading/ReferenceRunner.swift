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
    /// An experiment's reference runs per data set, `reference-runs` of them (its first `runs` are `expected`):
    /// what the acceptance rule gets as `reference`.
    var experimentReference: [[SnippetValue]] = []

    /// The public trials alone, as a student kit holds them (an experiment's rule, and its reference runs, stay
    /// with final grading).
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
            /// In the byte order of their names, the order the variant store writes them in (`JSONMembers`).
            enum CodingKeys: String, CodingKey {
                case expected, mistakeFeedback, mistakeValues
            }
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
            /// An experiment's reference runs per data set.
            var experimentReference: [[SnippetValue]]? = nil
        }

        let answerKeys: [String: Key]
        let snippets: [String: Expectation]
    }

    var stored: Stored {
        Stored(
            answerKeys: answerKeys.mapValues(Stored.Key.init),
            snippets: snippets.mapValues { expectation in
                Stored.Expectation(
                    trials: expectation.trials, expected: expectation.expected,
                    mistakeFeedback: expectation.mistakes.map(\.feedback),
                    mistakeOutputs: expectation.mistakes.map(\.outputs), publicCount: expectation.publicCount,
                    experimentReference: expectation.experimentReference.isEmpty
                        ? nil : expectation.experimentReference)
            })
    }

    init() {}

    init(_ stored: Stored) {
        answerKeys = stored.answerKeys.mapValues(AnswerKey.init)
        snippets = stored.snippets.mapValues { expectation in
            SnippetExpectation(
                trials: expectation.trials, expected: expectation.expected,
                mistakes: Array(zip(expectation.mistakeFeedback, expectation.mistakeOutputs)).map {
                    (feedback: $0.0, outputs: $0.1)
                },
                publicCount: expectation.publicCount, experimentReference: expectation.experimentReference ?? [])
        }
    }
}

extension ReferenceResults.Stored.Key {
    init(_ key: AnswerKey) {
        self.init(
            expected: key.expected, mistakeValues: key.mistakes.map(\.value),
            mistakeFeedback: key.mistakes.map(\.feedback))
    }
}

extension AnswerKey {
    init(_ stored: ReferenceResults.Stored.Key) {
        self.init(
            expected: stored.expected,
            mistakes: zip(stored.mistakeValues, stored.mistakeFeedback).map { (value: $0.0, feedback: $0.1) })
    }
}

/// Compiles a problem's `reference.swift` and runs it, exactly like a student's snippet, to get the answers.
struct ReferenceRunner: Sendable {
    let session: GradingSession
    let problem: Problem

    /// The snippet expectations, and the answer keys of the handout's own numbers.
    ///
    /// - Parameter snippets: Whether to run the reference on the snippet and experiment parts' trials; without
    ///   them (a class that handed in no code for the problem), the reference is compiled only if an answer key
    ///   needs it, and `snippets` stays empty.
    func run(snippets: Bool = true) throws -> ReferenceResults {
        if session.problems.role == .student { return try kitResults() }
        var results = ReferenceResults()
        guard snippets else {
            results.answerKeys = try answerKeys(for: [try problem.variant(key: nil)])[0]
            return results
        }
        let binary = try build()
        for part in problem.parts {
            guard let spec = part.kind.snippet else { continue }
            // Public and hidden trials in one run of the trusted reference; students' code meets them apart.
            let publicTrials = InputGenerators.trials(for: spec)
            let trials =
                publicTrials
                + InputGenerators.hiddenTrials(
                    for: spec, problem: problem.id, part: part.id, secret: session.problems.secret)
            let type = spec.signature.returnType
            if let experiment = spec.experiment {
                // Every reference run of every data set in one run of the trusted reference; the student's runs are
                // the first `runs` of each data set's.
                let all = try experimentTrials(part, spec: spec, seeds: trials, binary: binary)
                let outputs = try evaluate(
                    binary, spec.signature.name, type: type, trials: all,
                    limits: experimentLimits(experiment, runs: all.count))
                let perSet = experiment.referenceRuns
                let sets = (0..<trials.count).map { Array(outputs[$0 * perSet..<($0 + 1) * perSet]) }
                let studentRuns = (0..<trials.count).flatMap { set in
                    (0..<experiment.runs).map { set * perSet + $0 }
                }
                var expectation = SnippetExpectation(
                    trials: studentRuns.map { all[$0] }, expected: studentRuns.map { outputs[$0] }, mistakes: [],
                    publicCount: publicTrials.count * experiment.runs)
                expectation.experimentReference = sets
                results.snippets[part.id] = expectation
                continue
            }
            let expected: [SnippetValue]
            if let gradient = spec.gradientOf {
                // No reference gradient: central differences of the function it is the gradient of.
                let differences = CentralDifferences(check: gradient, parameters: spec.signature.parameters)
                let values = try evaluate(
                    binary, Self.lossEntry(part.id), type: .double, trials: differences.perturbedInputs(trials))
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

    /// The answer keys of each variant, every expression evaluated once for all of them: the reference run with a
    /// trial per variant (every expression of the problem in one run, `everyExpression`), however many students
    /// there are.
    /// The reference is compiled only when a key is an expression: literal keys need no code.
    ///
    /// - Parameter width: How many runs of one expression may go side by side: a large class's trials are split
    ///   (`keyRunChunks`).
    func answerKeys(for variants: [ParameterValues], binary prebuilt: String? = nil, width: Int = 1) throws
        -> [[String: AnswerKey]]
    {
        guard !variants.isEmpty else { return [] }
        var binary = prebuilt
        let trials = variants.map(\.values)
        let prefetched = try everyExpression(on: trials, binary: &binary, width: width)
        var keys = [[String: AnswerKey]](repeating: [:], count: variants.count)
        for part in problem.parts {
            let partKeys: [AnswerKey]
            do {
                partKeys = try part.kind.answerKeys(of: part, variants: variants) { entry, type in
                    if let known = prefetched[entry], known.type == type { return known.values }
                    let built = try binary ?? build()
                    binary = built
                    return try evaluate(built, entry, type: type, trials: trials, width: width)
                }
            } catch is AnswerKeyMissing {
                throw GraderError.referenceBroken(
                    problem: problem.id, detail: "part `\(part.id)` has no answer key here")
            }
            for (index, key) in partKeys.enumerated() { keys[index][part.id] = key }
        }
        return keys
    }

    /// The outputs of every answer expression on `trials`, by entry, from runs of one entry that evaluates them all
    /// (`combinedEntry`): the trials are sent and parsed once, and a sandbox started per chunk instead of per
    /// expression and chunk. Empty when there are fewer than two expressions, or when anything on this path fails
    /// (the reference's entries, its compile, a combined run, which is not salvaged trial by trial): then each
    /// expression runs alone, as before, and a reference that fails is reported as it was, by the expression that
    /// does.
    func everyExpression(on trials: [[SnippetValue]], binary: inout String?, width: Int) throws
        -> [String: (type: SwiftType, values: [SnippetValue])]
    {
        guard let (entries, read) = try? referenceEntries(), let combined = Self.combinedEntry(of: entries),
            case .tuple(let elements) = combined.entry.returnType, let built = try? binary ?? build(entries, read)
        else { return [:] }
        binary = built
        let chunks = Self.keyRunChunks(count: trials.count, width: width, expressions: elements.count)
        let outcomes = parallelMap(count: chunks.count, width: width) { index in
            Result {
                try evaluate(
                    built, combined.entry.name, type: combined.entry.returnType, trials: Array(trials[chunks[index]]),
                    salvage: false)
            }
        }
        guard case .success(let runs) = Result(catching: { try outcomes.flatMap { try $0.get() } }) else { return [:] }
        var found: [String: (type: SwiftType, values: [SnippetValue])] = [:]
        for (position, member) in combined.members.enumerated() {
            var values: [SnippetValue] = []
            values.reserveCapacity(runs.count)
            for output in runs {
                guard case .tuple(let parts) = output, parts.count == elements.count else { return [:] }
                values.append(parts[position])
            }
            found[member.name] = (member.returnType, values)
        }
        return found
    }

    /// The name of the entry that evaluates every answer expression of a problem.
    static let combinedEntryName = "__grader_every_expression"

    /// One entry whose value is the tuple of every expression entry's value, each computed in a statement of its own
    /// (type-checked alone, as in its own entry), and the entries it holds; `nil` for fewer than two.
    static func combinedEntry(of entries: [HarnessEntry]) -> (entry: HarnessEntry, members: [HarnessEntry])? {
        // Expressions all bind the problem's parameters; one that binds others is left to run alone. Names of the
        // grader's own (`__grader...`) among the entries or parameters could clash with the combined entry's.
        let bindings = entries.first { $0.expression != nil }?.parameters
        let members = entries.filter { $0.expression != nil && $0.parameters == bindings }
        guard members.count > 1, let bindings,
            !entries.contains(where: { $0.name.hasPrefix("__grader") }),
            !bindings.contains(where: { $0.name.hasPrefix("__grader") })
        else { return nil }
        let type = SwiftType.tuple(members.map { (label: nil, type: $0.returnType) })
        var lines = ["{ () -> \(type.qualified) in"]
        for (index, member) in members.enumerated() {
            // The expression on lines of its own, as in its own entry: a `//` comment at its end closes nothing.
            lines.append("    let __grader_value_\(index): \(member.returnType.qualified) = (")
            lines.append(member.expression!)
            lines.append("    )")
        }
        lines.append("    return (" + members.indices.map { "__grader_value_\($0)" }.joined(separator: ", ") + ")")
        lines.append("}()")
        let entry = HarnessEntry.expression(
            lines.joined(separator: "\n"), type: type, name: combinedEntryName, bindings: bindings)
        return (entry, members)
    }

    /// Every entry the reference is compiled with (without the combined one), and the text of `reference.swift`.
    func referenceEntries() throws -> (entries: [HarnessEntry], read: Result<[UInt8], Submission.FileProblem>) {
        let bindings = problem.parameters.parameters.map {
            FunctionSignature.Parameter(label: nil, name: $0.name, type: $0.type)
        }
        let read = Submission.readFile(
            named: "reference.swift", in: (problem.referencePath as NSString).deletingLastPathComponent)
        let text = (try? read.get()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var entries: [HarnessEntry] = []
        for part in problem.parts {
            do {
                let needed = try part.kind.referenceEntries(of: part, bindings: bindings, reference: text)
                // Two parts (or mistakes) may call one function: one entry serves them.
                entries += needed.filter { entry in !entries.contains { $0.name == entry.name } }
            } catch let missing as ReferenceEntryMissing {
                throw GraderError.referenceBroken(problem: problem.id, detail: missing.detail)
            }
        }
        return (entries, read)
    }

    /// The reference compiled with an entry per snippet function, known mistake and answer expression, and one for
    /// all the expressions together (cached by content, so a second call costs a hash); empty when nothing needs
    /// code. Should the combined entry not compile, the reference is compiled without it, and its own messages are
    /// the ones reported if it still does not compile.
    func build() throws -> String {
        let (entries, read) = try referenceEntries()
        return try build(entries, read)
    }

    /// `build()`, when some answer key is an expression (so that grading anyone's answers needs the binary); `nil`
    /// without compiling otherwise: a reference that only snippets call waits until a student's code needs it.
    func buildForAnswerKeys() throws -> String? {
        let (entries, read) = try referenceEntries()
        guard entries.contains(where: { $0.expression != nil }) else { return nil }
        return try build(entries, read)
    }

    /// The entries of the problem's harness: every entry of the reference, then the combined one if there is one.
    /// The reference's binary and every student's binary of the problem link that one harness
    /// (`SnippetBuilder.build`'s `harness`), so that it is compiled once for all of them; `nil` when the problem
    /// lists no entries or a part's entries cannot be listed. A student's file whose functions are not all among
    /// them (a gradient-checked part's reference entry is its gradient, not the student's signature) keeps a harness
    /// of its own.
    func harnessEntries() -> [HarnessEntry]? {
        guard let entries = try? referenceEntries().entries, !entries.isEmpty else { return nil }
        return Self.harnessEntries(of: entries)
    }

    /// `entries`, then their combined entry if they have one: the harness of a reference compiled with `entries`.
    static func harnessEntries(of entries: [HarnessEntry]) -> [HarnessEntry] {
        entries + (combinedEntry(of: entries).map { [$0.entry] } ?? [])
    }

    /// `build()` of entries already listed.
    private func build(_ entries: [HarnessEntry], _ read: Result<[UInt8], Submission.FileProblem>) throws -> String {
        guard !entries.isEmpty else { return "" }
        let source = Self.compiledSource(of: problem, try read.get())
        // The entries and their combined one, if any; without it, the harness still holds it (linked to
        // `grader_missing`): the students' one.
        let listed = Self.harnessEntries(of: entries)
        if listed.count > entries.count,
            case .built(let path) = try session.builder.build(
                fileName: "reference.swift", source: source, entries: listed, owner: .trusted,
                optimized: problem.hasExperiments, harness: listed)
        {
            return path
        }
        switch try session.builder.build(
            fileName: "reference.swift", source: source, entries: entries, owner: .trusted,
            optimized: problem.hasExperiments, harness: listed)
        {
        case .built(let path): return path
        case .failed(let diagnostics, let log):
            let shown =
                diagnostics.isEmpty
                ? log : diagnostics.map { $0.diagnostic(file: "reference.swift").description }.joined(separator: "\n")
            throw GraderError.referenceBroken(problem: problem.id, detail: "it does not compile:\n\(shown)")
        case .timedOut(let seconds):
            throw GraderError.referenceBroken(problem: problem.id, detail: "compiling it took over \(seconds) s")
        }
    }

    /// `reference.swift` as it is compiled: with the experiment toolkit after it when the problem has experiments.
    static func compiledSource(of problem: Problem, _ text: [UInt8]) -> [UInt8] {
        problem.hasExperiments ? text + Array(("\n" + ExperimentToolkit.source).utf8) : text
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
        let messages = try evaluate(
            binary, Self.checkEntry(part.id), type: .string, trials: checked.map { trials[$0] + [outputs[$0]!] })
        var result = [String?](repeating: nil, count: outputs.count)
        for (index, trial) in checked.enumerated() {
            if case .string(let message) = messages[index] { result[trial] = message }
        }
        return result
    }

    /// An experiment's trials: for each seed trial (a data seed and the run seeds), the data set that `data` makes
    /// from the data seed, once with each run seed.
    func experimentTrials(_ part: Part, spec: SnippetSpec, seeds: [[SnippetValue]], binary prebuilt: String? = nil)
        throws -> [[SnippetValue]]
    {
        let binary = try prebuilt ?? build()
        let sets = try evaluate(
            binary, ExperimentSpec.dataEntry(part.id), type: ExperimentSpec.dataType(of: spec.signature),
            trials: seeds.map { [ExperimentSpec.seeds(of: $0).data] })
        let single = ExperimentSpec.dataParameters(of: spec.signature).count == 1
        return zip(seeds, sets).flatMap { seeds, set -> [[SnippetValue]] in
            var arguments = [set]
            if !single, case .tuple(let values) = set { arguments = values }
            return ExperimentSpec.seeds(of: seeds).runs.map { arguments + [$0] }
        }
    }

    /// The reference's outputs of `function` (the part's own, or a function it must reject) on an experiment's
    /// trials.
    func experimentOutputs(_ part: Part, function: String, trials: [[SnippetValue]]) throws -> [SnippetValue] {
        guard let spec = part.kind.snippet, let experiment = spec.experiment else { return [] }
        return try evaluate(
            try build(), function, type: spec.signature.returnType, trials: trials,
            limits: experimentLimits(experiment, runs: trials.count))
    }

    /// The acceptance rule's verdict on each data set: `student[k]` the outputs of data set k's runs (`nil` when one
    /// is missing or not finite: that data set scores 0 unseen by the rule), `reference[k]` the reference's.
    func experimentVerdicts(
        _ part: Part, trials: [[SnippetValue]], student: [[SnippetValue]?], reference: [[SnippetValue]]
    ) throws -> [(score: Double, message: String)?] {
        guard let spec = part.kind.snippet, let experiment = spec.experiment else { return [] }
        let runs = experiment.runs
        let judged = student.indices.filter { student[$0] != nil }
        guard !judged.isEmpty else { return student.map { _ in nil } }
        let dataCount = ExperimentSpec.dataParameters(of: spec.signature).count
        let verdicts = try evaluate(
            try build(), ExperimentSpec.acceptEntry(part.id), type: ExperimentSpec.verdictType,
            trials: judged.map { set in
                Array(trials[set * runs].prefix(dataCount)) + [.array(student[set]!), .array(reference[set])]
            },
            limits: experimentLimits(experiment, runs: judged.count * experiment.runs))
        var result = [(score: Double, message: String)?](repeating: nil, count: student.count)
        for (index, set) in judged.enumerated() {
            guard case .tuple(let values) = verdicts[index], case .double(let score)? = values.first,
                case .string(let message)? = values.last
            else { continue }
            // A rule's score outside [0, 1], or nan, is clamped: no rule can give more than the part's points.
            result[set] = (score.isNaN ? 0 : min(1, max(0, score)), message)
        }
        return result
    }

    /// The limits of `runs` runs of the reference's (or its rule's, one per data set's `runs`): the part's budget per
    /// data set's `runs` runs.
    private func experimentLimits(_ experiment: ExperimentSpec, runs: Int) -> SandboxLimits {
        var limits = session.limits(for: problem)
        let seconds = experiment.budgetSeconds(forRuns: runs)
        limits.wallSeconds = max(limits.wallSeconds, seconds)
        limits.cpuSeconds = max(limits.cpuSeconds, Int(seconds.rounded(.up)))
        return limits
    }

    /// The outputs of `entry` on `trials`, in `keyRunChunks` runs, `width` at a time.
    private func evaluate(_ binary: String, _ entry: String, type: SwiftType, trials: [[SnippetValue]], width: Int)
        throws -> [SnippetValue]
    {
        let chunks = Self.keyRunChunks(count: trials.count, width: width)
        guard chunks.count > 1 else { return try evaluate(binary, entry, type: type, trials: trials) }
        let outcomes = parallelMap(count: chunks.count, width: width) { index in
            Result { try evaluate(binary, entry, type: type, trials: Array(trials[chunks[index]])) }
        }
        return try outcomes.flatMap { try $0.get() }
    }

    /// Trials per run of an answer expression at most, so that a run stays far from the CPU limit however large the
    /// class (10,000 trials of a residual network's gradients take about 0.75 s in one run).
    static let maxTrialsPerKeyRun = 5_000
    /// Fewer trials than this are not split across cores: one run costs less than starting another sandbox.
    static let minTrialsPerKeyRun = 500

    /// How `count` trials are split into runs: `width` side by side when each gets `minTrialsPerKeyRun` or more,
    /// more when a run would hold over `maxTrialsPerKeyRun`; contiguous ranges in order.
    ///
    /// - Parameter expressions: How many expressions each trial evaluates (the combined entry's): a run holds at most
    ///   twice `maxTrialsPerKeyRun` evaluations, and one expression's `maxTrialsPerKeyRun` trials.
    static func keyRunChunks(count: Int, width: Int, expressions: Int = 1) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let sideBySide = count >= 2 * minTrialsPerKeyRun ? max(1, min(width, count / minTrialsPerKeyRun)) : 1
        let evaluations = expressions > 1 ? 2 * maxTrialsPerKeyRun : maxTrialsPerKeyRun
        let perRun = max(1, evaluations / max(1, expressions))
        let runs = max(sideBySide, (count + perRun - 1) / perRun)
        let size = (count + runs - 1) / runs
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    /// Runs one entry of the reference binary; a reference that fails is a broken problem, never a student's fault.
    private func evaluate(
        _ binary: String, _ entry: String, type: SwiftType, trials: [[SnippetValue]], limits: SandboxLimits? = nil,
        salvage: Bool = true
    ) throws
        -> [SnippetValue]
    {
        // Only an experiment's runs have limits of their own (its budget): filed apart in `--timings`.
        let run = try EntryRun.run(
            sandbox: session.sandbox, binary: binary, entry: entry, returnType: type, trials: trials,
            limits: limits ?? session.limits(for: problem),
            owner: .trusted, purpose: limits == nil ? nil : "reference, experiment run", salvage: salvage)
        if let failure = run.failure {
            throw GraderError.referenceBroken(problem: problem.id, detail: "`\(entry)` \(failure)\n\(run.printed)")
        }
        return run.outputs.map { $0! }
    }

    /// A student kit's results, with no code run: its public trials, and the literal keys of its parts with
    /// immediate feedback; withheld keys stay empty.
    func kitResults() throws -> ReferenceResults {
        var results = try PublicTrials.load(problem: problem)
        for part in problem.answerParts { results.answerKeys[part.id] = part.kind.kitKey(of: part) }
        return results
    }
}
