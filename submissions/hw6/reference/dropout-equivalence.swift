/// Inverted dropout: kept units are scaled by 1/(1-p), dropped units are zeroed.
func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    zip(x, keep).map { value, kept in kept ? value / (1 - p) : 0 }
}
