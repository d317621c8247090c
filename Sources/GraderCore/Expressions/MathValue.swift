import Foundation

/// A value of a math expression: a scalar, a matrix (a vector is an n x 1 matrix), or a multiple of the identity
/// whose size is whatever its neighbour needs (`I` in `X + I`).
public enum MathValue: Sendable, Equatable {
    case scalar(Double)
    /// Row-major entries; a column vector has one column. Never 1 x 1: that is a scalar.
    case matrix(rows: Int, columns: Int, entries: [Double])
    case identity(Double)

    /// A column vector.
    public static func vector(_ entries: [Double]) -> MathValue {
        matrix(rows: entries.count, columns: 1, entries: entries)
    }

    /// A matrix from its rows, which must all have the same length.
    public static func matrix(_ rows: [[Double]]) -> MathValue {
        matrix(rows: rows.count, columns: rows.first?.count ?? 0, entries: rows.flatMap { $0 })
    }

    /// A matrix of the given size, a scalar when it is 1 x 1.
    static func make(rows: Int, columns: Int, entries: [Double]) -> MathValue {
        rows == 1 && columns == 1 && entries.count == 1
            ? .scalar(entries[0]) : .matrix(rows: rows, columns: columns, entries: entries)
    }

    /// Every entry, row by row (one for a scalar).
    public var entries: [Double] {
        switch self {
        case .scalar(let value), .identity(let value): return [value]
        case .matrix(_, _, let entries): return entries
        }
    }

    /// How the value is described in messages: "a scalar", "a 3-vector", "a 2x3 matrix".
    public var shapeDescription: String {
        switch self {
        case .scalar: return "a scalar"
        case .identity: return "the identity"
        case .matrix(let rows, let columns, _):
            if columns == 1 { return "a \(rows)-vector" }
            return "a \(rows)x\(columns) matrix"
        }
    }

    /// The value converted from a wire value: numbers, vectors and rectangular matrices of numbers.
    public init?(_ value: SnippetValue) {
        switch value {
        case .int(let number): self = .scalar(Double(number))
        case .double(let number): self = .scalar(number)
        case .array(let items):
            if items.allSatisfy({ $0.number != nil }) {
                self = items.count == 1 ? .scalar(items[0].number!) : .vector(items.compactMap(\.number))
                return
            }
            var rows: [[Double]] = []
            for item in items {
                guard case .array(let row) = item, row.allSatisfy({ $0.number != nil }) else { return nil }
                rows.append(row.compactMap(\.number))
            }
            guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }), width > 0 else { return nil }
            self = MathValue.make(rows: rows.count, columns: width, entries: rows.flatMap { $0 })
        default: return nil
        }
    }
}

extension SnippetValue {
    /// The value as a Double when it is a number.
    var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}

/// Evaluates `MathExpression`s over named values.
public struct MathEvaluator: Sendable {
    /// The values of the names an expression may use.
    public var variables: [String: MathValue]
    /// The largest matrix power computed (`X^k`, |k| at most this): bounds the work a hostile formula can ask for.
    static let maxMatrixPower = 64

    public init(variables: [String: MathValue]) { self.variables = variables }

    /// The functions an expression may call, with how many arguments each takes.
    public static let functions: [(name: String, arity: ClosedRange<Int>)] = [
        ("tr", 1...1), ("inv", 1...1), ("det", 1...1), ("transpose", 1...1), ("exp", 1...1), ("log", 1...1),
        ("sqrt", 1...1), ("sigmoid", 1...1), ("tanh", 1...1), ("relu", 1...1), ("abs", 1...1), ("sum", 1...1),
        ("diag", 1...1), ("norm", 1...1), ("min", 1...2), ("max", 1...2), ("mod", 2...2),
    ]

    /// The value of `expression`.
    public func evaluate(_ expression: MathExpression) throws(MathExpressionError) -> MathValue {
        switch expression {
        case .number(let value): return .scalar(value)
        case .name(let name, let column):
            if let value = variables[name] { return value }
            if name == "I" { return .identity(1) }
            let known = variables.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")
            throw MathExpressionError(
                message: "unknown name `\(name)` (known: \(known.isEmpty ? "none" : known))", column: column)
        case .negate(let inner): return try scale(evaluate(inner), by: -1)
        case .transpose(let inner): return transpose(try evaluate(inner))
        case .binary(let op, let left, let right, let column):
            return try apply(op, evaluate(left), evaluate(right), column: column)
        case .power(let base, let exponent, let column):
            return try power(evaluate(base), evaluate(exponent), column: column)
        case .call(let name, let arguments, let column):
            guard let function = Self.functions.first(where: { $0.name == name }) else {
                let known = Self.functions.map(\.name).joined(separator: ", ")
                throw MathExpressionError(message: "unknown function `\(name)` (functions: \(known))", column: column)
            }
            guard function.arity.contains(arguments.count) else {
                let wanted =
                    function.arity.count == 1
                    ? "\(function.arity.lowerBound)" : "\(function.arity.lowerBound) or \(function.arity.upperBound)"
                throw MathExpressionError(
                    message: "`\(name)` takes \(wanted) argument\(wanted == "1" ? "" : "s"), found \(arguments.count)",
                    column: column)
            }
            var values: [MathValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            return try call(name, values, column: column)
        }
    }

    private func fail(_ message: String, _ column: Int?) -> MathExpressionError {
        MathExpressionError(message: message, column: column)
    }

    private func scale(_ value: MathValue, by factor: Double) -> MathValue {
        map(value) { $0 * factor }
    }

    private func map(_ value: MathValue, _ transform: (Double) -> Double) -> MathValue {
        switch value {
        case .scalar(let x): return .scalar(transform(x))
        case .identity(let c): return .identity(transform(c))
        case .matrix(let rows, let columns, let entries):
            return .matrix(rows: rows, columns: columns, entries: entries.map(transform))
        }
    }

    private func transpose(_ value: MathValue) -> MathValue {
        guard case .matrix(let rows, let columns, let entries) = value else { return value }
        var result = [Double](repeating: 0, count: entries.count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = entries[row * columns + column] }
        }
        return .matrix(rows: columns, columns: rows, entries: result)
    }

    /// `value` as a concrete matrix; the identity takes size `size`.
    private func concrete(_ value: MathValue, size: Int) -> (rows: Int, columns: Int, entries: [Double]) {
        switch value {
        case .scalar(let x): return (1, 1, [x])
        case .matrix(let rows, let columns, let entries): return (rows, columns, entries)
        case .identity(let c):
            var entries = [Double](repeating: 0, count: size * size)
            for i in 0..<size { entries[i * size + i] = c }
            return (size, size, entries)
        }
    }

    private func apply(_ op: MathOperator, _ left: MathValue, _ right: MathValue, column: Int)
        throws(MathExpressionError) -> MathValue
    {
        switch op {
        case .add, .subtract:
            let sign: Double = op == .add ? 1 : -1
            switch (left, right) {
            case (.identity(let a), .identity(let b)): return .identity(a + sign * b)
            case (.scalar, .identity), (.identity, .scalar):
                throw fail("cannot add a scalar and the identity `I`: the sum has no size", column)
            case (.scalar(let a), _): return map(right) { a + sign * $0 }
            case (_, .scalar(let b)): return map(left) { $0 + sign * b }
            case (.identity, .matrix(let rows, let columns, _)), (.matrix(let rows, let columns, _), .identity):
                guard rows == columns else {
                    let shape = MathValue.matrix(rows: rows, columns: columns, entries: []).shapeDescription
                    throw fail("cannot add the identity `I` to \(shape), which is not square", column)
                }
                return try elementwise(concrete(left, size: rows), concrete(right, size: rows), op: op, column: column)
                { $0 + sign * $1 }
            case (.matrix, .matrix):
                return try elementwise(concrete(left, size: 0), concrete(right, size: 0), op: op, column: column) {
                    $0 + sign * $1
                }
            }
        case .multiply:
            switch (left, right) {
            case (.scalar(let a), _): return map(right) { a * $0 }
            case (_, .scalar(let b)): return map(left) { $0 * b }
            case (.identity(let a), _): return map(right) { a * $0 }
            case (_, .identity(let b)): return map(left) { $0 * b }
            case (.matrix(let rows, let inner, let a), .matrix(let innerRight, let columns, let b)):
                guard inner == innerRight else {
                    throw fail(
                        """
                        cannot multiply \(left.shapeDescription) by \(right.shapeDescription): the inner sizes \
                        \(inner) and \(innerRight) differ
                        """,
                        column)
                }
                var result = [Double](repeating: 0, count: rows * columns)
                for i in 0..<rows {
                    for k in 0..<inner where a[i * inner + k] != 0 {
                        let factor = a[i * inner + k]
                        for j in 0..<columns { result[i * columns + j] += factor * b[k * columns + j] }
                    }
                }
                return .make(rows: rows, columns: columns, entries: result)
            }
        case .divide:
            guard case .scalar(let divisor) = right else {
                throw fail(
                    "can divide only by a scalar, not by \(right.shapeDescription) (for an inverse, write inv(...))",
                    column)
            }
            return map(left) { $0 / divisor }
        case .elementwise:
            switch (left, right) {
            case (.scalar(let a), _): return map(right) { a * $0 }
            case (_, .scalar(let b)): return map(left) { $0 * b }
            case (.identity(let a), .identity(let b)): return .identity(a * b)
            case (.identity, .matrix(let rows, let columns, _)), (.matrix(let rows, let columns, _), .identity):
                guard rows == columns else {
                    let shape = MathValue.matrix(rows: rows, columns: columns, entries: []).shapeDescription
                    throw fail(
                        "cannot multiply the identity `I` entry by entry with \(shape), which is not square", column)
                }
                return try elementwise(
                    concrete(left, size: rows), concrete(right, size: rows), op: op, column: column, *)
            case (.matrix, .matrix):
                return try elementwise(concrete(left, size: 0), concrete(right, size: 0), op: op, column: column, *)
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual:
            guard case .scalar(let a) = left, case .scalar(let b) = right else {
                throw fail(
                    """
                    `\(op.rawValue)` compares two scalars, found \(left.shapeDescription) and \
                    \(right.shapeDescription)
                    """,
                    column)
            }
            let holds: Bool
            switch op {
            case .less: holds = a < b
            case .lessOrEqual: holds = a <= b
            case .greater: holds = a > b
            case .greaterOrEqual: holds = a >= b
            case .equal: holds = a == b
            default: holds = a != b
            }
            return .scalar(holds ? 1 : 0)
        }
    }

    private func elementwise(
        _ a: (rows: Int, columns: Int, entries: [Double]), _ b: (rows: Int, columns: Int, entries: [Double]),
        op: MathOperator,
        column: Int, _ combine: (Double, Double) -> Double
    ) throws(MathExpressionError) -> MathValue {
        guard a.rows == b.rows, a.columns == b.columns else {
            let left = MathValue.make(rows: a.rows, columns: a.columns, entries: a.entries)
            let right = MathValue.make(rows: b.rows, columns: b.columns, entries: b.entries)
            throw fail(
                "`\(op.rawValue)` needs equal shapes, found \(left.shapeDescription) and \(right.shapeDescription)",
                column)
        }
        return .make(rows: a.rows, columns: a.columns, entries: zip(a.entries, b.entries).map(combine))
    }

    private func power(_ base: MathValue, _ exponent: MathValue, column: Int) throws(MathExpressionError) -> MathValue {
        guard case .scalar(let k) = exponent else {
            throw fail("the exponent must be a scalar, found \(exponent.shapeDescription)", column)
        }
        switch base {
        case .scalar(let x): return .scalar(Foundation.pow(x, k))
        case .identity(let c): return .identity(Foundation.pow(c, k))
        case .matrix(let rows, let columns, _):
            guard rows == columns else {
                throw fail("only a square matrix has powers, found \(base.shapeDescription)", column)
            }
            guard k == k.rounded(), abs(k) <= Double(Self.maxMatrixPower) else {
                throw fail(
                    """
                    a matrix power must be a whole number from -\(Self.maxMatrixPower) to \(Self.maxMatrixPower), \
                    found \(NumberFormatting.compact(k))
                    """,
                    column)
            }
            var factor = base
            if k < 0 { factor = try inverse(base, column: column) }
            var result = MathValue.identity(1)
            for _ in 0..<Int(abs(k)) { result = try apply(.multiply, result, factor, column: column) }
            if case .identity = result {
                return .matrix(rows: rows, columns: rows, entries: concrete(result, size: rows).entries)
            }
            return result
        }
    }

    private func inverse(_ value: MathValue, column: Int) throws(MathExpressionError) -> MathValue {
        switch value {
        case .scalar(let x): return .scalar(1 / x)
        case .identity(let c): return .identity(1 / c)
        case .matrix(let n, let columns, let entries):
            guard n == columns else { throw fail("inv needs a square matrix, found \(value.shapeDescription)", column) }
            // Gauss-Jordan elimination with partial pivoting.
            var a = entries
            var inverse = concrete(.identity(1), size: n).entries
            for pivotColumn in 0..<n {
                var pivot = pivotColumn
                for row in pivotColumn..<n where abs(a[row * n + pivotColumn]) > abs(a[pivot * n + pivotColumn]) {
                    pivot = row
                }
                let scaleOfMatrix = entries.map(abs).max() ?? 0
                guard abs(a[pivot * n + pivotColumn]) > scaleOfMatrix * 1e-14 else {
                    throw fail("inv: the matrix is singular", column)
                }
                if pivot != pivotColumn {
                    for j in 0..<n {
                        a.swapAt(pivot * n + j, pivotColumn * n + j)
                        inverse.swapAt(pivot * n + j, pivotColumn * n + j)
                    }
                }
                let divisor = a[pivotColumn * n + pivotColumn]
                for j in 0..<n {
                    a[pivotColumn * n + j] /= divisor
                    inverse[pivotColumn * n + j] /= divisor
                }
                for row in 0..<n where row != pivotColumn {
                    let factor = a[row * n + pivotColumn]
                    guard factor != 0 else { continue }
                    for j in 0..<n {
                        a[row * n + j] -= factor * a[pivotColumn * n + j]
                        inverse[row * n + j] -= factor * inverse[pivotColumn * n + j]
                    }
                }
            }
            return .make(rows: n, columns: n, entries: inverse)
        }
    }

    private func call(_ name: String, _ arguments: [MathValue], column: Int) throws(MathExpressionError) -> MathValue {
        let value = arguments[0]
        switch name {
        case "exp": return map(value, Foundation.exp)
        case "log": return map(value, Foundation.log)
        case "sqrt": return map(value, Foundation.sqrt)
        case "tanh": return map(value, Foundation.tanh)
        case "abs": return map(value, Swift.abs)
        case "relu": return map(value) { Swift.max($0, 0) }
        case "sigmoid":
            return map(value) {
                $0 >= 0 ? 1 / (1 + Foundation.exp(-$0)) : Foundation.exp($0) / (1 + Foundation.exp($0))
            }
        case "transpose": return transpose(value)
        case "inv": return try inverse(value, column: column)
        case "sum":
            if case .identity = value { throw fail("sum(I) needs a size; write the matrix out", column) }
            return .scalar(value.entries.reduce(0, +))
        case "norm":
            if case .identity = value { throw fail("norm(I) needs a size; write the matrix out", column) }
            return .scalar(Foundation.sqrt(value.entries.reduce(0) { $0 + $1 * $1 }))
        case "tr", "det":
            guard case .matrix(let n, let columns, let entries) = value, n == columns else {
                if case .scalar(let x) = value { return .scalar(x) }
                throw fail("`\(name)` needs a square matrix, found \(value.shapeDescription)", column)
            }
            if name == "tr" { return .scalar((0..<n).reduce(0) { $0 + entries[$1 * n + $1] }) }
            return .scalar(Self.determinant(n, entries))
        case "diag":
            switch value {
            case .matrix(let n, 1, let entries):
                var result = [Double](repeating: 0, count: n * n)
                for i in 0..<n { result[i * n + i] = entries[i] }
                return .matrix(rows: n, columns: n, entries: result)
            case .matrix(let n, let columns, let entries) where n == columns:
                return .make(rows: n, columns: 1, entries: (0..<n).map { entries[$0 * n + $0] })
            case .scalar: return value
            default: throw fail("`diag` takes a vector or a square matrix, found \(value.shapeDescription)", column)
            }
        case "min", "max":
            let pick: (Double, Double) -> Double = name == "min" ? { Swift.min($0, $1) } : { Swift.max($0, $1) }
            if arguments.count == 2 {
                guard case .scalar(let a) = arguments[0], case .scalar(let b) = arguments[1] else {
                    throw fail(
                        "`\(name)(a, b)` compares two scalars; `\(name)(v)` takes the \(name)imum entry of one value",
                        column)
                }
                return .scalar(pick(a, b))
            }
            if case .identity = value { throw fail("\(name)(I) needs a size; write the matrix out", column) }
            guard let first = value.entries.first else {
                throw fail("`\(name)` of \(value.shapeDescription) with no entries", column)
            }
            return .scalar(value.entries.dropFirst().reduce(first, pick))
        default:  // mod
            guard case .scalar(let a) = arguments[0], case .scalar(let b) = arguments[1] else {
                throw fail("`mod` takes two scalars", column)
            }
            return .scalar(a - b * (a / b).rounded(.down))
        }
    }

    /// The determinant by Gaussian elimination with partial pivoting.
    static func determinant(_ n: Int, _ entries: [Double]) -> Double {
        var a = entries
        var result = 1.0
        for column in 0..<n {
            var pivot = column
            for row in column..<n where abs(a[row * n + column]) > abs(a[pivot * n + column]) { pivot = row }
            if a[pivot * n + column] == 0 { return 0 }
            if pivot != column {
                for j in 0..<n { a.swapAt(pivot * n + j, column * n + j) }
                result = -result
            }
            result *= a[column * n + column]
            for row in (column + 1)..<n {
                let factor = a[row * n + column] / a[column * n + column]
                for j in column..<n { a[row * n + j] -= factor * a[column * n + j] }
            }
        }
        return result
    }
}
