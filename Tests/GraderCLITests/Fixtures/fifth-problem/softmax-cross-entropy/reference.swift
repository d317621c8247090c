// Reference implementation of softmax-cross-entropy.
import Foundation

/// softmax(z), shifted by max(z) so that exp never overflows.
func softmax(_ z: [Double]) -> [Double] {
    let shift = z.max() ?? 0
    let exponentials = z.map { exp($0 - shift) }
    let total = exponentials.reduce(0, +)
    return exponentials.map { $0 / total }
}

/// dL/dz = softmax(z) - e_label.
func crossEntropyGradient(logits: [Double], label: Int) -> [Double] {
    var gradient = softmax(logits)
    gradient[label] -= 1
    return gradient
}

// Known mistakes.

func softmaxOnly(logits: [Double], label: Int) -> [Double] { softmax(logits) }

func gradientWithFlippedSign(logits: [Double], label: Int) -> [Double] {
    crossEntropyGradient(logits: logits, label: label).map { -$0 }
}
