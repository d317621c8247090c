import Foundation

func sig(_ x: Double) -> Double {
    return 1.0 / (1.0 + exp(-x))
}

func residualNetworkGradients(W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double) -> (h: [Double], W1: [[Double]]) {
    let M = W0.count
    let D = x.count
    // forward pass
    var z = [Double](repeating: 0, count: M)
    for m in 0..<M {
        var a = 0.0
        for d in 0..<D { a += W0[m][d] * x[d] }
        z[m] = sig(a)
    }
    var s = [Double](repeating: 0, count: D)
    var h = [Double](repeating: 0, count: D)
    for d in 0..<D {
        var a = 0.0
        for m in 0..<M { a += W1[d][m] * z[m] }
        s[d] = sig(a)
        h[d] = x[d] + s[d]
    }
    var u = 0.0
    for d in 0..<D { u += w2[d] * h[d] }
    let g = sig(u)
    // backward pass: dL/dg = g - y, and each h_j goes through the output sigmoid with weight w2_j
    var dh = [Double](repeating: 0, count: D)
    for j in 0..<D {
        let sj = sig(w2[j] * h[j])
        dh[j] = (g - y) * sj * (1 - sj) * w2[j]
    }
    var dW1 = [[Double]](repeating: [Double](repeating: 0, count: M), count: D)
    for d in 0..<D {
        for m in 0..<M {
            dW1[d][m] = dh[d] * s[d] * (1 - s[d]) * z[m]
        }
    }
    return (h: dh, W1: dW1)
}
