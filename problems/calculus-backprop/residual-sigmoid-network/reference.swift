// Reference implementation of residual-sigmoid-network.
import Foundation

/// dL/dh and dL/dW1 for z = sigmoid(W0 x), s = sigmoid(W1 z), h = x + s, g = sigmoid(w2 . h), L = 1/2 (g - y)^2.
func residualNetworkGradients(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double
) -> (h: [Double], W1: [[Double]]) {
    let forward = residualSigmoidForward(W0: W0, W1: W1, w2: w2, x: x)
    let g = forward.g
    // One output sigmoid: dg/dh_j = sigmoid'(w2 . h) w2_j = g (1 - g) w2_j.
    let gradientH = w2.map { (g - y) * g * (1 - g) * $0 }
    return (gradientH, weightGradient(gradientH: gradientH, s: forward.s, z: forward.z, withSlope: true))
}

/// sigmoid(u) = 1 / (1 + e^-u), computed so that exp only sees non-positive arguments and never overflows.
func stableSigmoid(_ u: Double) -> Double {
    if u >= 0 { return 1 / (1 + exp(-u)) }
    let e = exp(u)
    return e / (1 + e)
}

/// The forward pass: the hidden layer z, the residual branch s, h = x + s and the output g.
func residualSigmoidForward(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double]
) -> (z: [Double], s: [Double], h: [Double], g: Double) {
    let z = W0.map { row in stableSigmoid(zip(row, x).reduce(0) { $0 + $1.0 * $1.1 }) }
    let s = W1.map { row in stableSigmoid(zip(row, z).reduce(0) { $0 + $1.0 * $1.1 }) }
    let h = zip(x, s).map { $0 + $1 }
    let g = stableSigmoid(zip(w2, h).reduce(0) { $0 + $1.0 * $1.1 })
    return (z, s, h, g)
}

/// dL/dW1[d][m] = dL/dh_d s_d (1 - s_d) z_m (without the factor s_d (1 - s_d) when `withSlope` is false).
func weightGradient(gradientH: [Double], s: [Double], z: [Double], withSlope: Bool) -> [[Double]] {
    gradientH.indices.map { d in
        let delta = withSlope ? gradientH[d] * s[d] * (1 - s[d]) : gradientH[d]
        return z.map { delta * $0 }
    }
}

// Known mistakes.

/// A seed student's: sigmoid'(w2_j h_j) per unit instead of sigmoid'(w2 . h), carried on into dL/dW1.
func residualNetworkGradientsWithPerUnitSigmoidDerivative(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double
) -> (h: [Double], W1: [[Double]]) {
    let forward = residualSigmoidForward(W0: W0, W1: W1, w2: w2, x: x)
    let gradientH = w2.indices.map { j -> Double in
        let unit = stableSigmoid(w2[j] * forward.h[j])
        return (forward.g - y) * unit * (1 - unit) * w2[j]
    }
    return (gradientH, weightGradient(gradientH: gradientH, s: forward.s, z: forward.z, withSlope: true))
}

func residualNetworkGradientsWithoutOutputSigmoidDerivative(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double
) -> (h: [Double], W1: [[Double]]) {
    let forward = residualSigmoidForward(W0: W0, W1: W1, w2: w2, x: x)
    let gradientH = w2.map { (forward.g - y) * $0 }
    return (gradientH, weightGradient(gradientH: gradientH, s: forward.s, z: forward.z, withSlope: true))
}

func residualNetworkGradientsWithoutInnerSigmoidDerivative(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double
) -> (h: [Double], W1: [[Double]]) {
    let forward = residualSigmoidForward(W0: W0, W1: W1, w2: w2, x: x)
    let g = forward.g
    let gradientH = w2.map { (g - y) * g * (1 - g) * $0 }
    return (gradientH, weightGradient(gradientH: gradientH, s: forward.s, z: forward.z, withSlope: false))
}

/// A seed student's (002, lines 331-341): dL/dW1[d][m] = dL/dh_d (dh_d/dW1[d][m])^2, the factor
/// dh_d/dW1[d][m] = s_d (1 - s_d) z_m written twice in the chain rule; dL/dh right.
func residualNetworkGradientsWithRepeatedFactor(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double
) -> (h: [Double], W1: [[Double]]) {
    let right = residualNetworkGradients(W0: W0, W1: W1, w2: w2, x: x, y: y)
    let forward = residualSigmoidForward(W0: W0, W1: W1, w2: w2, x: x)
    return (right.h, repeatedFactorGradient(gradientH: right.h, s: forward.s, z: forward.z))
}

/// The same seed student's two mistakes together (002, lines 324-326 and 331-341): sigmoid'(w2_j h_j) per unit in
/// dL/dh, and the factor dh_d/dW1[d][m] repeated in dL/dW1.
func residualNetworkGradientsWithPerUnitSigmoidDerivativeAndRepeatedFactor(
    W0: [[Double]], W1: [[Double]], w2: [Double], x: [Double], y: Double
) -> (h: [Double], W1: [[Double]]) {
    let perUnit = residualNetworkGradientsWithPerUnitSigmoidDerivative(W0: W0, W1: W1, w2: w2, x: x, y: y)
    let forward = residualSigmoidForward(W0: W0, W1: W1, w2: w2, x: x)
    return (perUnit.h, repeatedFactorGradient(gradientH: perUnit.h, s: forward.s, z: forward.z))
}

/// dL/dh_d (s_d (1 - s_d) z_m)^2: the factor dh_d/dW1[d][m] taken twice.
func repeatedFactorGradient(gradientH: [Double], s: [Double], z: [Double]) -> [[Double]] {
    gradientH.indices.map { d in
        z.map { zm in
            let factor = s[d] * (1 - s[d]) * zm
            return gradientH[d] * factor * factor
        }
    }
}
