import Foundation
import Testing

@testable import GraderCore

/// A student's output or formula decides the numbers the grader compares and prints, in its own process: no value
/// may trap it (`NumberFormatting.compact(5e-324)` once did, and ended a whole batch). Every special double and
/// thousands of random bit patterns go through the comparisons, the hints and the texts of the reports.
@Suite struct StudentValueRobustnessTests {
    static let special: [Double] = [
        0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 1e-300 / 1e10, 1e-300, 1e-3,
        0.999_999_5, 1, 9.999_995, 1e6,
        9.2e18, 9.3e18, -9.3e18, 1e200, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
        .nan,
    ]

    /// Special values, then random bit patterns (every exponent, subnormals and NaN payloads included).
    static func values(count: Int) -> [Double] {
        var generator = SeededGenerator(seed: 0xBAD_F00D)
        return special + (0..<count).map { _ in Double(bitPattern: generator.next()) }
    }

    @Test("every double formats as text, as a score and as a compact number")
    func formatting() {
        for value in Self.values(count: 20_000) {
            #expect(!NumberFormatting.compact(value).isEmpty)
            #expect(!NumberFormatting.shortest(value).isEmpty)
            #expect(!NumberFormatting.score(value).isEmpty)
        }
        #expect(NumberFormatting.compact(.leastNonzeroMagnitude) == "4.94e-324")
        #expect(NumberFormatting.compact(-1e-300 / 1e10) == "-1e-310")
    }

    @Test("every double, and matrices of them, goes through comparisons and pattern hints")
    func comparisons() {
        let tolerances = [Tolerance.exact, Tolerance(rtol: 1e-9, atol: 1e-12), Tolerance(significantFigures: 3)]
        let values = Self.values(count: 3_000)
        for (index, value) in values.enumerated() {
            let other = values[(index * 7 + 3) % values.count]
            for tolerance in tolerances {
                _ = tolerance.accepts(value, expected: other)
                _ = tolerance.allowance(for: value)
                let expected = SnippetValue.array([
                    .array([.double(1), .double(0)]), .array([.double(other), .double(1)]),
                ])
                // A constant difference on the diagonal and off it: the path of the identity hints.
                let got = SnippetValue.array([
                    .array([.double(1 + value), .double(value)]), .array([.double(other + value), .double(1 + value)]),
                ])
                if let difference = ValueComparison.firstDifference(expected: expected, got: got, tolerance: tolerance)
                {
                    _ = difference.error.map(NumberFormatting.compact)
                    _ = difference.allowed.map(NumberFormatting.compact)
                }
                _ = PatternHints.hint(expected: expected, got: got, tolerance: tolerance)
                _ = PatternHints.hint(
                    expected: .array([.double(other), .double(1)]), got: .array([.double(value), .double(value)]),
                    tolerance: tolerance)
            }
        }
    }

    @Test(
        "formula answers with extreme constants are graded, not trapped on",
        arguments: [
            "X*0 + 5e-324", "X*0 - 5e-324", "X*1e308*10", "X*0 + 1e-310", "X' * 1e300", "X*0/0",
        ])
    func extremeFormulas(_ answer: String) {
        let grade = FormulaTests.grade("matrix-derivatives", "trace-square", answer)
        #expect(grade.status != .passed, "\(answer): \(grade.message)")
        #expect(!grade.message.isEmpty)
    }
}
