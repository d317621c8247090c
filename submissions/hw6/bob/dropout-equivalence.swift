// Does not compile: a missing return type conversion and a typo.
func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    let scale = 1 / (1 - p)
    return x.enumerated().map { (i, v) in keep[i] ? v * scal : 0 }
}
