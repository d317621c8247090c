// Measures the acceptance rule of hw6's double-descent experiment (problems/hw6/double-descent): how long one curve
// takes, where the reference's median curve peaks, how often a right solution is refused full credit, and what credit
// wrong solutions and fakes get.
//
// For each data set (a data seed and five grader seeds, drawn as the grader draws them) it runs the reference's
// doubleDescentCurve with the grader seeds, then judges with doubleDescentAccept: the reference itself run with OTHER
// seeds, the reference submission (its own SplitMix64 and Marsaglia's polar method), bob's (xorshift and Box-Muller
// with Foundation's log and cos, always the kernel form solved by Gaussian elimination), one W whose first p rows
// serve every p (written here), the functions the problem lists under must-reject, and more wrong ones (alice's, W
// without the 1/sqrt(p) scale, the training error, and two cheats: a typical curve copied from another data set with
// seeded noise of the typical spread, unscaled and scaled to the data). A right solution scoring below 1 is a false
// rejection.
//
// Compile and run from the package root (TOOLKIT: a file holding the code of ExperimentToolkit.source, which the
// grader appends to every reference.swift with an experiment part). Each file is wrapped in a struct of its own, so
// that the reference and the submissions, which define the same names, live side by side:
//
//   TOOLKIT=$(scripts/experiments/toolkit.sh)    # or any file holding the toolkit, e.g. /tmp/exp/toolkit.swift
//   OUT=/tmp/double-descent-acceptance && mkdir -p $OUT
//   wrap() { { echo "import Foundation"; echo "struct $1 {"; grep -v '^import ' "$2"; echo "}"; } > $OUT/$1.swift; }
//   wrap DoubleDescentReference problems/hw6/double-descent/reference.swift
//   wrap ReferenceSubmission submissions/hw6/reference/double-descent.swift
//   wrap BobSubmission submissions/hw6/bob/double-descent.swift
//   wrap AliceSubmission submissions/hw6/alice/double-descent.swift
//   swiftc -O -parse-as-library $TOOLKIT $OUT/DoubleDescentReference.swift $OUT/ReferenceSubmission.swift \
//       $OUT/BobSubmission.swift $OUT/AliceSubmission.swift scripts/experiments/double-descent-acceptance.swift \
//       -o $OUT/run
//   $OUT/run time                # seconds per curve of each implementation
//   $OUT/run judge 0 500         # data sets 0..<500 (split the range to use both cores; SKIP_ALICE=1 leaves out
//                                # alice's curves, which invert p x p matrices and take most of the time)
//   $OUT/run peaks 0 1000        # where the reference's median curves peak
//   $OUT/run robust              # the rule on wrong shapes and absurd numbers
//
// Measured (swiftc -O, Swift 6.3, x86-64; `judge 0 500` and `judge 500 1000`, SKIP_ALICE=1; alice on `judge 0 100`;
// 17 feature counts up to 150, five times n as in the seed):
// - time: 1.8 ms per curve for reference.swift, 2.1 ms for the reference submission, 3.1 ms for bob's, 37 ms for
//   alice's (a p x p inverse at every p); 77 ms for doubleDescentAccept (its 45 curves of its own).
// - right solutions, 1000 data sets (497 with a small lambda): the reference with other seeds 0 below full credit,
//   the reference submission 1 (0.965), bob's 0; location at most 2.1 on 99% of them (4.07 once), spread 0.61 to
//   1.40. One W for every p (first p rows): 20 below full credit (2%), outside what the prompt asks.
// - must-reject (doubleDescentMadeUp, doubleDescentWithoutReLU, doubleDescentNormError, doubleDescentConstant): no
//   credit on 999 of the 1000 data sets; without the ReLU 0.34 on one (location 4.25); alice's curve (the norm, no
//   ReLU): none on any of 100.
// - more wrong ones: the training error some credit on 35 of 1000 (mean 0.030); W without the 1/sqrt(p) scale on
//   546 (mean 0.54: with a small lambda it is only a smaller effective lambda); the typical curve with noise of
//   the typical spread on 108 (mean 0.095), the same scaled to the data's mean of ytest^2 on 579 (mean 0.52).
// - peaks (`peaks 0 1000`): with a small lambda the median of five curves peaks at n on 393 of 497, at n - 2 or
//   n + 2 on 96, at n - 4 or n + 4 on 8; with a large lambda at p <= 15 on 498 of 503, within n - 6..n + 4 on 5.
// - robust: wrong lengths, empty curves, 0, -1, 1e300, 1e-300, the largest and the smallest double, and curves
//   1e100 to 1e260 times the right ones all score 0.
import Foundation

typealias Verdict = (score: Double, message: String)
typealias DataSet = (
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double
)
/// A curve function under test: the data set's arguments and a seed.
typealias CurveFunction = (
    _ Xtrain: [[Double]], _ ytrain: [Double], _ Xtest: [[Double]], _ ytest: [Double], _ featureCounts: [Int],
    _ lambda: Double, _ seed: UInt64
) -> [Double]

@main
struct DoubleDescentAcceptance {
    static let reference = DoubleDescentReference()

    /// Grader seeds per data set: the part's `runs` (5), or RUNS from the environment.
    static let runCount = Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 5

    /// The seeds of data set `index`: the data seed and five grader seeds, 63-bit like the grader's.
    static func seeds(_ index: Int) -> (data: UInt64, runs: [UInt64]) {
        var random = ExperimentRandom(seed: 0x6464_6573_6300 &+ UInt64(index))
        let data = random.next() >> 1
        return (data, (0..<runCount).map { _ in random.next() >> 1 })
    }

    static func main() {
        let arguments = CommandLine.arguments
        let mode = arguments.count > 1 ? arguments[1] : "time"
        let low = arguments.count > 2 ? Int(arguments[2])! : 0
        let high = arguments.count > 3 ? Int(arguments[3])! : 50
        switch mode {
        case "time": timing()
        case "judge": judge(low..<high)
        case "peaks": peaks(low..<high)
        case "robust": robustness()
        default: print("modes: time, judge LOW HIGH, peaks LOW HIGH, robust")
        }
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = Date()
        body()
        return Date().timeIntervalSince(start)
    }

    static func accept(_ d: DataSet, _ student: [[Double]], _ theirs: [[Double]]) -> Verdict {
        reference.doubleDescentAccept(
            Xtrain: d.Xtrain, ytrain: d.ytrain, Xtest: d.Xtest, ytest: d.ytest, featureCounts: d.featureCounts,
            lambda: d.lambda, student: student, reference: theirs)
    }

    static func run(_ f: CurveFunction, _ d: DataSet, _ seed: UInt64) -> [Double] {
        f(d.Xtrain, d.ytrain, d.Xtest, d.ytest, d.featureCounts, d.lambda, seed)
    }

    // MARK: Right solutions and wrong ones written here

    /// One N(0, 1) matrix of max(featureCounts) rows, drawn once; the first p rows over sqrt(p) serve as W for p.
    /// Right: each W has entries N(0, 1/p), only the curves' points are no longer independent of each other.
    static func nestedCurve(
        _ Xtrain: [[Double]], _ ytrain: [Double], _ Xtest: [[Double]], _ ytest: [Double], _ featureCounts: [Int],
        _ lambda: Double, _ seed: UInt64
    ) -> [Double] {
        var random = ExperimentRandom(seed: seed ^ 0x6E65_7374)
        let d = Xtrain[0].count
        let largest = (0..<(featureCounts.max() ?? 0)).map { _ in (0..<d).map { _ in random.normal() } }
        return featureCounts.map { p in
            let W = largest.prefix(p).map { row in row.map { $0 / Double(p).squareRoot() } }
            return reference.ridgeTestError(
                Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: Array(W), lambda: lambda)
        }
    }

    /// W with entries N(0, 1) at every p: the 1/sqrt(p) scale left out (ridge with lambda / p on the right features).
    static func unscaledCurve(
        _ Xtrain: [[Double]], _ ytrain: [Double], _ Xtest: [[Double]], _ ytest: [Double], _ featureCounts: [Int],
        _ lambda: Double, _ seed: UInt64
    ) -> [Double] {
        var random = ExperimentRandom(seed: seed)
        let d = Xtrain[0].count
        return featureCounts.map { p in
            let W = (0..<p).map { _ in (0..<d).map { _ in random.normal() } }
            return reference.ridgeTestError(
                Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
        }
    }

    /// The error on the training set instead of the test set.
    static func trainingCurve(
        _ Xtrain: [[Double]], _ ytrain: [Double], _ Xtest: [[Double]], _ ytest: [Double], _ featureCounts: [Int],
        _ lambda: Double, _ seed: UInt64
    ) -> [Double] {
        var random = ExperimentRandom(seed: seed)
        let d = Xtrain[0].count
        return featureCounts.map { p in
            let W = reference.randomFeatureMatrix(p: p, d: d, random: &random)
            return reference.ridgeTestError(
                Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtrain, ytest: ytrain, W: W, lambda: lambda)
        }
    }

    /// A cheat's material, per kind of lambda (small or large): the median over 20 data sets (not among those
    /// judged) of the reference's median log10(test error / mean of ytest^2) over 10 seeds at each grid position,
    /// and the median of their standard deviations across the seeds. The grid lists n at the same position in every
    /// data set, so the copied curve peaks at n wherever n is.
    static let typical: [Bool: (median: [Double], spread: [Double])] = {
        var table: [Bool: (median: [Double], spread: [Double])] = [:]
        for small in [true, false] {
            var medians: [[Double]] = []
            var spreads: [[Double]] = []
            var seed: UInt64 = 0x7479_7069_6361_6C00
            while medians.count < 20 {
                seed += 1
                let d = reference.doubleDescentData(seed: seed)
                guard (d.lambda < 0.01) == small else { continue }
                let scale = d.ytest.reduce(0) { $0 + $1 * $1 } / Double(d.ytest.count)
                let curves = (0..<10).map {
                    run(reference.doubleDescentCurve, d, UInt64($0) &+ 0xABC).map { log10($0 / scale) }
                }
                medians.append(experimentMedianCurve(curves))
                spreads.append(
                    curves[0].indices.map { i in
                        let column = curves.map { $0[i] }
                        let mean = column.reduce(0, +) / Double(column.count)
                        return (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count - 1))
                            .squareRoot()
                    })
            }
            table[small] = (experimentMedianCurve(medians), experimentMedianCurve(spreads))
        }
        return table
    }()

    /// The typical curve for the data set's kind of lambda with seeded Gaussian noise of the typical spread at each
    /// p (in log10), scaled by the data's mean of ytest^2 (`scaled`) or by 1.25, a typical value of it.
    static func cheat(scaled: Bool) -> CurveFunction {
        { _, _, _, ytest, featureCounts, lambda, seed in
            let t = typical[lambda < 0.01]!
            var random = ExperimentRandom(seed: seed)
            let scale = scaled ? ytest.reduce(0) { $0 + $1 * $1 } / Double(ytest.count) : 1.25
            return featureCounts.indices.map { i in
                let noise = random.normal() * t.spread[min(i, t.spread.count - 1)]
                return scale * pow(10, t.median[min(i, t.median.count - 1)] + noise)
            }
        }
    }

    static func timing() {
        let d = reference.doubleDescentData(seed: seeds(0).data)
        let functions: [(String, CurveFunction)] = [
            ("reference.swift doubleDescentCurve", reference.doubleDescentCurve),
            ("reference submission", ReferenceSubmission().doubleDescentCurve),
            ("bob (kernel form, Gaussian elimination)", BobSubmission().doubleDescentCurve),
            ("alice (inverse of the p x p matrix)", AliceSubmission().doubleDescentCurve),
        ]
        for (name, f) in functions {
            let time = seconds {
                for k in 0..<10 { _ = run(f, d, UInt64(k)) }
            }
            print("\(name): \(String(format: "%.4f", time / 10)) s per curve (\(d.featureCounts.count) feature counts)")
        }
        let rule = seconds {
            let curves = (0..<5).map { run(reference.doubleDescentCurve, d, UInt64($0)) }
            for _ in 0..<100 { _ = accept(d, curves, curves) }
        }
        print("doubleDescentAccept: \(String(format: "%.5f", rule / 100)) s per data set")
    }

    /// Runs every candidate on data sets `range` and prints, per candidate, how many data sets scored below 1 (for a
    /// right one) or above 0 (for a wrong one), the range of its scores, and the quantiles of the rule's two measures.
    /// The reference's band (its five runs and the rule's own 45) is computed once per data set and every candidate
    /// judged against it with doubleDescentJudge, which is what doubleDescentAccept does; the first data set checks
    /// that the two agree.
    static func judge(_ range: Range<Int>) {
        let r = reference
        let candidates: [(name: String, right: Bool, curve: CurveFunction)] = [
            ("reference, other seeds", true, r.doubleDescentCurve),
            ("reference submission", true, ReferenceSubmission().doubleDescentCurve),
            ("bob (kernel form, Box-Muller)", true, BobSubmission().doubleDescentCurve),
            ("one W, its first p rows for each p", true, nestedCurve),
            ("doubleDescentMadeUp", false, r.doubleDescentMadeUp),
            ("doubleDescentWithoutReLU", false, r.doubleDescentWithoutReLU),
            ("doubleDescentNormError", false, r.doubleDescentNormError),
            ("doubleDescentConstant", false, r.doubleDescentConstant),
            ("doubleDescentTrainingError", false, r.doubleDescentTrainingError),
            ("alice (norm, no ReLU)", false, AliceSubmission().doubleDescentCurve),
            ("W without the 1/sqrt(p) scale", false, unscaledCurve),
            ("cheat: typical curve with noise", false, cheat(scaled: false)),
            ("cheat: typical curve scaled to the data, with noise", false, cheat(scaled: true)),
        ]
        let skipAlice = ProcessInfo.processInfo.environment["SKIP_ALICE"] != nil
        var scores: [[Double]] = candidates.map { _ in [] }
        var locations: [[Double]] = candidates.map { _ in [] }
        var spreads: [[Double]] = candidates.map { _ in [] }
        var sets = [0, 0]
        for index in range {
            let (dataSeed, runSeeds) = seeds(index)
            let d = r.doubleDescentData(seed: dataSeed)
            sets[d.lambda < 0.01 ? 0 : 1] += 1
            let theirs = runSeeds.map { run(r.doubleDescentCurve, d, $0) }
            let band = r.doubleDescentBand(
                Xtrain: d.Xtrain, ytrain: d.ytrain, Xtest: d.Xtest, ytest: d.ytest, featureCounts: d.featureCounts,
                lambda: d.lambda, reference: theirs)
            for (c, candidate) in candidates.enumerated() {
                if skipAlice && candidate.name.hasPrefix("alice") { continue }
                // The reference as a student: the same code with other seeds than the comparison's.
                let seeds = c == 0 ? runSeeds.map { $0 ^ 0x5A5A_5A5A_5A5A } : runSeeds
                let mine = seeds.map { run(candidate.curve, d, $0) }
                let verdict = r.doubleDescentJudge(
                    featureCounts: d.featureCounts, lambda: d.lambda, trainingExamples: d.Xtrain.count, band: band,
                    student: mine)
                if index == range.lowerBound {
                    let direct = accept(d, mine, theirs)
                    precondition(direct.score == verdict.score && direct.message == verdict.message)
                }
                scores[c].append(verdict.score)
                if r.doubleDescentShapeProblem(mine, featureCounts: d.featureCounts) == nil {
                    let statistics = r.doubleDescentStatistics(band: band, student: mine)
                    locations[c].append(statistics.location)
                    spreads[c].append(statistics.spread)
                }
                if (candidate.right && verdict.score < 1) || (!candidate.right && verdict.score > 0 && c < 10)
                    || index == range.lowerBound
                {
                    let score = String(format: "%.3f", verdict.score)
                    print(
                        "data set \(index) (lambda \(d.lambda)), \(candidate.name): score \(score): \(verdict.message)")
                }
            }
        }
        func quantiles(_ values: [Double]) -> String {
            guard !values.isEmpty else { return "-" }
            let sorted = values.sorted()
            return [0, 0.01, 0.5, 0.99, 1].map { q in
                String(format: "%.2f", sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1) + 0.5))])
            }.joined(separator: " ")
        }
        print(
            "\(range.count) data sets (\(sets[0]) with a small lambda, \(sets[1]) with a large one), "
                + "\(runCount) seeds each")
        for (c, candidate) in candidates.enumerated() where !scores[c].isEmpty {
            let below = scores[c].filter { $0 < 1 }.count
            let above = scores[c].filter { $0 > 0 }.count
            let mean = scores[c].reduce(0, +) / Double(scores[c].count)
            print(
                "\(candidate.name) (\(candidate.right ? "right" : "wrong")): "
                    + (candidate.right
                        ? "\(below) of \(scores[c].count) data sets below full credit"
                        : "\(above) of \(scores[c].count) data sets with some credit")
                    + String(format: "; scores %.3f..%.3f, mean %.3f", scores[c].min()!, scores[c].max()!, mean)
                    + "; location (min 1% median 99% max) \(quantiles(locations[c])); spread \(quantiles(spreads[c]))")
        }
    }

    /// Where the median of five reference curves peaks, relative to n, per lambda.
    static func peaks(_ range: Range<Int>) {
        var small: [String: Int] = [:]
        var large: [String: Int] = [:]
        for index in range {
            let (dataSeed, runSeeds) = seeds(index)
            let d = reference.doubleDescentData(seed: dataSeed)
            let median = experimentMedianCurve(runSeeds.map { run(reference.doubleDescentCurve, d, $0) })
            let p = d.featureCounts[curvePeakIndex(median)]
            let offset = p - d.Xtrain.count
            let key = abs(offset) <= 10 ? "n\(offset >= 0 ? "+" : "")\(offset)" : "p=\(p)"
            if d.lambda < 0.01 { small[key, default: 0] += 1 } else { large[key, default: 0] += 1 }
        }
        let smallSorted = small.sorted { $0.key < $1.key }
        print("small lambda (\(small.values.reduce(0, +)) data sets): peak of the median curve at \(smallSorted)")
        let largeSorted = large.sorted { $0.key < $1.key }
        print("large lambda (\(large.values.reduce(0, +)) data sets): peak of the median curve at \(largeSorted)")
    }

    /// The rule on outputs no curve function produces: wrong lengths, empty arrays, 0, negatives, 1e300, 1e-300.
    static func robustness() {
        let d = reference.doubleDescentData(seed: seeds(0).data)
        let right = (0..<5).map { run(reference.doubleDescentCurve, d, UInt64($0)) }
        let count = d.featureCounts.count
        let cases: [(String, [Double])] = [
            ("1e300 everywhere", Array(repeating: 1e300, count: count)),
            ("1e-300 everywhere", Array(repeating: 1e-300, count: count)),
            ("-1 everywhere", Array(repeating: -1, count: count)),
            ("0 everywhere", Array(repeating: 0, count: count)),
            ("empty", []), ("one entry short", Array(right[0].dropLast())), ("one entry long", right[0] + [1]),
            ("greatest finite", Array(repeating: .greatestFiniteMagnitude, count: count)),
            ("least nonzero", Array(repeating: .leastNonzeroMagnitude, count: count)),
        ]
        for (name, curve) in cases {
            let one = accept(d, [curve] + Array(right.dropFirst()), right)
            let every = accept(d, Array(repeating: curve, count: 5), right)
            print("\(name): one run \(one.score) (\(one.message.prefix(100))); every run \(every.score)")
        }
        let huge = right.enumerated().map { k, curve in curve.map { $0 * pow(10, Double(100 + 40 * k)) } }
        print("curves 1e100..1e260 times the right ones: \(accept(d, huge, right).score)")
        print("no runs: \(accept(d, [], right))")
        print("two runs: \(accept(d, Array(right.prefix(2)), Array(right.prefix(2))))")
    }
}
