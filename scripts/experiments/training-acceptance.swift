// Measures the acceptance rules of the training assignment's experiments (problems/training): how long a training
// run takes, how often a right solution is refused full credit, and what credit the fakes get.
//
// For each data set (a data seed and five grader seeds, as the grader draws them) it runs the reference's function
// with the grader seeds, then judges with the problem's acceptance rule: the reference itself run with OTHER seeds,
// the reference submission (a student's own code: its own generator, PyTorch's initialisation, nested arrays), frank's
// trainRegressor (Glorot initialisation, zero biases, another generator and shuffle, batched matrices), and every
// function the problem lists under must-reject. A right solution scoring below 1 is a false rejection.
//
// Compile and run from the package root (TOOLKIT: a file holding the code of ExperimentToolkit.source, which the
// grader appends to every reference.swift with an experiment part). Each file is wrapped in a struct of its own, so
// that the references and the submissions, which define the same names, live side by side:
//
//   TOOLKIT=$(scripts/experiments/toolkit.sh)
//   OUT=/tmp/training-acceptance && mkdir -p $OUT
//   wrap() { { echo "import Foundation"; echo "struct $1 {"; grep -v '^import ' "$2"; echo "}"; } > $OUT/$1.swift; }
//   wrap RegressionReference problems/training/mlp-regression/reference.swift
//   wrap NoisyReference problems/training/noisy-labels/reference.swift
//   wrap RegressionSubmission submissions/training/reference/mlp-regression.swift
//   wrap NoisySubmission submissions/training/reference/noisy-labels.swift
//   wrap FrankRegression submissions/training/frank/mlp-regression.swift
//   swiftc -O $TOOLKIT $OUT/RegressionReference.swift $OUT/NoisyReference.swift $OUT/RegressionSubmission.swift \
//       $OUT/NoisySubmission.swift $OUT/FrankRegression.swift scripts/experiments/training-acceptance.swift -o $OUT/run
//   $OUT/run time                    # seconds per training run of each implementation
//   $OUT/run regression 0 50         # data sets 0..<50 of trainRegressor (split the range to use both cores)
//   $OUT/run noisy 0 50              # data sets 0..<50 of fitNoisyLabels
//   $OUT/run robust                  # the rules on wrong shapes and absurd numbers
//
// Measured with Swift 6.3.1 on two cores. time: trainRegressor 0.10-0.12 s per run (reference.swift), 0.44 s (reference
// submission), 0.24 s (frank); fitNoisyLabels 0.066 s and 0.28 s. regression 0..<50: the three right solutions got
// full credit on 50 of 50 data sets each (their medians at most 0.78 of the full-credit bar), the four fakes 0 on 50
// of 50. noisy 0..<150: the three right solutions full credit on 150 of 150 each (at most 0.89 of the bar), the three
// fakes 0 on 150 of 150, a run stopped after a twentieth of its epochs partial credit (full on 16 of 150). robust:
// wrong shapes, empty networks and 1e300 or 1e-300 in every run score 0; one absurd run among five good ones does not
// move the median.
import Foundation

typealias Network = (weights: [[[Double]]], biases: [[Double]])
typealias Verdict = (score: Double, message: String)

/// A training function under test: the data set's arguments and a seed.
typealias Trainer = (
    _ x: [Double], _ y: [Double], _ hidden: Int, _ activation: String, _ epochs: Int, _ batchSize: Int,
    _ learningRate: Double, _ seed: UInt64
) -> Network

@main
struct TrainingAcceptance {
    static let regression = RegressionReference()
    static let noisy = NoisyReference()

    /// The seeds of data set `index`: the data seed and five grader seeds, 63-bit like the grader's.
    static func seeds(_ index: Int) -> (data: UInt64, runs: [UInt64]) {
        var random = ExperimentRandom(seed: 0x7472_6169_6E00 &+ UInt64(index))
        let data = random.next() >> 1
        return (data, (0..<5).map { _ in random.next() >> 1 })
    }

    static func main() {
        let arguments = CommandLine.arguments
        let mode = arguments.count > 1 ? arguments[1] : "time"
        let low = arguments.count > 2 ? Int(arguments[2])! : 0
        let high = arguments.count > 3 ? Int(arguments[3])! : 50
        switch mode {
        case "time": timing()
        case "regression": judgeRegression(low..<high)
        case "noisy": judgeNoisy(low..<high)
        case "robust": robustness()
        default: print("modes: time, regression LOW HIGH, noisy LOW HIGH, robust")
        }
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = Date()
        body()
        return Date().timeIntervalSince(start)
    }

    static func timing() {
        let d = regression.regressionData(seed: seeds(0).data)
        let regressionTrainers: [(String, Trainer)] = [
            ("reference.swift trainRegressor", regression.trainRegressor),
            ("reference submission trainRegressor", RegressionSubmission().trainRegressor),
            ("frank's trainRegressor", FrankRegression().trainRegressor),
        ]
        for (name, train) in regressionTrainers {
            let time = seconds {
                for k in 0..<3 {
                    _ = train(d.x, d.y, d.hidden, d.activation, d.epochs, d.batchSize, d.learningRate, UInt64(k))
                }
            }
            print("\(name): \(String(format: "%.3f", time / 3)) s per run")
        }
        let n = noisy.noisyLabelsData(seed: seeds(0).data)
        let noisyTrainers: [(String, Trainer)] = [
            ("reference.swift fitNoisyLabels", noisy.fitNoisyLabels),
            ("reference submission fitNoisyLabels", NoisySubmission().fitNoisyLabels),
        ]
        for (name, train) in noisyTrainers {
            let time = seconds {
                for k in 0..<3 {
                    _ = train(n.x, n.y, n.hidden, n.activation, n.epochs, n.batchSize, n.learningRate, UInt64(k))
                }
            }
            print("\(name): \(String(format: "%.3f", time / 3)) s per run")
        }
    }

    /// Runs `candidates` on data sets `range` and prints, per candidate, how many data sets scored below 1 and the
    /// lowest score; `rightOnes` are the right solutions (whose scores below 1 are false rejections).
    static func judge(
        _ range: Range<Int>,
        data: (UInt64) -> (
            x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int,
            batchSize: Int, learningRate: Double
        ),
        reference: Trainer, candidates: [(name: String, right: Bool, train: Trainer)],
        accept: (
            _ data: (
                x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int,
                learningRate: Double
            ), _ student: [Network], _ reference: [Network]
        ) -> Verdict,
        measure: (
            _ data: (
                x: [Double], y: [Double], hidden: Int, activation: String, epochs: Int, batchSize: Int,
                learningRate: Double
            ), _ student: [Network], _ reference: [Network]
        ) -> (median: Double, full: Double)
    ) {
        var below = [Int](repeating: 0, count: candidates.count)
        var lowest = [Double](repeating: 1, count: candidates.count)
        var highest = [Double](repeating: 0, count: candidates.count)
        // The largest ratio of a right solution's median to the full-credit threshold: its margin.
        var closest = [Double](repeating: 0, count: candidates.count)
        var medians: [[Double]] = candidates.map { _ in [] }
        for index in range {
            let (dataSeed, runSeeds) = seeds(index)
            let d = data(dataSeed)
            func outputs(_ train: Trainer, _ seeds: [UInt64]) -> [Network] {
                seeds.map { train(d.x, d.y, d.hidden, d.activation, d.epochs, d.batchSize, d.learningRate, $0) }
            }
            let theirs = outputs(reference, runSeeds)
            for (c, candidate) in candidates.enumerated() {
                // The reference as a student: the same code with other seeds than the comparison's.
                let seeds =
                    candidate.name == "reference, other seeds" ? runSeeds.map { $0 ^ 0x5A5A_5A5A_5A5A } : runSeeds
                let mine = outputs(candidate.train, seeds)
                let verdict = accept(d, mine, theirs)
                let measured = measure(d, mine, theirs)
                closest[c] = max(closest[c], measured.median / measured.full)
                medians[c].append(measured.median)
                if verdict.score < 1 { below[c] += 1 }
                lowest[c] = min(lowest[c], verdict.score)
                highest[c] = max(highest[c], verdict.score)
                if (candidate.right && verdict.score < 1) || (!candidate.right && verdict.score > 0)
                    || index == range.lowerBound
                {
                    print(
                        "data set \(index), \(candidate.name): score \(String(format: "%.3f", verdict.score)): \(verdict.message)"
                    )
                }
            }
        }
        for (c, candidate) in candidates.enumerated() {
            print(
                "\(candidate.name) (\(candidate.right ? "right" : candidate.name.contains("informational") ? "partial" : "must reject")): \(below[c]) of \(range.count) data sets "
                    + "below full credit; scores \(String(format: "%.3f", lowest[c]))..\(String(format: "%.3f", highest[c])); "
                    + "medians \(String(format: "%.3f", medians[c].min()!))..\(String(format: "%.3f", medians[c].max()!)), "
                    + "largest median / full-credit threshold \(String(format: "%.2f", closest[c]))")
        }
    }

    static func judgeRegression(_ range: Range<Int>) {
        let r = regression
        judge(
            range, data: r.regressionData, reference: r.trainRegressor,
            candidates: [
                ("reference, other seeds", true, r.trainRegressor),
                ("reference submission", true, RegressionSubmission().trainRegressor),
                ("frank (Glorot, sorted-key shuffle)", true, FrankRegression().trainRegressor),
                ("trainRegressorWithoutStep", false, r.trainRegressorWithoutStep),
                ("trainRegressorRandomWeights", false, r.trainRegressorRandomWeights),
                ("trainRegressorZeroWeights", false, r.trainRegressorZeroWeights),
                ("trainRegressorMeanOnly", false, r.trainRegressorMeanOnly),
            ],
            accept: { d, student, reference in
                r.regressionAccept(
                    x: d.x, y: d.y, hidden: d.hidden, activation: d.activation, epochs: d.epochs,
                    batchSize: d.batchSize, learningRate: d.learningRate, student: student, reference: reference)
            },
            measure: { d, student, reference in
                let heldOut = r.regressionHeldOut()
                let mine = experimentMedian(
                    student.map { r.heldOutError($0, activation: d.activation, heldOut: heldOut) })
                let theirs = experimentMedian(
                    reference.map { r.heldOutError($0, activation: d.activation, heldOut: heldOut) })
                return (
                    mine,
                    r.regressionScore(student: mine, reference: theirs, variance: experimentVariance(heldOut.y)).full
                )
            })
    }

    static func judgeNoisy(_ range: Range<Int>) {
        let n = noisy
        judge(
            range, data: n.noisyLabelsData, reference: n.fitNoisyLabels,
            candidates: [
                ("reference, other seeds", true, n.fitNoisyLabels),
                ("reference submission", true, NoisySubmission().fitNoisyLabels),
                ("frank's trainRegressor on the noisy labels", true, FrankRegression().trainRegressor),
                ("fitNoisyLabelsWithoutStep", false, n.fitNoisyLabelsWithoutStep),
                ("fitNoisyLabelsRandomWeights", false, n.fitNoisyLabelsRandomWeights),
                ("fitNoisyLabelsMeanOnly", false, n.fitNoisyLabelsMeanOnly),
                // Not a fake but an unfinished run, shown for its partial credit: a twentieth of the epochs.
                (
                    "stopped after a twentieth of the epochs (informational)", false,
                    { x, y, hidden, activation, epochs, batchSize, learningRate, seed in
                        n.fitNoisyLabels(
                            x: x, y: y, hidden: hidden, activation: activation, epochs: epochs / 20,
                            batchSize: batchSize, learningRate: learningRate, seed: seed)
                    }
                ),
            ],
            accept: { d, student, reference in
                n.noisyLabelsAccept(
                    x: d.x, y: d.y, hidden: d.hidden, activation: d.activation, epochs: d.epochs,
                    batchSize: d.batchSize, learningRate: d.learningRate, student: student, reference: reference)
            },
            measure: { d, student, reference in
                let act = NoisyReference.HiddenActivation(d.activation)
                func median(_ runs: [Network]) -> Double {
                    experimentMedian(
                        runs.map { n.meanSquaredError($0, activation: act, x: d.x, y: d.y) / n.labelNoiseVariance })
                }
                let mine = median(student)
                let variance = experimentVariance(d.y) / n.labelNoiseVariance
                return (
                    mine, n.memorisationScore(student: mine, reference: median(reference), labelVariance: variance).full
                )
            })
    }

    /// The rules on outputs no training produces: wrong shapes, empty arrays, 1e300 and 1e-300 everywhere.
    static func robustness() {
        let d = regression.regressionData(seed: seeds(0).data)
        let right = (0..<5).map {
            regression.trainRegressor(
                x: d.x, y: d.y, hidden: d.hidden, activation: d.activation, epochs: d.epochs, batchSize: d.batchSize,
                learningRate: d.learningRate, seed: UInt64($0))
        }
        func filled(_ value: Double) -> Network {
            (right[0].weights.map { $0.map { $0.map { _ in value } } }, right[0].biases.map { $0.map { _ in value } })
        }
        var shortRow = right[0]
        shortRow.weights[1][3].removeLast()
        var longBias = right[0]
        longBias.biases[2].append(0)
        var transposed = right[0]
        transposed.weights[0] = [right[0].weights[0].map { $0[0] }]
        let cases: [(String, Network)] = [
            ("1e300 everywhere", filled(1e300)), ("-1e300 everywhere", filled(-1e300)),
            ("1e-300 everywhere", filled(1e-300)),
            ("empty", ([], [])),
            ("every array empty", (right[0].weights.map { _ in [] }, right[0].biases.map { _ in [] })),
            ("a row one short", shortRow), ("a bias one long", longBias), ("weights[0] transposed", transposed),
            ("two layers", (Array(right[0].weights.prefix(2)), Array(right[0].biases.prefix(2)))),
        ]
        for (name, network) in cases {
            let student = [network] + Array(right.dropFirst())
            let allBad = [Network](repeating: network, count: 5)
            for (label, runs) in [("one run", student), ("every run", allBad)] {
                let a = regression.regressionAccept(
                    x: d.x, y: d.y, hidden: d.hidden, activation: d.activation, epochs: d.epochs,
                    batchSize: d.batchSize, learningRate: d.learningRate, student: runs, reference: right)
                let b = noisy.noisyLabelsAccept(
                    x: d.x, y: d.y, hidden: d.hidden, activation: d.activation, epochs: d.epochs,
                    batchSize: d.batchSize, learningRate: d.learningRate, student: runs, reference: right)
                print("\(name), \(label): regression \(a.score) (\(a.message.prefix(110))); noisy \(b.score)")
            }
        }
        let none = regression.regressionAccept(
            x: d.x, y: d.y, hidden: d.hidden, activation: d.activation, epochs: d.epochs, batchSize: d.batchSize,
            learningRate: d.learningRate, student: [], reference: right)
        print("no runs: \(none.score) (\(none.message))")
    }
}
