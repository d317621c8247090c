func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    var out = [Double]()
    for i in 0..<x.count {
        print("debug: unit \(i) kept=\(keep[i])")   // debug output must not matter
        out.append(keep[i] ? x[i] / (1.0 - p) : 0.0)
    }
    return out
}
