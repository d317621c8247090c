/// The curve scale * x^2 with noise of standard deviation 0.1 from the run's own generator.
func noisyCurve(xs: [Double], scale: Double, seed: UInt64) -> [Double] {
    var random = ExperimentRandom(seed: seed)
    return xs.map { scale * $0 * $0 + 0.1 * random.normal() }
}

/// A fake the rule must reject: a flat line.
func flatCurve(xs: [Double], scale: Double, seed: UInt64) -> [Double] { xs.map { _ in 1 } }

/// One data set: x = 0, ..., 9 and a scale in [1, 2).
func curveData(seed: UInt64) -> (xs: [Double], scale: Double) {
    var random = ExperimentRandom(seed: seed)
    return ((0..<10).map(Double.init), 1 + random.uniform())
}

/// Accepts runs whose median curve is within 0.5 of the reference's at every x.
func curveAccept(xs: [Double], scale: Double, student: [[Double]], reference: [[Double]]) -> (
    score: Double, message: String
) {
    let mine = experimentMedianCurve(student)
    let theirs = experimentMedianCurve(reference)
    guard mine.count == theirs.count, mine.count == xs.count else { return (0, "the curves have the wrong length") }
    let worst = zip(mine, theirs).map { abs($0 - $1) }.max() ?? .infinity
    guard worst.isFinite else { return (0, "the median curve is not finite") }
    return worst < 0.5
        ? (1, "the median curve is within \(worst) of the reference's")
        : (0, "the median curve is off by up to \(worst)")
}
