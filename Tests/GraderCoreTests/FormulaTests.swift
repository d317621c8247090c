import Foundation
import Testing

@testable import GraderCore

/// The `formula` answer kind on the matrix-derivatives problem of `problems/calculus-backprop`: the spellings of
/// DESIGN section 4b are accepted, formulas right only for symmetric matrices are not, and the answers themselves
/// equal central differences of the functions they differentiate.
@Suite struct FormulaTests {
    static let problems = try! ProblemLoader.load(directory: TestSupport.packageRoot + "/problems/calculus-backprop")

    static func part(_ problem: String, _ id: String) -> Part {
        problems.problem(problem)!.parts.first { $0.id == id }!
    }

    static func grade(_ problem: String, _ id: String, _ answer: String) -> PartGrade {
        part(problem, id).kind.check(
            problem: problem, part: part(problem, id), answer: .plain(answer), key: AnswerKey(expected: nil))
    }

    @Test(
        "every spelling of DESIGN 4b is accepted",
        arguments: [
            ("matrix-derivatives", "trace-square", "2*X^T"), ("matrix-derivatives", "trace-square", "2*X'"),
            ("matrix-derivatives", "trace-square", "2*transpose(X)"), ("matrix-derivatives", "trace-square", "2X^T"),
            ("matrix-derivatives", "trace-square", "X' + X^T"), ("matrix-derivatives", "trace-square", "(2*X)^T"),
            ("matrix-derivatives", "trace-cube", "3*(X^2)^T"), ("matrix-derivatives", "trace-cube", "3*(X^T)^2"),
            ("matrix-derivatives", "trace-cube", "3*X'*X'"), ("matrix-derivatives", "trace-cube", "3*(X*X)'"),
            ("matrix-derivatives", "frobenius", "B"), ("matrix-derivatives", "frobenius", "(B^T)^T"),
            ("matrix-derivatives", "quadratic-form", "(X + X^T)*w"),
            ("matrix-derivatives", "quadratic-form", "X*w + X'*w"),
            ("matrix-derivatives", "quadratic-form", "(w^T*(X + X^T))^T"),
            ("logistic-regression", "gradient", "X^T*(sigmoid(X*w) - y) + 2*w"),
            ("logistic-regression", "gradient", "X'*(sigmoid(X*w) - y) + 2w"),
            ("logistic-regression", "gradient", "2*w - X^T*(y - sigmoid(X*w))"),
            ("least-squares", "closed-form", "inv(X^T*X)*X^T*y"), ("least-squares", "closed-form", "inv(X'*X)*(X'*y)"),
        ])
    func acceptsEquivalentSpellings(problem: String, part: String, answer: String) {
        let grade = Self.grade(problem, part, answer)
        #expect(grade.status == .passed, "\(answer): \(grade.message) \(grade.details)")
    }

    @Test(
        "formulas right only for symmetric matrices are rejected, with the mistake's feedback",
        arguments: [
            ("trace-square", "2*X", "2 X is the derivative only when X is symmetric"),
            ("trace-cube", "3*X^2", "3 X^2 is the derivative only when X is symmetric"),
            ("frobenius", "B^T", "B^T is the derivative of tr(A B)"),
            ("quadratic-form", "2*X*w", nil as String?),
        ])
    func rejectsSymmetricOnlyFormulas(part: String, answer: String, feedback: String?) {
        let grade = Self.grade("matrix-derivatives", part, answer)
        #expect(grade.status == .failed)
        #expect(grade.score == 0)
        #expect(grade.mistake != nil, "\(answer) should be recognised as a known mistake")
        if let feedback { #expect(grade.mistake?.contains(feedback) == true, "\(grade.mistake ?? "no feedback")") }
    }

    @Test func aSymmetricOnlyFormulaWithoutAKnownMistakeIsNamedAsSuch() {
        // Not a declared mistake: X + X^T... transposed the wrong way round in a way only symmetric X forgives.
        let grade = Self.grade("matrix-derivatives", "trace-cube", "3*X*X^T")
        #expect(grade.status == .failed)
        #expect(grade.mistake == nil)
        #expect(
            grade.details.contains { $0.contains("agrees with the answer when the matrices are symmetric") },
            "\(grade.details)")
    }

    @Test func parseErrorsNameTheColumn() {
        let grade = Self.grade("matrix-derivatives", "trace-square", "2*(X^T")
        #expect(grade.status == .failed)
        #expect(grade.message.contains("does not parse"))
        #expect(grade.message.contains("column"), "\(grade.message)")
        #expect(grade.details.contains { $0.contains("^") })
    }

    @Test func unknownNamesAreNamed() {
        let grade = Self.grade("matrix-derivatives", "trace-square", "2*Y^T + Z")
        #expect(grade.status == .failed)
        #expect(grade.message.contains("`Y`") && grade.message.contains("`Z`"), "\(grade.message)")
        #expect(grade.details.contains { $0.contains("`X`") })
    }

    @Test func shapesThatDoNotConformAreNamed() {
        let product = Self.grade("matrix-derivatives", "quadratic-form", "w*X")
        #expect(product.status == .failed)
        #expect(product.message.contains("cannot be evaluated"), "\(product.message)")
        #expect(product.details.contains { $0.contains("X is") && $0.contains("w is") })
        let row = Self.grade("matrix-derivatives", "quadratic-form", "w^T*(X + X^T)")
        #expect(row.status == .failed)
        #expect(row.message.contains("wrong shape"), "\(row.message)")
    }

    @Test func emptyAndNonTextAnswersEarnNothing() {
        let part = Self.part("matrix-derivatives", "trace-square")
        #expect(
            part.kind.check(problem: "matrix-derivatives", part: part, answer: nil, key: AnswerKey(expected: nil))
                .status == .missing)
        #expect(
            part.kind.check(
                problem: "matrix-derivatives", part: part, answer: .plain(""), key: AnswerKey(expected: nil)
            ).score == 0)
        let list = YAMLTree.sequence([.plain("2"), .plain("X")], line: 0)
        #expect(
            part.kind.check(problem: "matrix-derivatives", part: part, answer: list, key: AnswerKey(expected: nil))
                .score == 0)
        #expect(Self.grade("matrix-derivatives", "trace-square", "0").score == 0)
    }

    @Test(
        "hostile formulas fail with a message, quickly, and never crash the grader",
        arguments: [
            String(repeating: "(", count: 5000) + "X" + String(repeating: ")", count: 5000),
            String(repeating: "X+", count: 3000) + "X",
            "X^1000000", "X^-1000000", "X^0.5", "inv(X - X)", "exp(exp(exp(exp(X))))", "log(0*X)", "1/0*X",
            "X^T^T^T^T'",
            "tr(X)^(10^300)", "sum(X)/0", "2*X\u{0}", "2*X^T; rm -rf /", "\"2*X^T\"",
        ])
    func hostileFormulas(formula: String) {
        let start = Date()
        let grade = Self.grade("matrix-derivatives", "trace-square", formula)
        #expect(grade.score == 0 || formula == "X^T^T^T^T'", "\(formula.prefix(40)): \(grade.message)")
        #expect(!grade.message.isEmpty)
        #expect(Date().timeIntervalSince(start) < 5, "\(formula.prefix(40)) took too long")
    }

    // MARK: - The answers, against central differences

    /// Central differences of `f` with respect to every entry of the variable `name` at `point`.
    static func centralDifferences(_ f: ([String: MathValue]) -> Double, at point: [String: MathValue], name: String)
        -> [Double]
    {
        let value = point[name]!
        let (rows, columns) = { if case .matrix(let r, let c, _) = value { return (r, c) } else { return (1, 1) } }()
        let entries = value.entries
        return entries.indices.map { index in
            let h = 1e-6 * max(1, abs(entries[index]))
            var plus = entries
            var minus = entries
            plus[index] += h
            minus[index] -= h
            var up = point
            var down = point
            up[name] = .make(rows: rows, columns: columns, entries: plus)
            down[name] = .make(rows: rows, columns: columns, entries: minus)
            return (f(up) - f(down)) / ((entries[index] + h) - (entries[index] - h))
        }
    }

    static func rows(_ value: MathValue) -> [[Double]] {
        guard case .matrix(let rows, let columns, let entries) = value else { return [[value.entries[0]]] }
        return (0..<rows).map { Array(entries[($0 * columns)..<(($0 + 1) * columns)]) }
    }

    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        a.map { row in (0..<b[0].count).map { j in zip(row, b).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }

    static func trace(_ a: [[Double]]) -> Double { a.indices.reduce(0) { $0 + a[$1][$1] } }

    /// The functions each matrix-derivatives part differentiates, written out with loops, and the variable.
    static let functions: [(part: String, variable: String, f: @Sendable ([String: MathValue]) -> Double)] = [
        (
            "trace-square", "X",
            { point in
                let x = rows(point["X"]!)
                return trace(product(x, x))
            }
        ),
        (
            "trace-cube", "X",
            { point in
                let x = rows(point["X"]!)
                return trace(product(product(x, x), x))
            }
        ),
        (
            "frobenius", "A",
            { point in
                let a = rows(point["A"]!)
                let b = rows(point["B"]!)
                return a.indices.reduce(0) { sum, i in sum + a[i].indices.reduce(0) { $0 + a[i][$1] * b[i][$1] } }
            }
        ),
        (
            "quadratic-form", "w",
            { point in
                let x = rows(point["X"]!)
                let w = point["w"]!.entries
                return x.indices.reduce(0) { sum, i in sum + x[i].indices.reduce(0) { $0 + w[i] * x[i][$1] * w[$1] } }
            }
        ),
    ]

    @Test("each matrix-derivatives answer equals central differences at its trial points", arguments: 0..<4)
    func answersEqualCentralDifferences(index: Int) throws {
        let (id, variable, f) = Self.functions[index]
        guard let spec = (Self.part("matrix-derivatives", id).kind as? FormulaKind)?.spec, let answer = spec.answer
        else {
            Issue.record("\(id) is not a formula part with an answer")
            return
        }
        for point in spec.points() {
            let numeric = Self.centralDifferences(f, at: point, name: variable)
            let formula = try MathEvaluator(variables: point).evaluate(answer).entries
            #expect(numeric.count == formula.count)
            let scale = numeric.map(abs).max() ?? 1
            for (a, b) in zip(numeric, formula) { #expect(abs(a - b) <= 1e-6 * max(1, scale), "\(id): \(a) vs \(b)") }
        }
    }

    @Test func logisticGradientFormulaEqualsCentralDifferencesOfTheLoss() throws {
        guard let spec = (Self.part("logistic-regression", "gradient").kind as? FormulaKind)?.spec,
            let answer = spec.answer
        else {
            Issue.record("no formula")
            return
        }
        // L(w) = sum_i [-y_i ln f_i - (1 - y_i) ln(1 - f_i)] + ||w||^2, written out.
        let loss: ([String: MathValue]) -> Double = { point in
            let x = Self.rows(point["X"]!)
            let y = point["y"]!.entries
            let w = point["w"]!.entries
            var total = w.reduce(0) { $0 + $1 * $1 }
            for (row, label) in zip(x, y) {
                let f = 1 / (1 + exp(-zip(row, w).reduce(0) { $0 + $1.0 * $1.1 }))
                total += -label * log(f) - (1 - label) * log(1 - f)
            }
            return total
        }
        for point in spec.points() {
            let numeric = Self.centralDifferences(loss, at: point, name: "w")
            let formula = try MathEvaluator(variables: point).evaluate(answer).entries
            for (a, b) in zip(numeric, formula) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "\(a) vs \(b)") }
        }
    }

    @Test func closedFormEqualsACholeskySolveAndMeetsTheNormalEquations() throws {
        guard let spec = (Self.part("least-squares", "closed-form").kind as? FormulaKind)?.spec,
            let answer = spec.answer
        else {
            Issue.record("no formula")
            return
        }
        for point in spec.points() {
            let x = Self.rows(point["X"]!)
            let y = point["y"]!.entries
            let w = try MathEvaluator(variables: point).evaluate(answer).entries
            let solved = LeastSquaresSolvers.cholesky(x, y)
            for (a, b) in zip(w, solved) { #expect(abs(a - b) <= 1e-8 * max(1, abs(b)), "\(a) vs \(b)") }
            // X^T (X w - y) = 0.
            let residual = x.indices.map { i in zip(x[i], w).reduce(0) { $0 + $1.0 * $1.1 } - y[i] }
            for j in w.indices {
                let entry = x.indices.reduce(0) { $0 + x[$1][j] * residual[$1] }
                #expect(abs(entry) <= 1e-9 * (1 + x.flatMap { $0 }.map(abs).max()! * 100))
            }
        }
    }
}

/// Least squares solved independently of the grader's evaluator, for the tests.
enum LeastSquaresSolvers {
    /// w minimising ||X w - y||, through the Cholesky factor of X^T X.
    static func cholesky(_ x: [[Double]], _ y: [Double]) -> [Double] {
        let n = x[0].count
        var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var rhs = [Double](repeating: 0, count: n)
        for (row, target) in zip(x, y) {
            for i in 0..<n {
                rhs[i] += row[i] * target
                for j in 0..<n { gram[i][j] += row[i] * row[j] }
            }
        }
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                let sum = (0..<j).reduce(0) { $0 + l[i][$1] * l[j][$1] }
                l[i][j] = i == j ? (gram[i][i] - sum).squareRoot() : (gram[i][j] - sum) / l[j][j]
            }
        }
        var z = [Double](repeating: 0, count: n)
        for i in 0..<n { z[i] = (rhs[i] - (0..<i).reduce(0) { $0 + l[i][$1] * z[$1] }) / l[i][i] }
        var w = [Double](repeating: 0, count: n)
        for i in (0..<n).reversed() { w[i] = (z[i] - ((i + 1)..<n).reduce(0) { $0 + l[$1][i] * w[$1] }) / l[i][i] }
        return w
    }

    /// The same by Householder QR of X: R w = Q^T y.
    static func qr(_ x: [[Double]], _ y: [Double]) -> [Double] {
        var a = x
        var b = y
        let m = a.count
        let n = a[0].count
        for k in 0..<n {
            let norm = (k..<m).reduce(0) { $0 + a[$1][k] * a[$1][k] }.squareRoot()
            let alpha = a[k][k] > 0 ? -norm : norm
            var v = (0..<m).map { $0 < k ? 0 : a[$0][k] }
            v[k] -= alpha
            let vv = v.reduce(0) { $0 + $1 * $1 }
            guard vv > 0 else { continue }
            for j in k..<n {
                let dot = (k..<m).reduce(0) { $0 + v[$1] * a[$1][j] }
                for i in k..<m { a[i][j] -= 2 * dot / vv * v[i] }
            }
            let dot = (k..<m).reduce(0) { $0 + v[$1] * b[$1] }
            for i in k..<m { b[i] -= 2 * dot / vv * v[i] }
        }
        var w = [Double](repeating: 0, count: n)
        for i in (0..<n).reversed() { w[i] = (b[i] - ((i + 1)..<n).reduce(0) { $0 + a[i][$1] * w[$1] }) / a[i][i] }
        return w
    }
}
