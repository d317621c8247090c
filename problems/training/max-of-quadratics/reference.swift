// Reference implementation of max-of-quadratics: the gradient of f(x) = max_i (1/2 x^T A_i x + b_i . x) where one
// piece is the largest, and the check that judges a gradient by central differences of f.
import Foundation

/// The piece f_i(x) = 1/2 x^T A x + b . x.
func quadraticPiece(_ A: [[Double]], _ b: [Double], _ x: [Double]) -> Double {
    var value = 0.0
    for r in x.indices {
        var row = 0.0
        for c in x.indices { row += A[r][c] * x[c] }
        value += 0.5 * x[r] * row + b[r] * x[r]
    }
    return value
}

/// f(x) = max_i f_i(x).
func maxOfQuadratics(A: [[[Double]]], b: [[Double]], x: [Double]) -> Double {
    A.indices.map { quadraticPiece(A[$0], b[$0], x) }.max()!
}

/// The index of the largest piece at x (the first, on ties).
func largestPiece(A: [[[Double]]], b: [[Double]], x: [Double]) -> Int {
    let values = A.indices.map { quadraticPiece(A[$0], b[$0], x) }
    return values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
}

/// The gradient of f_i: (A + A^T)/2 x + b (A need not be symmetric).
func pieceGradient(_ A: [[Double]], _ b: [Double], _ x: [Double]) -> [Double] {
    x.indices.map { r in
        var sum = b[r]
        for c in x.indices { sum += 0.5 * (A[r][c] + A[c][r]) * x[c] }
        return sum
    }
}

/// The gradient of f at x: that of the largest piece, which f equals near x.
func maxOfQuadraticsGradient(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    let i = largestPiece(A: A, b: b, x: x)
    return pieceGradient(A[i], b[i], x)
}

/// Central differences of `f` at x, entry by entry, with step 1e-6 max(1, |x_j|).
func centralDifferences(_ f: ([Double]) -> Double, at x: [Double]) -> [Double] {
    x.indices.map { j in
        let h = 1e-6 * max(1, abs(x[j]))
        var plus = x
        var minus = x
        plus[j] += h
        minus[j] -= h
        return (f(plus) - f(minus)) / (plus[j] - minus[j])
    }
}

/// The gap within which two pieces count as tied: there the check accepts the gradient of any tied piece.
let tieGap = 1e-3

/// "" when `output` is the gradient of f at x, judged by central differences of f itself, else what is wrong.
///
/// Where the largest piece leads the others by at least 1e-3, f equals that piece on the steps taken: a step of at
/// most 2e-6 (|x_j| <= 2) moves f_i - f_j by at most 2e-6 times the gradients' difference (below 40 for these
/// inputs) plus 4e-12, far less than 1e-3, so the differences of f are those of one quadratic, exact up to
/// rounding (about 1e-16 |f| / 1e-6 < 1e-8). Where pieces tie within 1e-3, which piece f follows on those steps is a
/// matter of rounding: the check then accepts the gradient of any tied piece, each by the central differences of
/// that piece.
func maxOfQuadraticsCheck(A: [[[Double]]], b: [[Double]], x: [Double], output: [Double]) -> String {
    guard output.count == x.count else {
        return "the gradient has \(output.count) entries, but x has \(x.count)."
    }
    if let bad = output.firstIndex(where: { !$0.isFinite }) {
        return "entry [\(bad)] = \(output[bad]) is not a finite number."
    }
    let values = A.indices.map { quadraticPiece(A[$0], b[$0], x) }
    let top = values.max()!
    let tied = values.indices.filter { values[$0] >= top - tieGap }
    let candidates: [[Double]] =
        tied.count == 1
        ? [centralDifferences({ maxOfQuadratics(A: A, b: b, x: $0) }, at: x)]
        : tied.map { i in centralDifferences({ quadraticPiece(A[i], b[i], $0) }, at: x) }
    func matches(_ expected: [Double]) -> Bool {
        let scale = expected.reduce(0) { max($0, abs($1)) }
        return zip(output, expected).allSatisfy { abs($0 - $1) <= 1e-8 + 1e-6 * (abs($1) + scale) }
    }
    if candidates.contains(where: matches) { return "" }
    let expected = candidates[0]
    let worst = expected.indices.max { abs(output[$0] - expected[$0]) < abs(output[$1] - expected[$1]) }!
    let differences = "[" + expected.map { String(format: "%.6g", $0) }.joined(separator: ", ") + "]"
    if tied.count == 1 {
        return "central differences of f give \(differences) (piece \(tied[0]) is the largest, by "
            + "\(String(format: "%.3g", top - values.filter { $0 < top }.max()!))); entry [\(worst)] differs by "
            + "\(String(format: "%.3g", abs(output[worst] - expected[worst])))."
    }
    return "pieces \(tied.map(String.init).joined(separator: ", ")) are within 1e-3 of the maximum here, so the "
        + "gradient of any of them is accepted, but yours matches none (piece \(tied[0]): \(differences))."
}

// Known mistakes.

/// The gradient of the first piece, wherever the maximum is.
func maxOfQuadraticsGradientOfFirstPiece(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    pieceGradient(A[0], b[0], x)
}

/// The gradient of the sum of the pieces.
func maxOfQuadraticsGradientOfSum(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    A.indices.map { pieceGradient(A[$0], b[$0], x) }.reduce([Double](repeating: 0, count: x.count)) {
        zip($0, $1).map(+)
    }
}

/// A_i x + b_i for the largest piece: the gradient of 1/2 x^T A x taken as A x, right only for symmetric A.
func maxOfQuadraticsGradientUnsymmetrised(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    let i = largestPiece(A: A, b: b, x: x)
    return x.indices.map { r in x.indices.reduce(b[i][r]) { $0 + A[i][r][$1] * x[$1] } }
}
