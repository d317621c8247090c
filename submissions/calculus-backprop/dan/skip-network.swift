func relu(_ v: Double) -> Double { v > 0 ? v : 0 }
func drelu(_ v: Double) -> Double { v > 0 ? 1 : 0 }

func skipNetworkInputGradient(w: [Double], b: [Double], x: Double, target: Double) -> Double {
    let a1 = w[0] * x + b[0]
    let a2 = w[1] * relu(x) + b[1]
    let a3 = w[2] * relu(relu(x)) + b[2]
    let a4 = w[3] * (a1 + a2 + a3) + b[3]
    // three paths into the sum: a1 directly, a2 through one relu, a3 through a2's relu and then another
    let path1 = w[0]
    let path2 = w[1] * drelu(x)
    let path3 = w[2] * drelu(a2) * w[1] * drelu(x)
    return (a4 - target) * w[3] * (path1 + path2 + path3)
}
