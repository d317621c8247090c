/// What `grader validate` measures of an experiment's acceptance rule: how often it accepts the reference itself run
/// with other seeds than the one it is compared with (a right solution's own random choices), and that it gives no
/// credit to any function the part says it must reject.
struct ExperimentValidation {
    let part: Part
    let spec: SnippetSpec
    let experiment: ExperimentSpec
    let context: KindValidation

    /// The run seeds of `trials` replaced by others, so that the reference plays a student with its own random
    /// choices.
    static func reseeded(_ trials: [[SnippetValue]]) -> [[SnippetValue]] {
        trials.map { trial in
            guard case .int(let seed)? = trial.last else { return trial }
            var generator = SeededGenerator(seed: UInt64(seed), salt: "validate: other seeds")
            return trial.dropLast() + [.int(Int(generator.next() >> 1))]
        }
    }

    func diagnostics() -> [Diagnostic] {
        guard context.gradesFinally, let expectation = context.reference.snippets[part.id] else { return [] }
        let runner = ReferenceRunner(session: context.session, problem: context.problem)
        let runs = experiment.runs
        let setCount = expectation.trials.count / runs
        /// Each data set's outputs, `nil` where one is not finite or not shaped like the reference's.
        func sets(_ outputs: [SnippetValue]) -> [[SnippetValue]?] {
            (0..<setCount).map { set in
                let slice = Array(outputs[set * runs..<(set + 1) * runs])
                let usable = slice.allSatisfy { output in
                    ExperimentJudge.unusable(output, reference: expectation.expected[set * runs]) == nil
                }
                return usable ? slice : nil
            }
        }
        let reference = ExperimentJudge.referenceRuns(expectation, runs: runs)
        func verdicts(_ function: String, trials: [[SnippetValue]]) throws -> [(score: Double, message: String)?] {
            let outputs = try runner.experimentOutputs(part, function: function, trials: trials)
            return try runner.experimentVerdicts(
                part, trials: expectation.trials, student: sets(outputs), reference: reference)
        }
        var found: [Diagnostic] = []
        do {
            let own = try verdicts(spec.signature.name, trials: Self.reseeded(expectation.trials))
            let scores = own.map { $0?.score ?? 0 }
            let accepted = scores.filter { $0 >= 1 }.count
            let summary = scores.map { NumberFormatting.compact($0) }.joined(separator: ", ")
            if accepted < setCount {
                let message = own.compactMap { $0 }.first { $0.score < 1 }?.message ?? "no usable output"
                found.append(
                    context.error(
                        part.line,
                        """
                        part `\(part.id)`: the acceptance rule `\(experiment.accept)` gives the reference, run with \
                        other seeds, less than full credit on \(setCount - accepted) of \(setCount) data sets \
                        (scores \(summary)): a right solution with its own random choices would lose points. It \
                        says: \(message)
                        """
                    ))
            } else {
                found.append(
                    Diagnostic(
                        .note, file: context.problem.definitionPath, line: part.line,
                        """
                        part `\(part.id)`: the acceptance rule accepts the reference run with other seeds on all \
                        \(setCount) data sets (\(runs) seeds each)
                        """
                    ))
            }
            for function in experiment.mustReject {
                let scores = try verdicts(function, trials: expectation.trials).map { $0?.score ?? 0 }
                if let set = scores.firstIndex(where: { $0 > 0 }) {
                    found.append(
                        context.error(
                            part.line,
                            """
                            part `\(part.id)`: the acceptance rule gives `\(function)`, which it must reject, \
                            \(NumberFormatting.compact(scores[set])) on data set \(set + 1)
                            """
                        ))
                } else {
                    found.append(
                        Diagnostic(
                            .note, file: context.problem.definitionPath, line: part.line,
                            "part `\(part.id)`: `\(function)` gets no credit on any of \(setCount) data sets"))
                }
            }
        } catch {
            found.append(context.error(part.line, "part `\(part.id)`: the experiment could not run: \(error)"))
        }
        return found
    }
}
