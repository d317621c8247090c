// Right, with a generator of its own: a linear congruential one and uniform noise of the same spread.
func noisyCurve(xs: [Double], scale: Double, seed: UInt64) -> [Double] {
    var state = seed
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    return xs.map { scale * $0 * $0 + 0.2 * (next() - 0.5) }
}
