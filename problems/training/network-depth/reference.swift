// Reference implementation of network-depth: layers without activations collapse into one affine map.
import Foundation

/// The matrix product A B (A is r x s, B is s x t).
func multiply(_ A: [[Double]], _ B: [[Double]]) -> [[Double]] {
    let columns = B.first?.count ?? 0
    return A.map { row in
        (0..<columns).map { j in
            var sum = 0.0
            for k in row.indices { sum += row[k] * B[k][j] }
            return sum
        }
    }
}

/// A v.
func apply(_ A: [[Double]], _ v: [Double]) -> [Double] {
    A.map { row in
        var sum = 0.0
        for k in row.indices { sum += row[k] * v[k] }
        return sum
    }
}

/// The network x -> W_L(...(W_2 (W_1 x + b_1) + b_2)...) + b_L as one map x -> C x + d, layer by layer: after layer
/// l the map so far is x -> C_l x + d_l with C_l = W_l C_{l-1} and d_l = W_l d_{l-1} + b_l, so that every bias
/// passes through all the layers after it.
func collapseAffine(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double]) {
    var C = weights[0]
    var d = biases[0]
    for l in weights.indices.dropFirst() {
        C = multiply(weights[l], C)
        d = zip(apply(weights[l], d), biases[l]).map(+)
    }
    return (C, d)
}

// Known mistakes.

/// C right, but d the biases added up entry by entry (as far as the shortest goes): no bias passes through the
/// layers after it.
func collapseAffineBiasesSummed(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double]) {
    var d = biases[0]
    for bias in biases.dropFirst() { d = zip(d, bias).map(+) }
    return (collapseAffine(weights: weights, biases: biases).C, d)
}

/// d right, but C the product in the order the layers are listed, W_1 W_2 ... W_L; where the sizes do not allow it,
/// the right C.
func collapseAffineReversedProduct(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double]) {
    let right = collapseAffine(weights: weights, biases: biases)
    var C = weights[0]
    for W in weights.dropFirst() {
        guard (C.first?.count ?? 0) == W.count else { return right }
        C = multiply(C, W)
    }
    return (C, right.d)
}
