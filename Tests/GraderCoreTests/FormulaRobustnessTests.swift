import Foundation
import Testing

@testable import GraderCore

/// A formula is student input evaluated in the grader's own process: no answer may trap it (a trap ends a whole
/// class's batch). Random formulas over every function, operator and kind of value, and the ones that trapped
/// before, must each give a value or a typed error.
@Suite struct FormulaRobustnessTests {
    /// The values a formula may meet: non-square and square matrices, vectors, a scalar, an empty vector.
    static let variables: [String: MathValue] = [
        "X": .matrix([[1, -2, 0.5], [3, 0, -1]]), "A": .matrix([[2, 1], [1, 3]]), "S": .matrix([[0, 0], [0, 0]]),
        "v": .vector([1, 2]), "u": .vector([0.5, -1, 2]), "s": .scalar(-0.5),
        "e": .matrix(rows: 0, columns: 1, entries: []),
        "h": .scalar(1e300),
    ]
    static let atoms = ["X", "A", "S", "v", "u", "s", "e", "h", "I", "0", "2", "-1", "1e308", "0.5"]
    static let unary = MathEvaluator.functions.filter { $0.arity.contains(1) }.map(\.name)
    static let binary = MathEvaluator.functions.filter { $0.arity.contains(2) }.map(\.name)
    static let operators = ["+", "-", "*", "/", ".*", "^", "<", "==", ">="]

    /// A random formula of at most `depth` levels, as a student could type it.
    static func formula(_ generator: inout SeededGenerator, depth: Int) -> String {
        if depth == 0 || Int.random(in: 0..<4, using: &generator) == 0 {
            return atoms.randomElement(using: &generator)!
        }
        let a = formula(&generator, depth: depth - 1)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return "\(unary.randomElement(using: &generator)!)(\(a))"
        case 1: return "\(binary.randomElement(using: &generator)!)(\(a), \(formula(&generator, depth: depth - 1)))"
        case 2: return "(\(a))^T"
        case 3: return "-(\(a))"
        default:
            return "(\(a)) \(operators.randomElement(using: &generator)!) (\(formula(&generator, depth: depth - 1)))"
        }
    }

    @Test("formulas that trapped the evaluator are errors now")
    func formerTraps() throws {
        for text in ["max(I .* I)", "min(I .* I)", "max(e)", "min(e)", "max(I .* (I .* I))"] {
            let expression = try MathExpression(parsing: text)
            #expect(throws: MathExpressionError.self, "\(text)") {
                try MathEvaluator(variables: Self.variables).evaluate(expression)
            }
        }
        // An identity times an identity, entry by entry, is still the identity, and takes a size beside a matrix.
        let product = try MathEvaluator(variables: Self.variables).evaluate(
            MathExpression(parsing: "(I .* I) .* A + I"))
        #expect(product == .matrix([[3, 0], [0, 4]]))
    }

    @Test("20,000 random formulas each give a value or an error, never a trap")
    func randomFormulas() {
        var generator = SeededGenerator(seed: 0x5EED_F0A1)
        var values = 0
        var errors = 0
        for _ in 0..<20_000 {
            let text = Self.formula(&generator, depth: 5)
            do {
                let value = try MathEvaluator(variables: Self.variables).evaluate(MathExpression(parsing: text))
                if case .matrix(let rows, let columns, let entries) = value {
                    #expect(rows * columns == entries.count, "\(text)")
                }
                values += 1
            } catch {
                errors += 1
            }
        }
        // Both outcomes are common: the generator reaches the evaluator's paths, not only its shape checks.
        #expect(values > 2_000 && errors > 2_000, "values \(values), errors \(errors)")
    }
}
