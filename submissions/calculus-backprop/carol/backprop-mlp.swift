import Foundation

func activationDerivative(_ activation: String, _ z: Double) -> Double {
    if activation == "relu" {
        // relu(z) = z for z >= 0, so its slope is 1 there
        return z >= 0 ? 1 : 0
    } else if activation == "tanh" {
        let t = tanh(z)
        return 1 - t * t
    }
    return 1
}

func applyActivation(_ activation: String, _ z: Double) -> Double {
    if activation == "relu" { return max(0, z) }
    if activation == "tanh" { return tanh(z) }
    return z
}

func mlpGradients(weights: [[[Double]]], biases: [[Double]], activation: String, x: [Double], target: [Double]) -> (weights: [[[Double]]], biases: [[Double]]) {
    let L = weights.count
    var a: [[Double]] = [x]
    var zs: [[Double]] = []
    for l in 0..<L {
        var z = biases[l]
        for i in 0..<weights[l].count {
            for j in 0..<a[l].count {
                z[i] += weights[l][i][j] * a[l][j]
            }
        }
        zs.append(z)
        if l == L - 1 {
            a.append(z)
        } else {
            a.append(z.map { applyActivation(activation, $0) })
        }
    }
    var dW = weights
    var db = biases
    var delta = [Double](repeating: 0, count: a[L].count)
    for i in 0..<delta.count { delta[i] = a[L][i] - target[i] }
    var l = L - 1
    while l >= 0 {
        db[l] = delta
        for i in 0..<weights[l].count {
            for j in 0..<a[l].count {
                dW[l][i][j] = delta[i] * a[l][j]
            }
        }
        if l > 0 {
            var prev = [Double](repeating: 0, count: a[l].count)
            for j in 0..<a[l].count {
                for i in 0..<delta.count {
                    prev[j] += weights[l][i][j] * delta[i]
                }
                prev[j] *= activationDerivative(activation, zs[l - 1][j])
            }
            delta = prev
        }
        l -= 1
    }
    return (weights: dW, biases: db)
}
