/// `kind: experiment`: a function in the problem's Swift file that runs a stochastic computation (a training run, a
/// curve over random features) from a `seed: UInt64` the grader passes. It runs, compiled with optimisation, on data
/// sets of `reference.swift`'s `data` function with several grader seeds, and an acceptance rule of `reference.swift`
/// judges each data set's runs against the reference's on the same data and seeds (`ExperimentJudge`).
struct ExperimentKind: AnswerKind {
    static let names: [KindName] = [.experiment]
    static let keys: Set<String> = [
        "signature", "data", "accept", "runs", "reference-runs", "trials", "hidden-trials", "budget-seconds",
        "must-reject", "plot", "seed",
    ]

    static let answeredInCode = true

    let spec: SnippetSpec
    /// The experiment's own keys, which `spec` carries.
    var experiment: ExperimentSpec { spec.experiment! }

    var name: KindName { .experiment }
    var snippet: SnippetSpec? { spec }

    static func decode(_ definition: inout PartDefinition) throws -> ExperimentKind {
        var fields = definition.fields
        defer { definition.fields = fields }
        let id = definition.id
        let signature: FunctionSignature
        do {
            signature = try FunctionSignature(parsing: try fields.requireString("signature"))
        } catch let error as SignatureParseError {
            throw definition.error("\(error)", at: "signature")
        }
        guard signature.name == id else {
            throw definition.error("an experiment part's id must be its function's name, `\(signature.name)`")
        }
        guard let last = signature.parameters.last, last.name == "seed", last.label == "seed", last.type == .uint64
        else {
            throw definition.error(
                "an experiment's function takes `seed: UInt64` last, for its own random choices", at: "signature")
        }
        guard signature.parameters.count >= 2 else {
            throw definition.error("an experiment's function takes its data before `seed: UInt64`", at: "signature")
        }
        let names = try ["data", "accept"].map { key -> String in
            // A student kit names no function of the reference it does not hold.
            if definition.role == .student, fields.node(key) == nil { return "" }
            let name = try fields.requireString(key)
            guard DefinitionReading.isName(name) else {
                throw definition.error("`\(key)` names a function of reference.swift, found `\(name)`", at: key)
            }
            return name
        }
        let runs = try fields.int("runs") ?? ExperimentSpec.defaultRuns
        let trials = try fields.int("trials") ?? 1
        let hidden = try fields.int("hidden-trials") ?? 2
        for (key, value, range) in [
            ("runs", runs, 1...50), ("trials", trials, 1...20), ("hidden-trials", hidden, 0...20),
        ]
        where !range.contains(value) {
            throw definition.error(
                "`\(key)` must be between \(range.lowerBound) and \(range.upperBound), found \(value)", at: key)
        }
        let referenceRuns = try fields.int("reference-runs") ?? runs
        guard (runs...500).contains(referenceRuns) else {
            throw definition.error(
                "`reference-runs` must be between `runs` (\(runs)) and 500, found \(referenceRuns)",
                at: "reference-runs")
        }
        let budget = try fields.double("budget-seconds") ?? 30
        guard budget > 0, budget <= 600 else {
            throw definition.error("`budget-seconds` must be above 0 and at most 600", at: "budget-seconds")
        }
        let mustReject = try fields.strings("must-reject") ?? []
        for name in mustReject where !DefinitionReading.isName(name) {
            throw definition.error(
                "`must-reject` lists functions of reference.swift, found `\(name)`", at: "must-reject")
        }
        let plot = try fields.node("plot").map { try readPlot($0, fields: fields, signature: signature, partID: id) }
        var spec = SnippetSpec(
            signature: signature, trials: trials, tolerance: definition.tolerance ?? Tolerance(rtol: 0, atol: 0),
            dimensions: [], inputs: [:], generator: nil,
            seed: try DefinitionReading.seed(&fields, problemID: definition.problemID, partID: id))
        spec.hiddenTrials = hidden
        let experiment = ExperimentSpec(
            data: names[0], accept: names[1], runs: runs, referenceRuns: referenceRuns, budgetSeconds: budget,
            mustReject: mustReject, plot: plot)
        spec.experiment = experiment
        return ExperimentKind(spec: spec)
    }

    /// `plot: {x: featureCounts, x-label: ..., y-label: ..., log-y: true}`, for a function returning `[Double]`.
    static func readPlot(_ node: YAMLTree, fields: YAMLFields, signature: FunctionSignature, partID: String) throws
        -> PlotSpec
    {
        var plot = try YAMLFields(node, file: fields.file, what: "`plot`")
        let x = try plot.requireString("x")
        let numbers: [SwiftType] = [.array(.int), .array(.double)]
        guard let parameter = signature.parameters.first(where: { $0.name == x }), numbers.contains(parameter.type)
        else {
            throw plot.error("part `\(partID)`: `plot.x` must name a parameter of type [Int] or [Double], found `\(x)`")
        }
        guard signature.returnType == .array(.double) else {
            throw plot.error("part `\(partID)`: only a function returning [Double] (one y per x) can be plotted")
        }
        let spec = PlotSpec(
            x: x, xLabel: try plot.string("x-label") ?? x, yLabel: try plot.string("y-label") ?? signature.name,
            logY: try plot.bool("log-y") ?? false)
        try plot.rejectUnknownKeys()
        return spec
    }

    /// An experiment has no known mistakes to match: its rule's message is the feedback, and its wrong or faked
    /// functions are `must-reject`.
    func readMistake(_ fields: inout YAMLFields, partID: String) throws -> KnownMistake.Match {
        throw fields.error(
            """
            part `\(partID)`: an experiment has no `mistakes`; its acceptance rule's message names what went wrong, \
            and `must-reject` lists the wrong functions it must give no credit
            """
        )
    }

    // MARK: What students see

    func form(of part: Part, key: AnswerKey?) -> String { "`\(spec.signature.text)`" }

    func handout(of part: Part, in problem: Problem) -> [String] {
        var lines = ["Implement in `\(problem.snippetFileName)`, with exactly this signature:"]
        lines += ["", "```swift", spec.signature.text, "```", ""]
        lines.append(
            """
            This is an experiment: make every random choice (initialisation, shuffling, random features) from \
            `seed`, with a generator of your own. At final grading it runs with \(experiment.runs) seeds on each of \
            \(spec.hiddenTrials) data sets you never see, compiled with optimisation, within \
            \(NumberFormatting.compact(experiment.budgetSeconds)) s for the runs of each data set, and what it \
            produces is judged against the reference's runs on the same data and seeds. Public checks run it on \
            \(spec.trials) data set\(spec.trials == 1 ? "" : "s") and check that it finishes in time with outputs of \
            the right shape; a third of the points follow the public data sets, two thirds the hidden ones.
            """
        )
        return lines
    }

    /// Never called: an experiment is graded by running it (`ExperimentJudge`), not from `answers.yaml`.
    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        PartGrade(
            problem: problem, part: part, status: .error, score: 0,
            message: "a function is graded from \(problem).swift, not from answers.yaml")
    }

    // MARK: Keys

    /// The function itself, the data function, the acceptance rule, and each function it must reject.
    func referenceEntries(of part: Part, bindings: [FunctionSignature.Parameter], reference: String) throws
        -> [HarnessEntry]
    {
        let named =
            [("data", experiment.data), ("accept", experiment.accept)]
            + experiment.mustReject.map {
                ("must-reject", $0)
            }
        for (key, function) in named where SnippetChecker.declarationLine(of: function, in: reference) == nil {
            throw ReferenceEntryMissing(
                detail: "part `\(part.id)`: `\(key)` names `\(function)`, which reference.swift does not define")
        }
        let signature = spec.signature
        let seed = FunctionSignature.Parameter(label: "seed", name: "seed", type: .uint64)
        let data = ExperimentSpec.dataParameters(of: signature)
        let outputs = SwiftType.array(signature.returnType)
        var entries: [HarnessEntry] = [
            .call(signature),
            HarnessEntry(
                name: ExperimentSpec.dataEntry(part.id), parameters: [seed],
                returnType: ExperimentSpec.dataType(of: signature), expression: nil, function: experiment.data),
            HarnessEntry(
                name: ExperimentSpec.acceptEntry(part.id),
                parameters: data + [
                    .init(label: "student", name: "student", type: outputs),
                    .init(label: "reference", name: "reference", type: outputs),
                ],
                returnType: ExperimentSpec.verdictType, expression: nil, function: experiment.accept),
        ]
        entries += experiment.mustReject.map { .call(signature, function: $0) }
        return entries
    }

    /// An experiment's reference outputs are per data set and seed (`SnippetExpectation`), not one key.
    func answerKeys(
        of part: Part, variants: [ParameterValues],
        evaluate: (_ entry: String, _ type: SwiftType) throws -> [SnippetValue]
    ) throws -> [AnswerKey] {
        []
    }

    func answerKeyText(of part: Part, key: AnswerKey?) -> String? { nil }

    /// The kit has no reference code: the data, the rule and the functions it rejects are named nowhere in it.
    func studentDefinition(_ node: YAMLTree, of part: Part, key: AnswerKey?) -> YAMLTree {
        node.updating(removing: ["data", "accept", "must-reject"], setting: [])
    }

    // MARK: Validation

    func validate(_ part: Part, in context: KindValidation) -> [Diagnostic] {
        ExperimentValidation(part: part, spec: spec, experiment: experiment, context: context).diagnostics()
    }
}
