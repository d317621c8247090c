/// How a snippet part is exercised: its contract, how many trials on which random inputs, and the tolerance.
public struct SnippetSpec: Sendable {
    public let signature: FunctionSignature
    public let trials: Int
    public let tolerance: Tolerance
    /// Inclusive ranges for the size variables drawn at each trial (`n: [1, 8]`).
    public let dimensions: [(name: String, range: ClosedRange<Int>)]
    /// How each parameter is drawn, keyed by the parameter's internal name; empty when `generator` is set.
    public let inputs: [String: InputSpec]
    /// A named input generator for arguments whose shapes depend on each other (see `InputGenerators`).
    public let generator: String?
    /// Seed of the trial inputs; the same seed gives the same inputs on every run.
    public let seed: UInt64
    /// Trials drawn at final grading from the assignment's secret, never shown to students (`hidden-trials`).
    public var hiddenTrials: Int = 0
    /// Inputs written out in `problem.yaml` (`stability-trials`), extreme ones such as logits of +-1000, run after
    /// the drawn public trials and public like them.
    public var stabilityTrials: [[SnippetValue]] = []
    /// A gradient judged against central differences of a function of `reference.swift` (`gradient-of`),
    /// instead of against a reference implementation of the gradient.
    public var gradientOf: GradientCheck? = nil
    /// A predicate of `reference.swift` that accepts or rejects an output (`check`), for answers that are right in
    /// more than one way; the reference implementation's output is still shown as an example.
    public var propertyCheck: String? = nil
    /// A stochastic function judged over data sets and grader seeds by an acceptance rule (`kind: experiment`).
    public var experiment: ExperimentSpec? = nil
}

/// A snippet that returns the gradient of a scalar function of `reference.swift` with respect to some arguments.
///
/// The function takes the snippet's own parameters and returns `Double`. The expected gradient is central
/// differences, entry by entry: (f(x + h e_i) - f(x - h e_i)) / 2h with h = `relativeStep` * max(1, |x_i|) (see
/// `CentralDifferences`).
public struct GradientCheck: Sendable {
    public let function: String
    /// The parameters differentiated, in the order of the snippet's returned tuple (or the one gradient returned).
    public let arguments: [String]
    public var relativeStep: Double = GradientCheck.defaultStep

    /// 1e-6: central differences then err by about h^2 |f'''| + 1e-16 |f| / h, near 1e-10 for the smooth losses of
    /// the handouts, far inside the tolerances of 1e-6 that gradient-checked parts use.
    public static let defaultStep = 1e-6

    /// Whether central differences can produce a value of `type`: a Double, or arrays of them.
    public static func isDifferentiable(_ type: SwiftType) -> Bool {
        switch type {
        case .double: return true
        case .array(let element): return isDifferentiable(element)
        default: return false
        }
    }
}

/// How one argument of a snippet is drawn at random.
public struct InputSpec: Sendable {
    /// Sizes of each array level, as dimension names or numbers (`[n, n]`).
    public let shape: [DimensionExpression]
    /// Range for reals, and for integers when `value` is not set.
    public let range: ClosedRange<Double>
    /// For integers: the value as a product of dimensions (`g*a`), when it must match other arguments.
    public let value: DimensionExpression?
    /// For booleans: the probability of `true`.
    public let probability: Double
    /// Values drawn from, with equal chances, for each scalar entry (`choices: [relu, tanh]`, `[0, 1]`); empty
    /// when the range is used.
    public var choices: [SnippetValue] = []
    /// For integers: drawn from 0 to this dimension expression minus 1 (`below: n`, a class label).
    public var below: DimensionExpression? = nil
}
