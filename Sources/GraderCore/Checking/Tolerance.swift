/// How close a number must be to the expected one: numpy's `allclose` rule, optionally widened to significant figures.
///
/// A value `a` matches `b` when `|a - b| <= atol + rtol * |b|`, or, with `significantFigures = n`, when it is within
/// half a unit of the n-th significant digit of `b`. NaN matches nothing; an infinity matches only the same infinity.
public struct Tolerance: Sendable, Equatable, Codable, CustomStringConvertible {
    public var rtol: Double
    public var atol: Double
    public var significantFigures: Int?
    /// Whether the tolerance also widens whole-number (`Int`) comparisons. Only a tolerance a part states itself does:
    /// integers are otherwise exact, and are compared as integers, never as doubles (2^53 + 1 is not 2^53).
    public var appliesToIntegers = false

    /// Exact equality.
    public static let exact = Tolerance(rtol: 0, atol: 0)

    public init(rtol: Double = 0, atol: Double = 0, significantFigures: Int? = nil, appliesToIntegers: Bool = false) {
        self.rtol = rtol
        self.atol = atol
        self.significantFigures = significantFigures
        self.appliesToIntegers = appliesToIntegers
    }

    /// The largest accepted distance from `expected`.
    public func allowance(for expected: Double) -> Double {
        var allowed = atol + rtol * abs(expected)
        if let figures = significantFigures, expected != 0, expected.isFinite {
            let exponent = decimalExponent(abs(expected))
            // A few ulps of slack: a student's 1.05 is stored as 1.0500000000000000444, just past half a unit.
            allowed = max(allowed, 0.5 * power10(exponent - figures + 1) * (1 + 1e-12))
        }
        return allowed
    }

    /// Whether `given` is accepted as `expected`.
    public func accepts(_ given: Double, expected: Double) -> Bool {
        if given.isNaN || expected.isNaN { return false }
        if given.isInfinite || expected.isInfinite { return given == expected }
        return abs(given - expected) <= allowance(for: expected)
    }

    /// Whether the whole number `given` is accepted as `expected`: equal, or within a tolerance that applies to
    /// integers, measured on the exact integer difference.
    public func accepts(_ given: Int, expected: Int) -> Bool {
        if given == expected { return true }
        guard appliesToIntegers else { return false }
        let (difference, overflow) = given.subtractingReportingOverflow(expected)
        return !overflow && Double(difference.magnitude) <= allowance(for: Double(expected))
    }

    public var description: String {
        var terms: [String] = []
        if let figures = significantFigures { terms.append("\(figures) significant figures") }
        if rtol > 0 { terms.append("rtol \(NumberFormatting.compact(rtol))") }
        if atol > 0 { terms.append("atol \(NumberFormatting.compact(atol))") }
        return terms.isEmpty ? "exact" : terms.joined(separator: ", ")
    }
}

/// The exponent of the leading decimal digit of a positive finite number (`0.0845` gives -2), exact at powers of ten.
func decimalExponent(_ value: Double) -> Int {
    var exponent = 0
    var mantissa = value
    while mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    while mantissa < 1 {
        mantissa *= 10
        exponent -= 1
    }
    return exponent
}

/// 10 raised to an integer power, computed by repeated multiplication (exact for small exponents).
func power10(_ exponent: Int) -> Double {
    var result = 1.0
    if exponent >= 0 {
        for _ in 0..<exponent { result *= 10 }
    } else {
        for _ in 0..<(-exponent) { result /= 10 }
    }
    return result
}
