import Foundation
import Testing

@testable import GraderCore

/// hw6's double-descent reference (`problems/hw6/double-descent/reference.swift`), checked by code that shares none
/// with it: ridge regression solved here from the normal equations by Gaussian elimination and by a Cholesky
/// factorisation, the test error written out from its definition, and curves drawn here with other random features
/// (Box-Muller normals from `SeededGenerator`, the kernel form above n features), which the problem's acceptance rule
/// must accept against the reference's curves, and reject without the ReLU or without any spread across seeds.
@Suite("double-descent reference, verified independently")
struct DoubleDescentReferenceTests {
    let session = TestSupport.session

    static let testErrorSignature = """
        func ridgeTestError(Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], \
        lambda: Double) -> Double
        """
    static let dataSignature = """
        func doubleDescentData(seed: UInt64) -> (Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: \
        [Double], featureCounts: [Int], lambda: Double)
        """
    static let curveSignature = """
        func doubleDescentCurve(Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], \
        featureCounts: [Int], lambda: Double, seed: UInt64) -> [Double]
        """
    static let acceptSignature = """
        func doubleDescentAccept(Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], \
        featureCounts: [Int], lambda: Double, student: [[Double]], reference: [[Double]]) -> (score: Double, \
        message: String)
        """

    /// One data set of `doubleDescentData`, as Swift values.
    struct DataSet {
        var Xtrain: [[Double]]
        var ytrain: [Double]
        var Xtest: [[Double]]
        var ytest: [Double]
        var featureCounts: [Int]
        var lambda: Double

        /// The arguments of every function of the problem that takes a data set, in order.
        var arguments: [SnippetValue] {
            [
                TestSupport.matrix(Xtrain), TestSupport.vector(ytrain), TestSupport.matrix(Xtest),
                TestSupport.vector(ytest), .array(featureCounts.map(SnippetValue.int)), .double(lambda),
            ]
        }
    }

    static func matrix(_ value: SnippetValue) -> [[Double]] {
        guard case .array(let rows) = value else { return [] }
        return rows.map(TestSupport.doubles)
    }

    static func integers(_ value: SnippetValue) -> [Int] {
        guard case .array(let entries) = value else { return [] }
        return entries.compactMap { entry -> Int? in
            if case .int(let number) = entry { return number }
            return nil
        }
    }

    static func dataSet(_ value: SnippetValue) -> DataSet? {
        guard case .tuple(let parts) = value, parts.count == 6, case .double(let lambda) = parts[5] else { return nil }
        return DataSet(
            Xtrain: matrix(parts[0]), ytrain: TestSupport.doubles(parts[1]), Xtest: matrix(parts[2]),
            ytest: TestSupport.doubles(parts[3]), featureCounts: integers(parts[4]), lambda: lambda)
    }

    static func verdict(_ value: SnippetValue) -> (score: Double, message: String)? {
        guard case .tuple(let parts) = value, parts.count == 2, case .double(let score) = parts[0],
            case .string(let message) = parts[1]
        else { return nil }
        return (score, message)
    }

    static func relativelyClose(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-12)
    }

    // MARK: ridgeTestError

    /// The arguments of one call of ridgeTestError.
    typealias TestErrorCase = (
        Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
    )

    @Test("ridgeTestError equals the normal equations solved by Gaussian elimination and by Cholesky, p < n, = n, > n")
    func ridgeTestErrorByHand() throws {
        var generator = SeededGenerator(seed: 0x6464_7465_7374)
        var cases: [TestErrorCase] = []
        for index in 0..<24 {
            let n = generator.int(in: 3...10)
            let m = generator.int(in: 2...8)
            let d = generator.int(in: 1...4)
            // Fewer features than examples, as many, and more.
            let p = [max(1, n - 2), n, n + generator.int(in: 1...6)][index % 3]
            // The snippet's lambdas (0.01 to 1), and every fourth case the small lambda of the curves.
            let lambda = index % 4 == 3 ? 1e-4 : generator.double(in: 0.01...1)
            cases.append(
                (
                    DoubleDescentByHand.matrix(n, d, -2...2, &generator),
                    DoubleDescentByHand.vector(n, -2...2, &generator),
                    DoubleDescentByHand.matrix(m, d, -2...2, &generator),
                    DoubleDescentByHand.vector(m, -2...2, &generator),
                    DoubleDescentByHand.matrix(p, d, -1...1, &generator), lambda
                ))
        }
        let outputs = try session.callReference(
            problem: "double-descent", signature: Self.testErrorSignature,
            arguments: cases.map {
                [
                    TestSupport.matrix($0.Xtrain), TestSupport.vector($0.ytrain), TestSupport.matrix($0.Xtest),
                    TestSupport.vector($0.ytest), TestSupport.matrix($0.W), .double($0.lambda),
                ]
            })
        #expect(outputs.count == cases.count)
        for (index, (example, output)) in zip(cases, outputs).enumerated() {
            guard case .double(let got) = output else {
                Issue.record("case \(index): not a number: \(output)")
                continue
            }
            let Phi = DoubleDescentByHand.features(example.Xtrain, example.W, relu: true)
            let PhiTest = DoubleDescentByHand.features(example.Xtest, example.W, relu: true)
            let (A, b) = DoubleDescentByHand.normalEquations(Phi, example.ytrain, example.lambda)
            let byGauss = DoubleDescentByHand.gaussianSolve(A, b)
            let byCholesky = DoubleDescentByHand.choleskySolve(A, b)
            // The normal equations hold for the solution found here (the check on the check).
            let residual = zip(DoubleDescentByHand.times(A, byGauss), b).map { $0 - $1 }
            let scale = A.flatMap { $0 }.map(abs).max()! * byGauss.map(abs).max()! + b.map(abs).max()! + 1
            #expect(residual.allSatisfy { abs($0) <= 1e-9 * scale }, "case \(index): normal equations")
            let expectedGauss = DoubleDescentByHand.meanSquaredError(PhiTest, byGauss, example.ytest)
            let expectedCholesky = DoubleDescentByHand.meanSquaredError(PhiTest, byCholesky, example.ytest)
            // p x p systems with a lambda of 1e-4 are ill-conditioned (condition numbers up to about 1e8 here):
            // backward-stable solvers agree to about 1e-8 of the error there, and to 1e-12 elsewhere.
            let tolerance = example.lambda < 0.01 ? 1e-6 : 1e-9
            #expect(Self.relativelyClose(got, expectedGauss, tolerance), "case \(index): \(got) vs \(expectedGauss)")
            #expect(
                Self.relativelyClose(got, expectedCholesky, tolerance), "case \(index): \(got) vs \(expectedCholesky)")
            // The kernel form Phi^T (Phi Phi^T + lambda I)^-1 y gives the same theta (the push-through identity).
            let kernelTheta = DoubleDescentByHand.kernelRidge(Phi, example.ytrain, example.lambda)
            #expect(
                Self.relativelyClose(
                    got, DoubleDescentByHand.meanSquaredError(PhiTest, kernelTheta, example.ytest), tolerance),
                "case \(index): kernel form")
        }
    }

    // MARK: the data, the curve and the acceptance rule

    @Test("doubleDescentData: shapes, the grid around n, the lambdas, exact ReLU-teacher test labels, determinism")
    func data() throws {
        let seeds = (1...12).map { SnippetValue.int($0 * 7919) }
        let first = try session.callReference(
            problem: "double-descent", signature: Self.dataSignature, arguments: seeds.map { [$0] })
        let again = try session.callReference(
            problem: "double-descent", signature: Self.dataSignature, arguments: seeds.map { [$0] })
        #expect(first == again, "the same seed gives the same data")
        var lambdas: Set<Double> = []
        for (index, value) in first.enumerated() {
            let set = try #require(Self.dataSet(value), "data set \(index)")
            let n = set.Xtrain.count
            let d = set.Xtrain.first?.count ?? 0
            #expect((26...34).contains(n) && (8...14).contains(d), "data set \(index): n = \(n), d = \(d)")
            #expect(set.Xtrain.allSatisfy { $0.count == d } && set.Xtest.allSatisfy { $0.count == d })
            #expect(set.ytrain.count == n && set.Xtest.count == 200 && set.ytest.count == 200)
            #expect(zip(set.featureCounts, set.featureCounts.dropFirst()).allSatisfy { $0 < $1 }, "increasing grid")
            #expect([n - 4, n - 2, n, n + 2, n + 4].allSatisfy { set.featureCounts.contains($0) }, "the grid around n")
            #expect(set.featureCounts.first == 1 && set.featureCounts.last == 150)
            #expect([2e-5, 5e-5, 1e-4, 2e-4, 1, 3].contains(set.lambda), "lambda \(set.lambda)")
            // The test labels are 2 a relu(x . beta), without noise: never negative, zero for about half the rows.
            #expect(set.ytest.allSatisfy { $0 >= 0 })
            let zeros = set.ytest.filter { $0 == 0 }.count
            #expect((40...160).contains(zeros), "data set \(index): \(zeros) of 200 test labels are 0")
            lambdas.insert(set.lambda)
        }
        #expect(lambdas.contains { $0 < 0.01 } && lambdas.contains { $0 >= 1 }, "both kinds of lambda among 12 seeds")
    }

    @Test("curves drawn here with other features pass the rule against the reference's; no ReLU or no spread fail")
    func curvesAndRule() throws {
        let seeds = (1...12).map { SnippetValue.int($0 * 7919) }
        let sets = try session.callReference(
            problem: "double-descent", signature: Self.dataSignature, arguments: seeds.map { [$0] }
        ).compactMap(Self.dataSet)
        // The first data set with a small lambda and the first with a large one.
        let small = try #require(sets.first { $0.lambda < 0.01 })
        let large = try #require(sets.first { $0.lambda >= 1 })
        let runSeeds = [11, 12, 13, 14, 15]
        let referenceCurves = try session.callReference(
            problem: "double-descent", signature: Self.curveSignature,
            arguments: [small, large].flatMap { set in runSeeds.map { set.arguments + [.int($0)] } }
        ).map(TestSupport.doubles)
        #expect(referenceCurves.count == 10)
        var acceptArguments: [[SnippetValue]] = []
        for (index, set) in [small, large].enumerated() {
            let theirs = Array(referenceCurves[(index * 5)..<(index * 5 + 5)])
            #expect(
                theirs.allSatisfy { $0.count == set.featureCounts.count && $0.allSatisfy { $0 > 0 && $0.isFinite } })
            let mine = (0..<5).map { run in
                DoubleDescentByHand.curve(set, seed: 0xD0D0 + UInt64(run), relu: true)
            }
            let linear = (0..<5).map { run in
                DoubleDescentByHand.curve(set, seed: 0xD0D0 + UInt64(run), relu: false)
            }
            let frozen = Array(repeating: mine[0], count: 5)
            let absurd = Array(repeating: Array(repeating: 1e300, count: set.featureCounts.count), count: 5)
            for student in [mine, linear, frozen, absurd] {
                acceptArguments.append(set.arguments + [TestSupport.matrix(student), TestSupport.matrix(theirs)])
            }
            // Where the typical curve peaks: at n (within two grid points) with a small lambda, at p <= 20 with a
            // large one, in the curves drawn here and in the reference's alike.
            let n = set.Xtrain.count
            for curves in [mine, theirs] {
                let median = DoubleDescentByHand.medianCurve(curves)
                let peak = set.featureCounts[median.indices.max { median[$0] < median[$1] }!]
                if set.lambda < 0.01 {
                    #expect(abs(peak - n) <= 4, "small lambda: the median curve peaks at p = \(peak), n = \(n)")
                } else {
                    #expect(peak <= 20, "large lambda: the median curve peaks at p = \(peak), n = \(n)")
                }
            }
        }
        let verdicts = try session.callReference(
            problem: "double-descent", signature: Self.acceptSignature, arguments: acceptArguments
        ).map(Self.verdict)
        #expect(verdicts.count == 8)
        for (index, value) in verdicts.enumerated() {
            let verdict = try #require(value, "verdict \(index)")
            let kind = ["right, written here", "without the ReLU", "one curve for every seed", "1e300"][index % 4]
            let lambda = index < 4 ? "small lambda" : "large lambda"
            if index % 4 == 0 {
                #expect(verdict.score == 1, "\(lambda), \(kind): \(verdict.message)")
            } else {
                #expect(verdict.score == 0, "\(lambda), \(kind): \(verdict.message)")
            }
            #expect(!verdict.message.isEmpty)
        }
    }
}

/// Ridge regression on random ReLU features, written for these tests from the definitions, with no code of the
/// reference's: Gaussian elimination with partial pivoting, a Cholesky factorisation of its own, Box-Muller normals.
enum DoubleDescentByHand {
    static func vector(_ count: Int, _ range: ClosedRange<Double>, _ generator: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in generator.double(in: range) }
    }

    static func matrix(
        _ rows: Int, _ columns: Int, _ range: ClosedRange<Double>, _ generator: inout SeededGenerator
    ) -> [[Double]] {
        (0..<rows).map { _ in vector(columns, range, &generator) }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    static func times(_ A: [[Double]], _ v: [Double]) -> [Double] { A.map { dot($0, v) } }

    /// Row i: relu(W x_i) (or W x_i), one entry per row of W.
    static func features(_ X: [[Double]], _ W: [[Double]], relu: Bool) -> [[Double]] {
        X.map { x in W.map { w in relu ? max(0, dot(w, x)) : dot(w, x) } }
    }

    /// Phi^T Phi + lambda I and Phi^T y.
    static func normalEquations(_ Phi: [[Double]], _ y: [Double], _ lambda: Double) -> (A: [[Double]], b: [Double]) {
        let p = Phi.first?.count ?? 0
        var A = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var b = [Double](repeating: 0, count: p)
        for (row, label) in zip(Phi, y) {
            for i in 0..<p {
                b[i] += row[i] * label
                for j in 0..<p { A[i][j] += row[i] * row[j] }
            }
        }
        for i in 0..<p { A[i][i] += lambda }
        return (A, b)
    }

    /// A x = b by Gaussian elimination with partial pivoting.
    static func gaussianSolve(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
        var A = matrix
        var b = rhs
        let n = b.count
        for column in 0..<n {
            var pivot = column
            for row in column..<n where abs(A[row][column]) > abs(A[pivot][column]) { pivot = row }
            A.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = A[row][column] / A[column][column]
                for k in column..<n { A[row][k] -= factor * A[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum -= A[row][k] * x[k] }
            x[row] = sum / A[row][row]
        }
        return x
    }

    /// A x = b for a symmetric positive definite A: A = R^T R with R upper triangular (row by row), then
    /// R^T z = b and R x = z.
    static func choleskySolve(_ A: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var R = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            var diagonal = A[i][i]
            for k in 0..<i { diagonal -= R[k][i] * R[k][i] }
            R[i][i] = diagonal.squareRoot()
            for j in (i + 1)..<n {
                var entry = A[i][j]
                for k in 0..<i { entry -= R[k][i] * R[k][j] }
                R[i][j] = entry / R[i][i]
            }
        }
        var z = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= R[k][i] * z[k] }
            z[i] = sum / R[i][i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = z[i]
            for k in (i + 1)..<n { sum -= R[i][k] * x[k] }
            x[i] = sum / R[i][i]
        }
        return x
    }

    /// theta = Phi^T (Phi Phi^T + lambda I)^-1 y, by Gaussian elimination of the n x n system.
    static func kernelRidge(_ Phi: [[Double]], _ y: [Double], _ lambda: Double) -> [Double] {
        let n = Phi.count
        let p = Phi.first?.count ?? 0
        var K = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n { K[i][j] = dot(Phi[i], Phi[j]) }
            K[i][i] += lambda
        }
        let alpha = gaussianSolve(K, y)
        return (0..<p).map { k in (0..<n).reduce(0) { $0 + Phi[$1][k] * alpha[$1] } }
    }

    /// (1/m) sum_i (phi(x_i) . theta - y_i)^2, the test error as the problem defines it.
    static func meanSquaredError(_ Phi: [[Double]], _ theta: [Double], _ y: [Double]) -> Double {
        zip(Phi, y).reduce(0) { total, example in
            let error = dot(example.0, theta) - example.1
            return total + error * error
        } / Double(y.count)
    }

    /// A standard normal by Box-Muller from two uniforms of `generator` (the first in (0, 1]).
    static func normal(_ generator: inout SeededGenerator) -> Double {
        let u = 1 - generator.unitInterval()
        let v = generator.unitInterval()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    /// The test error at every p of the data set's grid, each with a fresh W of entries N(0, 1/p) drawn here;
    /// theta from the p x p normal equations when p <= n and from the kernel form above, both by Gaussian
    /// elimination.
    static func curve(_ set: DoubleDescentReferenceTests.DataSet, seed: UInt64, relu: Bool) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        let d = set.Xtrain.first?.count ?? 0
        return set.featureCounts.map { p in
            let W = (0..<p).map { _ in (0..<d).map { _ in normal(&generator) / Double(p).squareRoot() } }
            let Phi = features(set.Xtrain, W, relu: relu)
            let theta: [Double]
            if p <= set.Xtrain.count {
                let (A, b) = normalEquations(Phi, set.ytrain, set.lambda)
                theta = gaussianSolve(A, b)
            } else {
                theta = kernelRidge(Phi, set.ytrain, set.lambda)
            }
            return meanSquaredError(features(set.Xtest, W, relu: relu), theta, set.ytest)
        }
    }

    /// The median of each entry across `curves`.
    static func medianCurve(_ curves: [[Double]]) -> [Double] {
        curves[0].indices.map { index in
            let column = curves.map { $0[index] }.sorted()
            let middle = column.count / 2
            return column.count % 2 == 1 ? column[middle] : (column[middle - 1] + column[middle]) / 2
        }
    }
}
