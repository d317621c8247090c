// frank: C right; d adds the biases up.

func collapseAffine(weights: [[[Double]]], biases: [[Double]]) -> (C: [[Double]], d: [Double]) {
    var C = weights[0]
    var d = biases[0]
    for l in 1..<weights.count {
        var next: [[Double]] = []
        for row in weights[l] {
            var out = [Double](repeating: 0, count: C[0].count)
            for k in 0..<row.count {
                for j in 0..<out.count { out[j] += row[k] * C[k][j] }
            }
            next.append(out)
        }
        C = next
        d = zip(d, biases[l]).map { $0 + $1 }
    }
    return (C, d)
}
