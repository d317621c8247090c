/// The expected output of a gradient-checked snippet: central differences of a scalar function of the reference.
///
/// For every entry x_i of every argument differentiated, f is evaluated at x + h e_i and x - h e_i with
/// h = `relativeStep` * max(1, |x_i|), and the entry of the gradient is (f(x + h e_i) - f(x - h e_i)) divided by the
/// step actually taken, (x_i + h) - (x_i - h), which is 2h up to rounding. The
/// reference is run once on all the perturbed inputs of all trials.
struct CentralDifferences {
    let check: GradientCheck
    let parameters: [FunctionSignature.Parameter]

    /// The perturbed inputs of `trials`, in pairs (+h, -h), one pair per entry differentiated, trial after trial.
    func perturbedInputs(_ trials: [[SnippetValue]]) -> [[SnippetValue]] {
        var inputs: [[SnippetValue]] = []
        for trial in trials {
            for index in argumentIndices {
                let entries = PatternHints.flatten(trial[index])
                for (position, x) in entries.enumerated() {
                    let h = step(x)
                    for sign in [1.0, -1.0] {
                        var moved = entries
                        moved[position] = x + sign * h
                        var input = trial
                        input[index] = Self.replacingLeaves(of: trial[index], with: moved)
                        inputs.append(input)
                    }
                }
            }
        }
        return inputs
    }

    /// The gradients of `trials` from the function's `values` at `perturbedInputs(trials)`, in the same order:
    /// a tuple of one gradient per argument differentiated, or the gradient alone when there is one.
    func gradients(_ trials: [[SnippetValue]], values: [SnippetValue]) -> [SnippetValue] {
        var next = 0
        return trials.map { trial in
            let gradients = argumentIndices.map { index -> SnippetValue in
                let entries = PatternHints.flatten(trial[index])
                let slopes = entries.map { x -> Double in
                    let plus = values[next].number ?? .nan
                    let minus = values[next + 1].number ?? .nan
                    next += 2
                    let h = step(x)
                    // The step actually taken: (x + h) - (x - h) rounds, and dividing by it keeps the quotient exact.
                    return (plus - minus) / ((x + h) - (x - h))
                }
                return Self.replacingLeaves(of: trial[index], with: slopes)
            }
            return gradients.count == 1 ? gradients[0] : .tuple(gradients)
        }
    }

    private var argumentIndices: [Int] {
        check.arguments.compactMap { name in parameters.firstIndex { $0.name == name } }
    }

    private func step(_ x: Double) -> Double { check.relativeStep * max(1, abs(x)) }

    /// `value` with its doubles replaced, depth first (the order of `PatternHints.flatten`, which for the Double-only
    /// arguments a gradient is taken of lists exactly the doubles), by `entries`.
    static func replacingLeaves(of value: SnippetValue, with entries: [Double]) -> SnippetValue {
        var index = 0
        func rebuild(_ value: SnippetValue) -> SnippetValue {
            switch value {
            case .double:
                defer { index += 1 }
                return .double(entries[index])
            case .array(let items): return .array(items.map(rebuild))
            case .tuple(let items): return .tuple(items.map(rebuild))
            default: return value
            }
        }
        return rebuild(value)
    }
}

extension SnippetSpec {
    /// The tolerance a trial's output is judged with. A gradient checked by central differences is judged relative
    /// to its largest entry: |got - expected| <= atol + rtol * (|expected| + largest |entry| of the trial's
    /// gradient), since the differences err by about the step's share of the whole gradient, not of each entry.
    func tolerance(forExpected expected: SnippetValue) -> Tolerance {
        guard gradientOf != nil else { return tolerance }
        let largest = PatternHints.flatten(expected).map(abs).filter(\.isFinite).max() ?? 0
        var scaled = tolerance
        scaled.atol += tolerance.rtol * largest
        return scaled
    }
}
