/// An experiment part's own keys: where its data comes from, how it is judged, how often and for how long it runs.
///
/// The student's function takes the data and, last, `seed: UInt64`, from which it makes its own random choices. A
/// trial of an experiment is one data set run with every grader seed: the data set comes from `data`, a function of
/// `reference.swift` given a data seed; the student's function and the reference's run on it with the same `runs`
/// seeds; `accept`, a function of `reference.swift`, then judges all the runs of the data set at once.
public struct ExperimentSpec: Sendable {
    /// The function of `reference.swift` that makes one data set from a seed: `(seed: UInt64) -> (...)`, a labelled
    /// tuple of every parameter but the seed.
    public let data: String
    /// The acceptance rule: the data set's parameters, then `student: [Output]` and `reference: [Output]`, returning
    /// `(score: Double, message: String)`.
    public let accept: String
    /// Grader seeds per data set.
    public let runs: Int
    /// The reference's runs per data set that the rule gets (`reference-runs`, at least `runs`): the first `runs` on
    /// the student's seeds, the others on seeds of their own. A rule that judges against the reference's
    /// distribution gets it from many runs computed once per data set, not from draws of its own in every
    /// student's judging.
    public var referenceRuns: Int
    /// The wall-clock and CPU time, in seconds, that the runs of one data set may take: the student's function runs
    /// over a grading phase's data sets (the public ones, then the hidden ones) with this much per data set.
    public let budgetSeconds: Double
    /// Functions of `reference.swift` with the part's signature, wrong or faked, that the rule must give no credit;
    /// `grader validate` runs them.
    public let mustReject: [String]
    /// How the feedback plots the student's curves against the reference's, if it does.
    public let plot: PlotSpec?

    /// The seconds that `runs` runs may take: the budget for each data set's `self.runs` runs, however many data sets.
    func budgetSeconds(forRuns runs: Int) -> Double {
        budgetSeconds * (Double(max(1, runs)) / Double(self.runs)).rounded(.up)
    }

    /// The default number of grader seeds per data set.
    public static let defaultRuns = 5

    /// The entry of the data function.
    static func dataEntry(_ part: String) -> String { "data:\(part)" }
    /// The entry of the acceptance rule.
    static func acceptEntry(_ part: String) -> String { "accept:\(part)" }

    /// The parameters a data set holds: the signature's, without the seed.
    static func dataParameters(of signature: FunctionSignature) -> [FunctionSignature.Parameter] {
        Array(signature.parameters.dropLast())
    }

    /// The type the data function returns: a tuple of the data parameters, labelled by their names.
    static func dataType(of signature: FunctionSignature) -> SwiftType {
        let parameters = dataParameters(of: signature)
        if parameters.count == 1 { return parameters[0].type }
        return .tuple(parameters.map { (label: $0.name, type: $0.type) })
    }

    /// What the acceptance rule returns.
    static let verdictType = SwiftType.tuple([(label: "score", type: .double), (label: "message", type: .string)])

    /// A seed trial as the grader draws it: the data seed, then one seed per reference run, the student's first.
    static func seeds(of trial: [SnippetValue]) -> (data: SnippetValue, runs: [SnippetValue]) {
        (trial[0], Array(trial.dropFirst()))
    }
}

/// A line plot of an experiment's outputs: one curve per run, x from a parameter of the data.
public struct PlotSpec: Sendable {
    /// The data parameter (`[Int]` or `[Double]`) that gives the x of each entry of the output.
    public let x: String
    public let xLabel: String
    public let yLabel: String
    /// Whether the y axis is logarithmic (errors that span decades, as at an interpolation peak).
    public let logY: Bool
}
