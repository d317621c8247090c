/// Compares a value a student produced with the expected one, element by element, shape first.
public enum ValueComparison {
    /// Where and how two values differ.
    public struct Difference: Sendable, Equatable {
        /// Position in the value, e.g. `[1][0]` or `.biases[2]`; empty for a scalar.
        public let path: String
        /// A sentence fragment: "expected 3 entries, got 2", "expected 0.5, got nan".
        public let reason: String
        /// The absolute error, when the difference is numeric.
        public let error: Double?
        /// The error the tolerance allows at that position, when numeric.
        public let allowed: Double?
        /// True when the shapes differ (no element-wise comparison is meaningful).
        public let isShape: Bool
    }

    /// The largest-error difference between `got` and `expected`, or `nil` when every element is within tolerance.
    public static func firstDifference(
        expected: SnippetValue, got: SnippetValue, tolerance: Tolerance, type: SwiftType? = nil
    ) -> Difference? {
        var worst: Difference?
        walk(expected, got, tolerance, path: "", type: type, worst: &worst)
        return worst
    }

    private static func walk(
        _ expected: SnippetValue, _ got: SnippetValue, _ tolerance: Tolerance, path: String, type: SwiftType?,
        worst: inout Difference?
    ) {
        if worst?.isShape == true { return }
        func record(_ difference: Difference) {
            if difference.isShape {
                worst = difference
                return
            }
            let current = worst?.error ?? -1
            if worst == nil || (difference.error ?? .infinity) > current { worst = difference }
        }
        switch (expected, got) {
        case (.int(let a), .int(let b)):
            if !tolerance.accepts(b, expected: a) {
                let (difference, overflow) = b.subtractingReportingOverflow(a)
                record(
                    Difference(
                        path: path, reason: "expected \(a), got \(b)",
                        error: overflow ? .infinity : Double(difference.magnitude),
                        allowed: tolerance.appliesToIntegers ? tolerance.allowance(for: Double(a)) : 0, isShape: false))
            }
        case (.double(let a), .double(let b)):
            if !tolerance.accepts(b, expected: a) {
                let error = b.isFinite && a.isFinite ? abs(b - a) : Double.infinity
                let reason =
                    b.isFinite
                    ? "expected \(NumberFormatting.shortest(a)), got \(NumberFormatting.shortest(b))"
                    : "got \(NumberFormatting.shortest(b)) where a finite number was expected"
                record(
                    Difference(
                        path: path, reason: reason, error: error, allowed: tolerance.allowance(for: a), isShape: false))
            }
        case (.string(let a), .string(let b)):
            if a != b {
                record(
                    Difference(
                        path: path,
                        reason: "expected \(SnippetValue.quoted(a)), got \(SnippetValue.quoted(String(b.prefix(100))))",
                        error: nil, allowed: nil, isShape: false))
            }
        case (.bool(let a), .bool(let b)):
            if a != b {
                record(
                    Difference(path: path, reason: "expected \(a), got \(b)", error: nil, allowed: nil, isShape: false))
            }
        case (.array(let a), .array(let b)):
            guard a.count == b.count else {
                record(
                    Difference(
                        path: path, reason: "expected \(a.count) entries, got \(b.count)", error: nil, allowed: nil,
                        isShape: true))
                return
            }
            var elementType: SwiftType?
            if case .array(let element)? = type { elementType = element }
            for index in a.indices {
                walk(a[index], b[index], tolerance, path: path + "[\(index)]", type: elementType, worst: &worst)
            }
        case (.tuple(let a), .tuple(let b)) where a.count == b.count:
            var labels: [String?] = Array(repeating: nil, count: a.count)
            var types: [SwiftType?] = Array(repeating: nil, count: a.count)
            if case .tuple(let elements)? = type, elements.count == a.count {
                labels = elements.map(\.label)
                types = elements.map(\.type)
            }
            for index in a.indices {
                walk(
                    a[index], b[index], tolerance, path: path + "." + (labels[index] ?? "\(index)"), type: types[index],
                    worst: &worst)
            }
        default:
            record(
                Difference(
                    path: path, reason: "the value has a different type or shape", error: nil, allowed: nil,
                    isShape: true))
        }
    }

    /// Whether every element of `got` is within tolerance of `expected`.
    public static func matches(expected: SnippetValue, got: SnippetValue, tolerance: Tolerance) -> Bool {
        firstDifference(expected: expected, got: got, tolerance: tolerance) == nil
    }

    /// The sizes of a vector (`[n]`) or a rectangular matrix (`[rows, columns]`), `[]` for a scalar, `nil` for a
    /// matrix with rows of different lengths.
    public static func dimensions(_ value: SnippetValue) -> [Int]? {
        guard case .array(let rows) = value else { return [] }
        guard case .array(let first)? = rows.first else { return [rows.count] }
        for row in rows { guard case .array(let items) = row, items.count == first.count else { return nil } }
        return [rows.count, first.count]
    }

    /// The shape of a value as text: `2×3` for a matrix, `4` for a vector, `scalar` otherwise.
    public static func shape(_ value: SnippetValue) -> String {
        guard case .array(let rows) = value else { return "scalar" }
        if case .array(let first)? = rows.first { return "\(rows.count)×\(first.count)" }
        return "\(rows.count)"
    }
}

/// Recognises a systematic difference between a student's matrix or vector and the expected one and names it.
public enum PatternHints {
    /// A hint for a wrong output, or `nil` when no simple pattern explains it.
    public static func hint(expected: SnippetValue, got: SnippetValue, tolerance: Tolerance) -> String? {
        if let matrix = matrixHint(expected: expected, got: got, tolerance: tolerance) { return matrix }
        return scaleHint(expected: expected, got: got, tolerance: tolerance)
    }

    static func matrixHint(expected: SnippetValue, got: SnippetValue, tolerance: Tolerance) -> String? {
        guard let a = matrix(expected), let b = matrix(got), a.count == b.count, a.count >= 2,
            a.allSatisfy({ $0.count == a.count }), b.allSatisfy({ $0.count == a.count })
        else { return nil }
        let n = a.count
        let diagonal = (0..<n).map { b[$0][$0] - a[$0][$0] }
        let offDiagonal = (0..<n).flatMap { i in (0..<n).filter { $0 != i }.map { b[i][$0] - a[i][$0] } }
        func constant(_ values: [Double]) -> Double? {
            guard let first = values.first, values.allSatisfy({ abs($0 - first) <= 1e-9 + 1e-7 * abs(first) }) else {
                return nil
            }
            return first
        }
        guard let d = constant(diagonal), let o = constant(offDiagonal), abs(d) > 1e-9 || abs(o) > 1e-9 else {
            return nil
        }
        switch (Int(exactly: d), Int(exactly: o)) {
        case (-1, 1):
            return
                """
                Your matrix is 1 too small on the diagonal and 1 too large off it: the identity term sits on the \
                off-diagonal entries instead of the diagonal (the two cases i == j and i != j are swapped).
                """
        case (-1, 0):
            return "Your matrix is exactly 1 too small on every diagonal entry: the identity term is missing."
        case (1, 0):
            return "Your matrix is exactly 1 too large on every diagonal entry: the identity is added once too often."
        case (1, 1):
            return "Every entry of your matrix is exactly 1 too large: the identity was added as a matrix of ones."
        default:
            return
                """
                Your matrix differs from the expected one by exactly \(NumberFormatting.compact(d)) on the \
                diagonal and \(NumberFormatting.compact(o)) off it.
                """
        }
    }

    static func scaleHint(expected: SnippetValue, got: SnippetValue, tolerance: Tolerance) -> String? {
        let a = flatten(expected)
        let b = flatten(got)
        guard a.count == b.count, a.count >= 2, let pivot = a.indices.first(where: { abs(a[$0]) > 1e-9 }) else {
            return nil
        }
        let factor = b[pivot] / a[pivot]
        guard factor.isFinite, abs(factor - 1) > 1e-6, factor != 0 else { return nil }
        let scaled = zip(a, b).allSatisfy { x, y in abs(x * factor - y) <= 1e-9 + 1e-7 * abs(y) }
        return scaled
            ? """
            Every output is exactly \(NumberFormatting.compact(factor)) times the expected one: look for a \
            missing or extra scale factor.
            """
            : nil
    }

    static func matrix(_ value: SnippetValue) -> [[Double]]? {
        guard case .array(let rows) = value else { return nil }
        var result: [[Double]] = []
        for row in rows {
            guard case .array(let entries) = row else { return nil }
            var numbers: [Double] = []
            for entry in entries {
                guard case .double(let x) = entry, x.isFinite else { return nil }
                numbers.append(x)
            }
            result.append(numbers)
        }
        return result
    }

    static func flatten(_ value: SnippetValue) -> [Double] {
        switch value {
        case .double(let x): return [x]
        case .int(let x): return [Double(x)]
        case .bool, .string: return []
        case .array(let values), .tuple(let values): return values.flatMap(flatten)
        }
    }
}
