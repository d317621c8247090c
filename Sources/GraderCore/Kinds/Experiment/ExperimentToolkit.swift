/// The building blocks every acceptance rule may use, compiled after `reference.swift` in a problem with experiments:
/// held-out error, medians and spreads over seeds, the fraction of seeds meeting a property, curve shapes (where a
/// curve peaks, peak over tail, trend), and a seeded generator for data that is the same on every machine.
enum ExperimentToolkit {
    static let source = #"""
        // Building blocks for experiment acceptance rules, compiled after every reference.swift with an experiment.

        /// The median of `values` (the mean of the middle two for an even count); nan for none or when any is nan.
        func experimentMedian(_ values: [Double]) -> Double {
            guard !values.isEmpty, !values.contains(where: { $0.isNaN }) else { return .nan }
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }

        /// The median of each entry across `curves` (all of one length): the typical curve over seeds.
        func experimentMedianCurve(_ curves: [[Double]]) -> [Double] {
            guard let length = curves.first?.count, curves.allSatisfy({ $0.count == length }) else { return [] }
            return (0..<length).map { index in experimentMedian(curves.map { $0[index] }) }
        }

        /// The fraction of `runs` that meet `property`, from 0 to 1.
        func experimentFraction<Run>(_ runs: [Run], meeting property: (Run) -> Bool) -> Double {
            runs.isEmpty ? 0 : Double(runs.filter(property).count) / Double(runs.count)
        }

        /// The mean squared error of `predictions` against `targets`: (1/m) sum (p_i - t_i)^2; nan when the lengths
        /// differ
        /// or a prediction is not finite.
        func heldOutMeanSquaredError(predictions: [Double], targets: [Double]) -> Double {
            guard predictions.count == targets.count, !targets.isEmpty, predictions.allSatisfy({ $0.isFinite }) else {
                return .nan
            }
            return zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(targets.count)
        }

        /// The variance of `values` (divided by the count): the held-out error of predicting their mean.
        func experimentVariance(_ values: [Double]) -> Double {
            guard !values.isEmpty else { return .nan }
            let mean = values.reduce(0, +) / Double(values.count)
            return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        }

        /// The index of the largest entry of `curve` (the first, on ties); -1 for an empty curve or one with a nan.
        func curvePeakIndex(_ curve: [Double]) -> Int {
            guard !curve.isEmpty, !curve.contains(where: { $0.isNaN }) else { return -1 }
            var best = 0
            for index in curve.indices where curve[index] > curve[best] { best = index }
            return best
        }

        /// The curve's peak over its last entry (its tail): large for a curve that rises and falls back, near 1 for one
        /// that only falls to its end or rises to it; nan for an empty curve or a tail that is not positive.
        func curvePeakToTail(_ curve: [Double]) -> Double {
            guard let last = curve.last, last > 0, curvePeakIndex(curve) >= 0 else { return .nan }
            return curve[curvePeakIndex(curve)] / last
        }

        /// The trend of `curve` along its index, Kendall's tau from -1 (always falling) to 1 (always rising); 0 for
        /// fewer
        /// than two entries.
        func curveTrend(_ curve: [Double]) -> Double {
            guard curve.count >= 2 else { return 0 }
            var concordant = 0
            var discordant = 0
            for i in curve.indices {
                for j in curve.indices where j > i {
                    if curve[j] > curve[i] { concordant += 1 } else if curve[j] < curve[i] { discordant += 1 }
                }
            }
            let pairs = curve.count * (curve.count - 1) / 2
            return Double(concordant - discordant) / Double(pairs)
        }

        /// The spread of `curves` across seeds at each entry: the median absolute deviation from the entry's median.
        func experimentSpread(_ curves: [[Double]]) -> [Double] {
            let center = experimentMedianCurve(curves)
            return center.indices.map { index in experimentMedian(curves.map { abs($0[index] - center[index]) }) }
        }

        /// A seeded generator for data and initialisations (SplitMix64): one seed, the same numbers everywhere.
        struct ExperimentRandom {
            private var state: UInt64

            init(seed: UInt64) { state = seed }

            /// The next 64 random bits.
            mutating func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }

            /// A double uniform in [0, 1).
            mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

            /// A draw of mean 0 and variance 1, close to normal (the sum of 12 uniforms minus 6, Irwin-Hall): plain
            /// arithmetic, so the same seed gives the same bits on every machine, which a library's log or cos may not.
            mutating func normal() -> Double {
                var sum = 0.0
                for _ in 0..<12 { sum += uniform() }
                return sum - 6
            }

            /// An integer in 0..<bound.
            mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        }
        """#
}
