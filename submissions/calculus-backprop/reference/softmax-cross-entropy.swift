// softmax-cross-entropy: the reference implementation, handed in as a student would.
import Foundation

/// -log softmax(f)_y = log(sum_j exp(f_j - c)) - (f_y - c) with c = max_j f_j (log-sum-exp): every exponent is at
/// most 0 and one is exactly 0, so the sum lies in [1, k] and nothing overflows or underflows to log(0).
func crossEntropyLoss(logits: [Double], label: Int) -> Double {
    let shift = logits.max() ?? 0
    var total = 0.0
    for logit in logits { total += exp(logit - shift) }
    return log(total) - (logits[label] - shift)
}

/// d loss / d f = softmax(f) - e_y.
func crossEntropyGradient(logits: [Double], label: Int) -> [Double] {
    var gradient = stableSoftmax(logits)
    gradient[label] -= 1
    return gradient
}

/// softmax(f) = softmax(f - max_j f_j), so that exp never overflows.
func stableSoftmax(_ logits: [Double]) -> [Double] {
    let shift = logits.max() ?? 0
    let exponentials = logits.map { exp($0 - shift) }
    let total = exponentials.reduce(0, +)
    return exponentials.map { $0 / total }
}
