// bipolar-sigmoid: the reference implementation, handed in as a student would.
import Foundation

/// The gradient of L(w) = 1/2 sum_i (f_i - y_i)^2: sum_i (f_i - y_i) (1 - f_i^2)/2 x_i.
func bipolarSigmoidGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    bipolarGradient(w: w, X: X, y: y) { f in (1 - f * f) / 2 }
}

/// f(u) = (1 - e^-u) / (1 + e^-u) = tanh(u/2), which never overflows.
func bipolarSigmoid(_ u: Double) -> Double {
    tanh(u / 2)
}

/// sum_i (f_i - y_i) slope(f_i) x_i, where `slope` gives df/du in terms of f.
func bipolarGradient(w: [Double], X: [[Double]], y: [Double], slope: (Double) -> Double) -> [Double] {
    var gradient = [Double](repeating: 0, count: w.count)
    for i in X.indices {
        var score = 0.0
        for j in w.indices { score += w[j] * X[i][j] }
        let f = bipolarSigmoid(score)
        let delta = (f - y[i]) * slope(f)
        for j in w.indices { gradient[j] += delta * X[i][j] }
    }
    return gradient
}
