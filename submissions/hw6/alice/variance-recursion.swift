func outputVariance(widths: [Int]) -> Double {
    var v = 1.0
    for n in widths { v = v / 3.0 + 1.0 / (3.0 * Double(n)) }
    return v
}
