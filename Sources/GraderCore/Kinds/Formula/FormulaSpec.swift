import Foundation

/// A formula answer's variables, the reference formula and the random points both are evaluated at.
public struct FormulaSpec: Sendable {
    /// One variable a formula may use, with its shape in dimension names (`[]` scalar, `[n]` column, `[m, n]`).
    public struct Variable: Sendable {
        public let name: String
        public let shape: [DimensionExpression]
        /// Entries are drawn uniformly from this range (rounded to 1/64), unless `choices` is not empty.
        public let range: ClosedRange<Double>
        /// Values each entry is drawn from, with equal chances (`[0, 1]` for labels).
        public let choices: [Double]

        public init(
            name: String, shape: [DimensionExpression], range: ClosedRange<Double> = -2...2, choices: [Double] = []
        ) {
            self.name = name
            self.shape = shape
            self.range = range
            self.choices = choices
        }

        /// The shape as a formula writer says it: `scalar`, `vector of n`, `m×n matrix`.
        public var shapeDescription: String {
            switch shape.count {
            case 0: return "a scalar"
            case 1: return "a column vector of \(shape[0]) entries"
            default: return "a \(shape[0])×\(shape[1]) matrix"
            }
        }
    }

    public let variables: [Variable]
    /// Size names drawn at each trial, each from its inclusive range.
    public let dimensions: [(name: String, range: ClosedRange<Int>)]
    /// The right formula; `nil` in a student kit, which checks a formula's form only.
    public let answer: MathExpression?
    public let answerText: String?
    /// How many random points a formula is evaluated at.
    public let trials: Int
    /// Applied entry by entry, with the relative part scaled by the largest entry of the expected value (see
    /// `FormulaChecker`).
    public let tolerance: Tolerance
    public let seed: UInt64

    public init(
        variables: [Variable], dimensions: [(name: String, range: ClosedRange<Int>)], answer: MathExpression?,
        answerText: String?,
        trials: Int = 8, tolerance: Tolerance = FormulaSpec.defaultTolerance, seed: UInt64
    ) {
        self.variables = variables
        self.dimensions = dimensions
        self.answer = answer
        self.answerText = answerText
        self.trials = trials
        self.tolerance = tolerance
        self.seed = seed
    }

    /// The variables as a student reads them: "`X` (a n×n matrix), `w` (a column vector of n entries)".
    public var variableList: String {
        variables.map { "`\($0.name)` (\($0.shapeDescription))" }.joined(separator: ", ")
    }

    /// The names `expression` uses that are neither one of `variables` nor `I`, in order of first use.
    public static func unknownNames(in expression: MathExpression, variables: [Variable]) -> [String] {
        let known = Set(variables.map(\.name))
        return expression.names.filter { !known.contains($0) && $0 != "I" }
    }

    /// rtol 1e-6, atol 1e-9: two spellings of one formula differ by rounding only, a wrong formula by far more.
    public static let defaultTolerance = Tolerance(rtol: 1e-6, atol: 1e-9)

    /// The variables' values at each trial point, drawn from the seed: the same points on every run and machine.
    public func points(symmetric: Bool = false) -> [[String: MathValue]] {
        var random = SeededGenerator(seed: seed)
        return (0..<trials).map { _ in
            var sizes: [String: Int] = [:]
            for dimension in dimensions { sizes[dimension.name] = random.int(in: dimension.range) }
            var values: [String: MathValue] = [:]
            for variable in variables {
                let counts = variable.shape.map { $0.evaluate(sizes) ?? 1 }
                let rows = counts.first ?? 1
                let columns = counts.count > 1 ? counts[1] : 1
                var entries = (0..<(rows * columns)).map { _ -> Double in
                    if !variable.choices.isEmpty {
                        return variable.choices[random.int(in: 0...(variable.choices.count - 1))]
                    }
                    return InputGenerators.roundedDraw(in: variable.range, random: &random)
                }
                if symmetric, counts.count == 2, rows == columns {
                    for i in 0..<rows { for j in 0..<i { entries[i * columns + j] = entries[j * columns + i] } }
                }
                values[variable.name] =
                    counts.isEmpty ? .scalar(entries[0]) : .make(rows: rows, columns: columns, entries: entries)
            }
            return values
        }
    }
}
