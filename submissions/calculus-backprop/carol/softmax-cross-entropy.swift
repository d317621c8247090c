import Foundation

func crossEntropyLoss(logits: [Double], label: Int) -> Double {
    var total = 0.0
    for f in logits {
        total += exp(f)
    }
    return -log(exp(logits[label]) / total)
}

func crossEntropyGradient(logits: [Double], label: Int) -> [Double] {
    var total = 0.0
    for f in logits {
        total += exp(f)
    }
    var grad = logits.map { exp($0) / total }
    grad[label] -= 1.0
    return grad
}
