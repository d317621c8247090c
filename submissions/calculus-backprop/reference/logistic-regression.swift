// logistic-regression: the reference implementation, handed in as a student would.
import Foundation

/// The gradient of L(w) = sum_i [-y_i ln f_i - (1 - y_i) ln(1 - f_i)] + ||w||^2: sum_i (f_i - y_i) x_i + 2 w.
func l2LogisticGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    let data = logisticDataGradient(w: w, X: X, y: y)
    return w.indices.map { data[$0] + 2 * w[$0] }
}

/// One step of gradient descent on L: w - eta * grad L(w).
func gradientDescentStep(w: [Double], X: [[Double]], y: [Double], learningRate: Double) -> [Double] {
    let gradient = l2LogisticGradient(w: w, X: X, y: y)
    return w.indices.map { w[$0] - learningRate * gradient[$0] }
}

/// sigmoid(u) = 1 / (1 + e^-u), computed so that exp only sees non-positive arguments and never overflows.
func logisticSigmoid(_ u: Double) -> Double {
    if u >= 0 { return 1 / (1 + exp(-u)) }
    let e = exp(u)
    return e / (1 + e)
}

/// sum_i (f_i - y_i) x_i = X^T (sigmoid(X w) - y), the gradient of the unregularised loss.
func logisticDataGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    var gradient = [Double](repeating: 0, count: w.count)
    for i in X.indices {
        var score = 0.0
        for j in w.indices { score += w[j] * X[i][j] }
        let residual = logisticSigmoid(score) - y[i]
        for j in w.indices { gradient[j] += residual * X[i][j] }
    }
    return gradient
}
