// network-depth: the reference solution, handed in as a student would.

/// Layer by layer: if the layers so far compute C x + d, the next computes W (C x + d) + b = (W C) x + (W d + b).
func collapseAffine(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double]) {
    var C = weights[0]
    var d = biases[0]
    for l in 1..<weights.count {
        let W = weights[l]
        C = W.map { row in (0..<C[0].count).map { j in (0..<row.count).reduce(0.0) { $0 + row[$1] * C[$1][j] } } }
        d = W.indices.map { i in (0..<W[i].count).reduce(biases[l][i]) { $0 + W[i][$1] * d[$1] } }
    }
    return (C, d)
}
