// Reference implementation of double-descent: ridge regression on random ReLU features phi(x) = relu(W x), its
// test error, the test error as a function of the number of features p (the double descent curve), and the rule
// that judges a student's curves against the reference's over several draws of W.
import Foundation

// MARK: Ridge regression on random ReLU features

/// phi(x) = relu(W x) for every row x of `X`: row i of the result is the feature vector of example i (p entries).
func reluFeatures(X: [[Double]], W: [[Double]]) -> [[Double]] {
    X.map { x in
        W.map { w in
            var z = 0.0
            for j in x.indices { z += w[j] * x[j] }
            return max(z, 0)
        }
    }
}

/// Solves the symmetric positive definite system A x = b by a Cholesky factorisation A = L L^T, forward and back
/// substitution.
func solveSymmetricPositiveDefinite(_ A: [[Double]], _ b: [Double]) -> [Double] {
    let n = b.count
    var L = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0...i {
            var sum = A[i][j]
            for k in 0..<j { sum -= L[i][k] * L[j][k] }
            L[i][j] = i == j ? sqrt(sum) : sum / L[j][j]
        }
    }
    var z = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var sum = b[i]
        for k in 0..<i { sum -= L[i][k] * z[k] }
        z[i] = sum / L[i][i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var sum = z[i]
        for k in (i + 1)..<n { sum -= L[k][i] * x[k] }
        x[i] = sum / L[i][i]
    }
    return x
}

/// The ridge solution theta = (Phi^T Phi + lambda I)^-1 Phi^T y for features `Phi` (n x p) and labels y (n).
/// With p <= n it solves the p x p system itself; with p > n it uses the same solution in its kernel form,
/// theta = Phi^T (Phi Phi^T + lambda I)^-1 y (push-through identity), an n x n system. Both matrices are symmetric
/// positive definite for lambda > 0, so Cholesky never meets a zero pivot.
func ridgeWeights(features Phi: [[Double]], y: [Double], lambda: Double) -> [Double] {
    let n = Phi.count
    let p = Phi.first?.count ?? 0
    if p <= n {
        var gram = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var moment = [Double](repeating: 0, count: p)
        for row in 0..<n {
            let phi = Phi[row]
            for i in 0..<p {
                moment[i] += phi[i] * y[row]
                for j in 0...i { gram[i][j] += phi[i] * phi[j] }
            }
        }
        for i in 0..<p {
            for j in 0..<i { gram[j][i] = gram[i][j] }
            gram[i][i] += lambda
        }
        return solveSymmetricPositiveDefinite(gram, moment)
    }
    var kernel = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0...i {
            var dot = 0.0
            for k in 0..<p { dot += Phi[i][k] * Phi[j][k] }
            kernel[i][j] = dot
            kernel[j][i] = dot
        }
        kernel[i][i] += lambda
    }
    let alpha = solveSymmetricPositiveDefinite(kernel, y)
    var theta = [Double](repeating: 0, count: p)
    for i in 0..<n {
        for k in 0..<p { theta[k] += alpha[i] * Phi[i][k] }
    }
    return theta
}

/// The residuals phi(x_i) . theta - y_i of every row.
func residuals(features Phi: [[Double]], theta: [Double], y: [Double]) -> [Double] {
    Phi.indices.map { i in
        var prediction = 0.0
        for k in theta.indices { prediction += Phi[i][k] * theta[k] }
        return prediction - y[i]
    }
}

/// The test error of ridge regression on the features relu(W x): theta from the training set, then the mean over
/// the test rows of (phi(x) . theta - y)^2.
func ridgeTestError(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    let theta = ridgeWeights(features: reluFeatures(X: Xtrain, W: W), y: ytrain, lambda: lambda)
    let errors = residuals(features: reluFeatures(X: Xtest, W: W), theta: theta, y: ytest)
    return errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)
}

// MARK: Known mistakes of ridgeTestError

/// Linear features W x: the ReLU left out.
func ridgeTestErrorWithoutReLU(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    func linear(_ X: [[Double]]) -> [[Double]] {
        X.map { x in W.map { w in zip(w, x).reduce(0) { $0 + $1.0 * $1.1 } } }
    }
    let theta = ridgeWeights(features: linear(Xtrain), y: ytrain, lambda: lambda)
    let errors = residuals(features: linear(Xtest), theta: theta, y: ytest)
    return errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)
}

/// ||Phi theta - y||, the seed's np.linalg.norm: the square root of the summed squares, not their mean.
func ridgeTestErrorNorm(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    let mean = ridgeTestError(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
    return sqrt(mean * Double(Xtest.count))
}

/// The sum of the squared test errors, m times the mean.
func ridgeTestErrorSum(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], W: [[Double]], lambda: Double
) -> Double {
    ridgeTestError(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
        * Double(Xtest.count)
}

// MARK: The double descent curve

/// W with p rows of d entries N(0, 1/p), drawn from `random` (ExperimentRandom's near-normal draws over sqrt(p)).
func randomFeatureMatrix(p: Int, d: Int, random: inout ExperimentRandom) -> [[Double]] {
    let scale = 1 / Double(p).squareRoot()
    return (0..<p).map { _ in (0..<d).map { _ in random.normal() * scale } }
}

/// The test error for each number of features p in `featureCounts`, each with a fresh W of entries N(0, 1/p) drawn
/// from `seed`.
func doubleDescentCurve(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var random = ExperimentRandom(seed: seed)
    let d = Xtrain.first?.count ?? 0
    return featureCounts.map { p in
        let W = randomFeatureMatrix(p: p, d: d, random: &random)
        return ridgeTestError(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
    }
}

// MARK: Data

/// The choices `doubleDescentData` draws from.
enum DoubleDescentChoices {
    /// Small lambdas, where the test error peaks at p = n, and large ones, where it does not.
    static let smallLambdas = [2e-5, 5e-5, 1e-4, 2e-4]
    static let largeLambdas = [1.0, 3.0]
    /// The standard deviations of the label noise, relative to the amplitude of the target.
    static let noiseLevels = [0.25, 0.35, 0.5, 0.7, 1.0]
}

/// One data set, the seed's toy problem at a tenth of its size with a ReLU teacher: n training and 200 test inputs
/// x ~ N(0, I_d) (ExperimentRandom's near-normal draws), the target y = 2 a relu(x . beta) with beta a random unit
/// vector, Gaussian noise of standard deviation s a on the training labels only (the test labels are exact, as in
/// the seed), and the test error wanted at the feature counts `featureCounts`.
///
/// What varies with the seed, and why:
/// - lambda: half the data sets have a small one (2e-5 to 2e-4), where the test error peaks at p = n; the others a
///   large one (1 or 3), where no peak appears. Which one a data set gets follows from its seed alone, so the one
///   public and two hidden data sets of a student may all be of one kind (a quarter of the students get no large
///   lambda among the hidden ones). The acceptance rule compares the student's curves with the reference's on the
///   same data whatever lambda is and needs no case for either; a curve made up to peak at n whatever lambda is
///   loses on the large lambda data sets.
/// - n, from 26 to 34, with the grid around it (n - 4, n - 2, n, n + 2, n + 4, n + 10): the peak sits at p = n, so a
///   curve made up to peak at a fixed p is in the wrong place.
/// - d from 8 to 14, the noise level s from 0.25 to 1 and the amplitude a from 0.5 to 2: they change the height of
///   the curve (every error scales by a^2), of its peak and of its tail, so that a curve copied from other data sets
///   is off at many p.
///
/// Why these numbers (measured by scripts/experiments/double-descent-acceptance.swift over 2000 data sets, five
/// seeds each, `peaks` mode):
/// - with these small lambdas the median of the five curves peaks at p = n on 79% of the data sets, at n - 2 or n + 2
///   on 19% and at n - 4 or n + 4 on the rest, never elsewhere. lambda = 5e-4 already spreads the peak over n - 4 to
///   n + 4, and with lambda = 0.01 it wanders far from n. The large lambdas leave the median curve highest at
///   p <= 20 on 99.5% of the data sets and within n - 4 to n + 4 on the rest (where the curve is flat); lambda = 0.3
///   still shows a bump at n now and then.
/// - the ReLU teacher rather than the seed's linear target: with a linear target, ridge regression on the linear
///   features W x (the ReLU left out) is nearly as good as on relu(W x) once lambda is large, and its curves come
///   close to the reference's. With the ReLU teacher the curve without the ReLU gets no credit on any of 1000 data
///   sets. (A teacher with an offset, anisotropic inputs or lambda = 10 would vary the curves more between data sets,
///   but each brings the curve without the ReLU close enough to earn credit on some data sets.)
/// - n about 30 and d <= 14 keep one curve to about 3 ms compiled with -O.
func doubleDescentData(seed: UInt64) -> (
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double
) {
    var random = ExperimentRandom(seed: seed)
    let d = 8 + random.below(7)
    let n = 26 + random.below(9)
    let lambda =
        random.below(2) == 0
        ? DoubleDescentChoices.smallLambdas[random.below(DoubleDescentChoices.smallLambdas.count)]
        : DoubleDescentChoices.largeLambdas[random.below(DoubleDescentChoices.largeLambdas.count)]
    let noise = DoubleDescentChoices.noiseLevels[random.below(DoubleDescentChoices.noiseLevels.count)]
    let amplitude = 0.5 + 1.5 * random.uniform()
    var beta = (0..<d).map { _ in random.normal() }
    let norm = beta.reduce(0) { $0 + $1 * $1 }.squareRoot()
    beta = beta.map { $0 / norm }
    func target(_ x: [Double]) -> Double { 2 * amplitude * max(zip(x, beta).reduce(0) { $0 + $1.0 * $1.1 }, 0) }
    let Xtrain = (0..<n).map { _ in (0..<d).map { _ in random.normal() } }
    let ytrain = Xtrain.map { target($0) + noise * amplitude * random.normal() }
    let Xtest = (0..<200).map { _ in (0..<d).map { _ in random.normal() } }
    let ytest = Xtest.map(target)
    let featureCounts = [1, 2, 5, 10, 15, 20, n - 4, n - 2, n, n + 2, n + 4, n + 10, 60, 80, 100, 120, 150]
    return (Xtrain, ytrain, Xtest, ytest, featureCounts, lambda)
}

// MARK: The acceptance rule

/// The constants of the acceptance rule (see `doubleDescentAccept`).
enum DoubleDescentRule {
    /// The draws of W the reference's distribution at each p is known from: the part's `reference-runs` (50) give
    /// them all, computed once per data set and cached; with fewer (a standalone measurement passes 5), the rule
    /// draws the rest itself.
    static let bandRuns = 50
    static let ownSeed: UInt64 = 0x6464_5F72_756C_6500
    /// The smallest spread of log10(test error) at a feature count: a 2% difference is at most about 1 unit.
    static let scaleFloor = 0.01
    /// Location: the mean over p of runs x (mean z)^2, about 1 for a right solution. Full credit up to
    /// `locationFull`, none from `locationZero`, linear between. Measured over 1000 data sets of five seeds: right
    /// solutions (the reference with other seeds, the reference submission, bob's) stay below 2.1 on 99% of them and
    /// reached 4.07 once in 3000; the curve without the ReLU is at least 9.4 on 99% (4.25 once), the norm of the
    /// errors at least 87.
    static let locationFull = 4.0
    static let locationZero = 6.0
    /// Spread: the student's spread of z across seeds, about 1 for a right solution. Full credit between
    /// 1 / `spreadFull` and `spreadFull`, none below 1 / `spreadZero` or above `spreadZero`, linear in log(spread)
    /// between. Measured: right solutions 0.61 to 1.40; without the ReLU 0.08 to 0.65; a made-up or constant curve 0.
    static let spreadFull = 1.8
    static let spreadZero = 2.5
}

/// The reference's distribution of log10(test error) at each feature count, over its runs and the rule's own: the
/// mean, the standard deviation plus `DoubleDescentRule.scaleFloor`, and the median (for the feedback).
func doubleDescentBand(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    reference: [[Double]]
) -> (mean: [Double], deviation: [Double], median: [Double], runs: Int) {
    var random = ExperimentRandom(seed: DoubleDescentRule.ownSeed)
    let own = (0..<max(0, DoubleDescentRule.bandRuns - reference.count)).map { _ in
        doubleDescentCurve(
            Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, featureCounts: featureCounts, lambda: lambda,
            seed: random.next())
    }
    let curves = (reference + own).map { $0.map { log10($0) } }
    let count = Double(curves.count)
    let mean = featureCounts.indices.map { i in curves.reduce(0) { $0 + $1[i] } / count }
    let deviation = featureCounts.indices.map { i in
        let squares = curves.reduce(0) { $0 + ($1[i] - mean[i]) * ($1[i] - mean[i]) }
        return (squares / (count - 1)).squareRoot() + DoubleDescentRule.scaleFloor
    }
    return (mean, deviation, experimentMedianCurve(curves), curves.count)
}

/// What is wrong with the student's curves as curves (their number, lengths, values), or nil.
func doubleDescentShapeProblem(_ student: [[Double]], featureCounts: [Int]) -> String? {
    guard student.count >= 2 else {
        return "The rule needs the curves of at least 2 seeds to see how they vary; it got \(student.count)."
    }
    for (run, curve) in student.enumerated() {
        guard curve.count == featureCounts.count else {
            return "The curve of run \(run + 1) has \(curve.count) entries; it needs one per feature count, "
                + "\(featureCounts.count)."
        }
        if let index = curve.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            return "The curve of run \(run + 1) has the test error \(curve[index]) at p = \(featureCounts[index]); a "
                + "mean of squared errors is positive (and finite)."
        }
    }
    return nil
}

/// The rule's two measures of the student's curves against the reference's band, in log10(test error). At each p,
/// z_k = (log10 of run k's error - the reference's mean) / the reference's standard deviation; for a right solution
/// the z_k of the runs are independent draws of mean 0 and variance 1.
/// - location: the mean over p of runs x (mean_k z_k)^2: about 1 for a right solution (a chi-square with one degree
///   of freedom at each p), large when the student's errors sit above or below the reference's at many p.
/// - spread: the square root of the mean over p of the sample variance of the z_k across runs: about 1 for a right
///   solution, near 0 for a curve that is the same (or nearly) for every seed, large for one that varies too much.
/// - worst: the feature count index of the largest |mean z|.
func doubleDescentStatistics(
    band: (mean: [Double], deviation: [Double], median: [Double], runs: Int), student: [[Double]]
) -> (location: Double, spread: Double, worst: Int) {
    let runs = Double(student.count)
    let z = student.map { curve in curve.indices.map { (log10(curve[$0]) - band.mean[$0]) / band.deviation[$0] } }
    var location = 0.0
    var variance = 0.0
    var worst = 0
    var worstMean = -1.0
    for i in band.mean.indices {
        let mean = z.reduce(0) { $0 + $1[i] } / runs
        location += runs * mean * mean
        variance += z.reduce(0) { $0 + ($1[i] - mean) * ($1[i] - mean) } / (runs - 1)
        if abs(mean) > worstMean {
            worstMean = abs(mean)
            worst = i
        }
    }
    let count = Double(band.mean.count)
    return (location / count, (variance / count).squareRoot(), worst)
}

/// 1 up to `full`, 0 from `zero`, linear between; 0 for a value that is not a number.
func creditBetween(_ value: Double, full: Double, zero: Double) -> Double {
    guard !value.isNaN else { return 0 }
    return max(0, min(1, (zero - value) / (zero - full)))
}

/// A test error for the feedback.
func doubleDescentNumber(_ value: Double) -> String {
    String(format: value < 0.01 || value >= 1000 ? "%.2e" : "%.3g", value)
}

/// Judges the student's curves on one data set against the reference's band (`doubleDescentBand`).
func doubleDescentJudge(
    featureCounts: [Int], lambda: Double, trainingExamples: Int,
    band: (mean: [Double], deviation: [Double], median: [Double], runs: Int), student: [[Double]]
) -> (score: Double, message: String) {
    if let problem = doubleDescentShapeProblem(student, featureCounts: featureCounts) { return (0, problem) }
    let statistics = doubleDescentStatistics(band: band, student: student)
    let locationCredit = creditBetween(
        statistics.location, full: DoubleDescentRule.locationFull, zero: DoubleDescentRule.locationZero)
    // The spread on a log scale, so that too little and too much count alike.
    let logSpread = abs(log(max(statistics.spread, 1e-300)))
    let spreadCredit = creditBetween(
        logSpread, full: log(DoubleDescentRule.spreadFull), zero: log(DoubleDescentRule.spreadZero))
    let score = min(locationCredit, spreadCredit)

    let count = featureCounts.count
    let studentMedian = experimentMedianCurve(student)
    let referenceMedian = band.median.map { pow(10, $0) }
    let studentPeak = curvePeakIndex(studentMedian)
    let referencePeak = curvePeakIndex(referenceMedian)
    func describe(_ curve: [Double], peak: Int) -> String {
        "\(doubleDescentNumber(curve[0])) at p = \(featureCounts[0]), \(doubleDescentNumber(curve[count - 1])) at "
            + "p = \(featureCounts[count - 1]), highest at p = \(featureCounts[peak]) "
            + "(\(doubleDescentNumber(curve[peak])))"
    }
    var message =
        "Data: \(trainingExamples) training examples, lambda = \(lambda). Median test error of your \(student.count) "
        + "runs: \(describe(studentMedian, peak: studentPeak)); the reference's median over \(band.runs) draws of W: "
        + "\(describe(referenceMedian, peak: referencePeak)). "
        + "Location: \(String(format: "%.2f", statistics.location)) (how far your errors sit from the reference's, "
        + "in units of their spread across draws of W; about 1 when right; full credit up to "
        + "\(DoubleDescentRule.locationFull), none from \(DoubleDescentRule.locationZero)). "
        + "Spread: your curves vary across seeds \(String(format: "%.2f", statistics.spread)) times as much as random "
        + "features make them vary (full credit from \(String(format: "%.2f", 1 / DoubleDescentRule.spreadFull)) to "
        + "\(String(format: "%.2f", DoubleDescentRule.spreadFull)), none below "
        + "\(String(format: "%.2f", 1 / DoubleDescentRule.spreadZero)) or above "
        + "\(String(format: "%.2f", DoubleDescentRule.spreadZero)))."
    if locationCredit < 1 {
        let worst = statistics.worst
        message +=
            " The largest difference is at p = \(featureCounts[worst]): your median "
            + "\(doubleDescentNumber(studentMedian[worst])), the reference's "
            + "\(doubleDescentNumber(referenceMedian[worst]))."
    }
    if spreadCredit < 1 && statistics.spread < 1 {
        message +=
            " Your curves vary less from seed to seed than random ReLU features make them vary: each run must "
            + "draw its own W (a fresh one for every p, entries N(0, 1/p)) from a generator seeded with `seed`, and "
            + "the features must be relu(W x)."
    } else if spreadCredit < 1 {
        message +=
            " Your curves vary more from seed to seed than random ReLU features make them vary: check the "
            + "variance of your W's entries (1/p) and of your normal draws (1)."
    }
    return (score, message)
}

/// Judges the student's test error curves on one data set against the reference's, in the manner of
/// StochasticGrade: the student's random features differ from the reference's, so no single curve is compared with
/// another; the distribution of the curves over seeds is. The rule draws 45 curves of its own beside the reference's
/// 5 runs, which gives the mean and spread of log10(test error) across draws of W at each p, and measures each of the
/// student's errors against them in units of that spread (z):
/// - location: the student's errors must sit where the reference's do at every p, as closely as 5 draws allow. A
///   curve with the wrong shape or height (the ReLU left out, the norm or the sum of the squared errors, a peak
///   where the reference has none or none where it has one) is many units away at many p.
/// - spread: the student's curves must vary across seeds as much as random features make them vary. A made-up curve
///   that stays inside the reference's band at every p is the same for every seed; without the ReLU, the features
///   W x span the same space whatever W is once p >= d, and the curves barely vary.
/// The score is the smaller of the two credits. Measured over 1000 data sets of five seeds
/// (scripts/experiments/double-descent-acceptance.swift): the reference run with other seeds, the reference
/// submission (Marsaglia's polar method) and bob's (Box-Muller, always the kernel form) lose credit on 1 data set of
/// 3000 (0.965 of it); the must-reject functions get nothing on 999 data sets of 1000 (the curve without the ReLU
/// 0.34 on one). One W whose first p rows serve every p, which makes the points of a curve depend on each other,
/// loses some credit on 2% of the data sets: the prompt asks for a fresh W for every p. A curve of typical shape
/// with noise of the typical spread is not always caught: copied as it is from other data sets it keeps some
/// credit on 11% of them (mean 0.10), scaled to the data's mean of ytest^2 on 58% (mean 0.52).
func doubleDescentAccept(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    student: [[Double]], reference: [[Double]]
) -> (score: Double, message: String) {
    if let problem = doubleDescentShapeProblem(student, featureCounts: featureCounts) { return (0, problem) }
    let band = doubleDescentBand(
        Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, featureCounts: featureCounts, lambda: lambda,
        reference: reference)
    return doubleDescentJudge(
        featureCounts: featureCounts, lambda: lambda, trainingExamples: Xtrain.count, band: band, student: student)
}

// MARK: Fakes and wrong curves (the problem's must-reject list, and the training error)

/// A made-up curve with plausible values and no features at all: the mean square of the test labels (the error of
/// predicting 0) shaped like a typical curve: falling with p, and with a small lambda a peak at p = n_train. The
/// same curve for every seed.
func doubleDescentMadeUp(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    let scale = ytest.reduce(0) { $0 + $1 * $1 } / Double(max(ytest.count, 1))
    let n = Double(Xtrain.count)
    return featureCounts.map { count in
        let p = Double(count)
        let falling = 0.3 + 0.7 / (1 + p / 15)
        let offset = (p - n) / 3
        let peak = lambda < 0.01 ? 1 + 8 / (1 + offset * offset) : 1
        return scale * falling * peak
    }
}

/// The curve with linear features W x: the ReLU left out (the features then span only the d directions of x).
func doubleDescentWithoutReLU(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var random = ExperimentRandom(seed: seed)
    let d = Xtrain.first?.count ?? 0
    return featureCounts.map { p in
        let W = randomFeatureMatrix(p: p, d: d, random: &random)
        return ridgeTestErrorWithoutReLU(
            Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
    }
}

/// The seed's np.linalg.norm: ||Phi theta - y|| on the test set instead of the mean square.
func doubleDescentNormError(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var random = ExperimentRandom(seed: seed)
    let d = Xtrain.first?.count ?? 0
    return featureCounts.map { p in
        let W = randomFeatureMatrix(p: p, d: d, random: &random)
        return ridgeTestErrorNorm(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtest, ytest: ytest, W: W, lambda: lambda)
    }
}

/// The same number at every p: the mean square of the test labels.
func doubleDescentConstant(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    let scale = ytest.reduce(0) { $0 + $1 * $1 } / Double(max(ytest.count, 1))
    return featureCounts.map { _ in scale }
}

/// The error on the training set, not the test set: it falls to nearly 0 once p >= n_train, where the test error
/// peaks. Not under `must-reject`: with a large lambda the training error comes close to the test error at every p,
/// and it keeps some credit on about 3% of the data sets (scripts/experiments/double-descent-acceptance.swift).
func doubleDescentTrainingError(
    Xtrain: [[Double]], ytrain: [Double], Xtest: [[Double]], ytest: [Double], featureCounts: [Int], lambda: Double,
    seed: UInt64
) -> [Double] {
    var random = ExperimentRandom(seed: seed)
    let d = Xtrain.first?.count ?? 0
    return featureCounts.map { p in
        let W = randomFeatureMatrix(p: p, d: d, random: &random)
        return ridgeTestError(Xtrain: Xtrain, ytrain: ytrain, Xtest: Xtrain, ytest: ytrain, W: W, lambda: lambda)
    }
}
