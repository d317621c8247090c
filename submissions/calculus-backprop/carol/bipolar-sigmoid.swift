import Foundation

// f = (1 - e^-u) / (1 + e^-u), df/du = (1 - f^2) / 2
func bipolarSigmoidGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    var grad = [Double](repeating: 0.0, count: w.count)
    for i in 0..<X.count {
        var u = 0.0
        for j in 0..<w.count { u += w[j] * X[i][j] }
        let e = exp(-u)
        let f = (1 - e) / (1 + e)
        let dfdu = 0.5 * (1 - f * f)
        for j in 0..<w.count {
            grad[j] += (f - y[i]) * dfdu * X[i][j]
        }
    }
    return grad
}
