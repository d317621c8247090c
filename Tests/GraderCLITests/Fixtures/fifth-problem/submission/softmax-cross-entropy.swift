import Foundation

/// dL/dz_i = p_i - [i == label], with p from a log-sum-exp.
func crossEntropyGradient(logits: [Double], label: Int) -> [Double] {
    let largest = logits.max()!
    let logSum = largest + log(logits.reduce(0) { $0 + exp($1 - largest) })
    return logits.indices.map { exp(logits[$0] - logSum) - ($0 == label ? 1 : 0) }
}
