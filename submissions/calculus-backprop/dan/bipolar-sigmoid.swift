import Foundation

func bipolar(_ t: Double) -> Double { (1 - exp(-t)) / (1 + exp(-t)) }

// L = 1/2 sum (f - y)^2, dL/dw = sum (f - y) f'(u) x with f' = f(1 - f)
func bipolarSigmoidGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    var g = [Double](repeating: 0, count: w.count)
    for (xi, yi) in zip(X, y) {
        let f = bipolar(zip(w, xi).map { $0 * $1 }.reduce(0, +))
        let d = (f - yi) * f * (1 - f)
        for j in g.indices { g[j] += d * xi[j] }
    }
    return g
}
