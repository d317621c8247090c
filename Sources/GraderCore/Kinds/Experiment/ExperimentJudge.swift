/// Grades an experiment part from the student's runs: each data set's runs are checked for what every right output
/// has (each run finished, finite numbers, the reference's shape), then judged by the problem's acceptance rule
/// against the reference's runs on the same data and seeds. A student kit has no rule: its public checks stop at the
/// first step, and the part is graded at final grading.
struct ExperimentJudge {
    let session: GradingSession
    let problem: Problem
    let part: Part
    let spec: SnippetSpec
    let experiment: ExperimentSpec
    let expectation: SnippetExpectation

    /// What became of one data set's runs.
    struct DataSet {
        /// The outputs of every run, when each finished with finite numbers of the reference's shape.
        var outputs: [SnippetValue]?
        /// Why there are none.
        var problem: String?
        var score = 0.0
        var message = ""
    }

    /// The part's grade from the outputs of every run (public runs first, `nil` for a run that did not finish).
    func grade(outputs: [SnippetValue?], publicRun: EntryRun, hiddenRun: EntryRun?) -> PartGrade {
        let runs = experiment.runs
        let publicSets = expectation.publicCount / runs
        let allSets = expectation.trials.count / runs
        var sets = (0..<allSets).map { set in
            check(
                Array(outputs[set * runs..<(set + 1) * runs]), set: set, run: set < publicSets ? publicRun : hiddenRun)
        }
        guard session.problems.role.gradesFinally else { return publicChecks(sets) }
        do {
            let verdicts = try ReferenceRunner(session: session, problem: problem).experimentVerdicts(
                part, trials: expectation.trials, student: sets.map(\.outputs),
                reference: Self.referenceRuns(expectation, runs: runs))
            for (set, verdict) in verdicts.enumerated() {
                if let verdict { (sets[set].score, sets[set].message) = verdict }
            }
        } catch {
            return PartGrade(
                problem: problem.id, part: part, status: .error, outcome: .graderError, score: 0,
                message: "the grader could not run the acceptance rule: \(error)",
                details: ["This is not a fault of the submission; tell your instructor."])
        }
        return finalGrade(sets, publicSets: publicSets, stopped: publicRun.failure != nil || hiddenRun?.failure != nil)
    }

    /// The reference's runs of each data set, as the rule gets them: all `reference-runs`, or the student's seeds'.
    static func referenceRuns(_ expectation: SnippetExpectation, runs: Int) -> [[SnippetValue]] {
        if !expectation.experimentReference.isEmpty { return expectation.experimentReference }
        return (0..<expectation.trials.count / runs).map { Array(expectation.expected[$0 * runs..<($0 + 1) * runs]) }
    }

    /// Checks one data set's runs before any rule sees them.
    private func check(_ outputs: [SnippetValue?], set: Int, run: EntryRun?) -> DataSet {
        let reference = expectation.expected[set * experiment.runs]
        var values: [SnippetValue] = []
        for (index, output) in outputs.enumerated() {
            guard let output else {
                let why = run?.failure.map { ": \($0)" } ?? ""
                return DataSet(problem: "run \(index + 1) of \(outputs.count) did not finish\(why)")
            }
            if let problem = Self.unusable(output, reference: reference) {
                return DataSet(problem: "run \(index + 1) of \(outputs.count) returned \(problem)")
            }
            values.append(output)
        }
        return DataSet(outputs: values)
    }

    /// What makes `output` unfit for any rule: a nan or an infinity, or a shape unlike the reference's output.
    static func unusable(_ output: SnippetValue, reference: SnippetValue) -> String? {
        ProblemValidator.nonFinite(output) ?? shapeDifference(reference, output)
    }

    /// How `got` differs in shape from `expected` (array lengths, at any depth), if it does.
    static func shapeDifference(_ expected: SnippetValue, _ got: SnippetValue, path: String = "") -> String? {
        switch (expected, got) {
        case (.array(let a), .array(let b)):
            guard a.count == b.count else {
                return "\(b.count) entries\(path.isEmpty ? "" : " at \(path)") where the reference has \(a.count)"
            }
            for (index, pair) in zip(a, b).enumerated() {
                if let difference = shapeDifference(pair.0, pair.1, path: path + "[\(index)]") { return difference }
            }
            return nil
        case (.tuple(let a), .tuple(let b)):
            for (index, pair) in zip(a, b).enumerated() {
                if let difference = shapeDifference(pair.0, pair.1, path: path + ".\(index)") { return difference }
            }
            return nil
        default:
            return nil
        }
    }

    /// Public checks of a student kit: the public data sets ran in time with outputs of the right shape.
    private func publicChecks(_ sets: [DataSet]) -> PartGrade {
        let publicSets = expectation.publicCount / experiment.runs
        if let failed = sets.prefix(publicSets).first(where: { $0.outputs == nil }) {
            return PartGrade(
                problem: problem.id, part: part, status: .failed, outcome: .wrong, score: 0,
                message: "public data set: \(failed.problem ?? "no output")",
                details: [budgetLine, "Final grading would give this data set no credit."])
        }
        var grade = PartGrade(
            problem: problem.id, part: part, status: .pending, outcome: .pending, score: 0,
            message: """
                \(publicSets * experiment.runs) public runs finished with outputs of the right shape; the \
                experiment is judged at final grading
                """,
            details: [
                budgetLine,
                """
                At final grading an acceptance rule compares what your runs produce with the reference's runs on \
                the same data and seeds, on \(spec.hiddenTrials) data sets you never see.
                """,
            ])
        grade.plot = plot(sets, set: 0)
        grade.finalOnly = true
        return grade
    }

    /// The grade at final grading: a third of the points from the public data sets' scores, two thirds from the
    /// hidden ones'.
    private func finalGrade(_ sets: [DataSet], publicSets: Int, stopped: Bool) -> PartGrade {
        let mean = { (slice: ArraySlice<DataSet>) in slice.map(\.score).reduce(0, +) / Double(max(1, slice.count)) }
        let publicScore = mean(sets.prefix(publicSets))
        let hidden = sets.dropFirst(publicSets)
        let fraction = hidden.isEmpty ? publicScore : (publicScore + 2 * mean(hidden)) / 3
        let score = part.points * fraction
        let full = sets.allSatisfy { $0.score >= 1 }
        var details: [String] = []
        for (index, set) in sets.prefix(publicSets).enumerated() {
            let label = publicSets == 1 ? "Public data set" : "Public data set \(index + 1)"
            details.append(
                "\(label): score \(NumberFormatting.compact(set.score)). "
                    + ReportText.clean(set.problem ?? set.message, limit: 800))
        }
        if !hidden.isEmpty {
            let scores = hidden.map { NumberFormatting.compact($0.score) }.joined(separator: ", ")
            details.append(
                """
                Hidden data sets (\(hidden.count), never shown): scores \(scores). \
                \(hidden.contains { $0.outputs == nil } ? "On some, a run stopped or returned no usable output. " : "")\
                Their rule's messages are not shown: code that sees hidden data could write it into them.
                """
            )
        }
        details.append(budgetLine)
        details.append(
            """
            Scoring: each data set's runs are judged together by the problem's acceptance rule, from 0 to 1; a third \
            of the points follow the public data sets, two thirds the hidden ones.
            """
        )
        let status: PartGrade.Status = full ? .passed : (score > 0 ? .partial : (stopped ? .error : .failed))
        var grade = PartGrade(
            problem: problem.id, part: part, status: status, outcome: status == .error ? .crash : nil, score: score,
            message: full
                ? "accepted on all \(sets.count) data sets (\(experiment.runs) seeds each)"
                : "accepted \(NumberFormatting.compact(fraction * 100))%: public "
                    + NumberFormatting.compact(publicScore)
                    + (hidden.isEmpty ? "" : ", hidden \(NumberFormatting.compact(mean(hidden)))"),
            details: details)
        grade.trials = PartGrade.TrialTally(
            publicPassed: sets.prefix(publicSets).filter { $0.score >= 1 }.count, publicTotal: publicSets,
            hiddenPassed: hidden.isEmpty ? nil : hidden.filter { $0.score >= 1 }.count,
            hiddenTotal: hidden.isEmpty ? nil : hidden.count)
        grade.plot = plot(sets, set: 0)
        if !hidden.isEmpty, publicScore - mean(hidden) > session.options.flagThreshold {
            grade.flag = PartGrade.Flag(
                reason: .publicOnly,
                detail: """
                    scores \(NumberFormatting.compact(publicScore)) on the public data set but \
                    \(NumberFormatting.compact(mean(hidden))) on the hidden ones
                    """)
        }
        return grade
    }

    private var budgetLine: String {
        """
        Each data set's \(experiment.runs) runs had \(NumberFormatting.compact(experiment.budgetSeconds)) s of \
        wall-clock and CPU time, compiled with optimisation (-O).
        """
    }

    /// The student's curves on public data set `set` against the reference's, when the part is plotted.
    private func plot(_ sets: [DataSet], set: Int) -> CurvePlot? {
        guard let spec = experiment.plot, let outputs = sets[set].outputs else { return nil }
        let runs = experiment.runs
        let trial = expectation.trials[set * runs]
        guard let index = self.spec.signature.parameters.firstIndex(where: { $0.name == spec.x }) else { return nil }
        let x = CurvePlot.numbers(trial[index])
        let curves = { (values: [SnippetValue]) in values.map(CurvePlot.numbers) }
        return CurvePlot(
            x: x, xLabel: spec.xLabel, yLabel: spec.yLabel, logY: spec.logY, student: curves(outputs),
            reference: curves(Array(expectation.expected[set * runs..<(set + 1) * runs])))
    }
}
