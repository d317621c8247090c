import Foundation

func sigmoid(_ z: Double) -> Double {
    return 1.0 / (1.0 + exp(-z))
}

// gradient of the logistic loss: sum over examples of (f_i - y_i) * x_i
func l2LogisticGradient(w: [Double], X: [[Double]], y: [Double]) -> [Double] {
    var grad = [Double](repeating: 0.0, count: w.count)
    for i in 0..<X.count {
        var dot = 0.0
        for j in 0..<w.count {
            dot += w[j] * X[i][j]
        }
        let f = sigmoid(dot)
        for j in 0..<w.count {
            grad[j] += (f - y[i]) * X[i][j]
        }
    }
    return grad
}

func gradientDescentStep(w: [Double], X: [[Double]], y: [Double], learningRate: Double) -> [Double] {
    let g = l2LogisticGradient(w: w, X: X, y: y)
    var newW = w
    for j in 0..<w.count {
        newW[j] = w[j] - learningRate * g[j]
    }
    return newW
}
