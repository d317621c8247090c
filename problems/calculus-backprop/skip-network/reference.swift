// Reference implementation of skip-network.

/// dE/dx = (a4 - t) w4 (w11 + w12 relu'(x) + w13 relu'(relu(x)) relu'(x)), with relu'(0) = 0.
func skipNetworkInputGradient(w: [Double], b: [Double], x: Double, target: Double) -> Double {
    let a4 = skipNetworkOutput(w: w, b: b, x: x)
    let r = relu(x)
    return (a4 - target) * w[3] * (w[0] + w[1] * reluSlope(x) + w[2] * reluSlope(r) * reluSlope(x))
}

func relu(_ u: Double) -> Double { max(u, 0) }

/// relu'(u), taken as 0 at u = 0.
func reluSlope(_ u: Double) -> Double { u > 0 ? 1 : 0 }

/// The prediction a4 = w4 (a1 + a2 + a3) + b14.
func skipNetworkOutput(w: [Double], b: [Double], x: Double) -> Double {
    let a1 = w[0] * x + b[0]
    let a2 = w[1] * relu(x) + b[1]
    let a3 = w[2] * relu(relu(x)) + b[2]
    return w[3] * (a1 + a2 + a3) + b[3]
}

// Known mistakes.

/// A seed student's: the a3 path taken as w13 relu'(a2) w12 relu'(x).
func skipNetworkInputGradientThroughA2(w: [Double], b: [Double], x: Double, target: Double) -> Double {
    let a4 = skipNetworkOutput(w: w, b: b, x: x)
    let a2 = w[1] * relu(x) + b[1]
    return (a4 - target) * w[3] * (w[0] + w[1] * reluSlope(x) + w[2] * reluSlope(a2) * w[1] * reluSlope(x))
}

func skipNetworkInputGradientIgnoringReluDerivative(w: [Double], b: [Double], x: Double, target: Double) -> Double {
    let a4 = skipNetworkOutput(w: w, b: b, x: x)
    return (a4 - target) * w[3] * (w[0] + w[1] + w[2])
}
