import Foundation

func softmax(_ f: [Double]) -> [Double] {
    let top = f.max()!
    let e = f.map { exp($0 - top) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
}

// loss = log(sum exp(f_j)) - f_y, shifted by the max so that nothing overflows
func crossEntropyLoss(logits: [Double], label: Int) -> Double {
    let top = logits.max()!
    let total = logits.map { exp($0 - top) }.reduce(0, +)
    return top + log(total) - logits[label]
}

// gradient: one-hot label minus the softmax
func crossEntropyGradient(logits: [Double], label: Int) -> [Double] {
    let p = softmax(logits)
    return p.indices.map { ($0 == label ? 1.0 : 0.0) - p[$0] }
}
