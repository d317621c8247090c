import Foundation

func sigma(_ t: Double) -> Double { 1 / (1 + exp(-t)) }

func matVec(_ A: [[Double]], _ v: [Double]) -> [Double] {
    A.map { row in zip(row, v).map { $0 * $1 }.reduce(0, +) }
}

func residualNetworkGradients(W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double) -> (h: [Double], W1: [[Double]]) {
    let z = matVec(W0, x).map(sigma)
    let s = matVec(W1, z).map(sigma)
    let h = zip(x, s).map { $0 + $1 }
    let g = sigma(zip(w2, h).map { $0 * $1 }.reduce(0, +))
    let dh = w2.map { (g - y) * g * (1 - g) * $0 }
    let dW1 = (0..<s.count).map { d in z.map { dh[d] * s[d] * (1 - s[d]) * $0 } }
    return (h: dh, W1: dW1)
}
