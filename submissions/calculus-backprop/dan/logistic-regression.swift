import Foundation

func logistic(_ t: Double) -> Double { 1 / (1 + exp(-t)) }

func l2LogisticGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    var g = w.map { 2 * $0 }   // from ||w||^2
    for (xi, yi) in zip(X, y) {
        let f = logistic(zip(w, xi).map { $0 * $1 }.reduce(0, +))
        for j in g.indices { g[j] += (f - yi) * xi[j] }
    }
    return g
}

func gradientDescentStep(w: [Double], X: [[Double]], y: [Double], learningRate: Double) -> [Double] {
    let g = l2LogisticGradient(w: w, X: X, y: y)
    return zip(w, g).map { $0 - learningRate * $1 }
}
