// erin: right. grad f = grad f_I where I is the index of the largest piece (the proof of #4).

func maxOfQuadraticsGradient(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    let n = x.count
    var values: [Double] = []
    for i in 0..<A.count {
        var quad = 0.0
        var lin = 0.0
        for r in 0..<n {
            lin += b[i][r] * x[r]
            for c in 0..<n { quad += x[r] * A[i][r][c] * x[c] }
        }
        values.append(quad / 2 + lin)
    }
    let I = values.firstIndex(of: values.max()!)!
    // d/dx 1/2 x^T A x = 1/2 (A + A^T) x
    var gradient = b[I]
    for r in 0..<n {
        for c in 0..<n { gradient[r] += (A[I][r][c] + A[I][c][r]) * x[c] / 2 }
    }
    return gradient
}
