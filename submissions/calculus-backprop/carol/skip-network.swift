func relu(_ v: Double) -> Double {
    return max(0.0, v)
}

func reluGrad(_ v: Double) -> Double {
    return v > 0 ? 1.0 : 0.0
}

func skipNetworkInputGradient(w: [Double], b: [Double], x: Double, target: Double) -> Double {
    let (w11, w12, w13, w4) = (w[0], w[1], w[2], w[3])
    let (b11, b12, b13, b14) = (b[0], b[1], b[2], b[3])
    let r1 = relu(x)
    let r2 = relu(r1)
    let a1 = w11 * x + b11
    let a2 = w12 * r1 + b12
    let a3 = w13 * r2 + b13
    let a4 = w4 * (a1 + a2 + a3) + b14
    // dE/da4 * da4/dx, summing the three paths
    let dSum = w11 + w12 * reluGrad(x) + w13 * reluGrad(r1) * reluGrad(x)
    return (a4 - target) * w4 * dSum
}
