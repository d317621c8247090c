import Foundation

/// The sandbox groups of one student's grading: its public runs share sandboxes, its hidden runs others, never
/// the same (a run that sees hidden inputs shares nothing with one whose output a report shows).
struct RunGroups: Sendable {
    let `public`: Sandbox.RunGroup
    let hidden: Sandbox.RunGroup
}

/// Grades the snippet parts of one problem: compiles the student's file with a harness, runs each function on the
/// reference's trial inputs in the sandbox, and compares outputs; credit is proportional to trials passed.
struct SnippetChecker: Sendable {
    let session: GradingSession
    let problem: Problem
    let limits: SandboxLimits
    /// A binary from the shared compile holding this problem's functions, whose entries are `problem/function`.
    var prebuilt: String? = nil
    /// A binary from the shared compile holding only some of this problem's functions (`functions`): those whose entry
    /// shims compiled, where the others' did not. It stands for the second compile of the file alone, once the first
    /// has given the compiler's own messages and shown that exactly the other functions do not match.
    var partlyPrebuilt: (path: String, functions: Set<String>)? = nil
    /// The groups the public and the hidden runs of this student's grading share sandboxes in, if any.
    var groups: RunGroups? = nil

    /// The parts of one problem, compiled and run on their public trials, their hidden trials still to run.
    ///
    /// A grading runs every problem's public trials before any hidden trial (`GradingSession.grade`): whatever a
    /// hidden run could leave behind (in the page cache, say) reaches no run whose output the same feedback shows.
    struct Pending: Sendable {
        let checker: SnippetChecker
        let parts: [Part]
        let source: [UInt8]
        /// Parts graded already (a compile error), and parts whose public trials ran.
        let graded: [String: PartGrade]
        let started: [String: (binary: String, expectation: SnippetExpectation, publicRun: PublicRun)]

        /// Runs the hidden trials and grades every part.
        func finish() -> [PartGrade] {
            var grades = graded
            for part in parts {
                guard let (binary, expectation, publicRun) = started[part.id] else { continue }
                grades[part.id] = checker.finish(part, binary: binary, expectation: expectation, publicRun: publicRun)
            }
            let text = String(decoding: source, as: UTF8.self)
            return parts.map { part in
                var grade = grades[part.id]!
                grade.file = checker.problem.snippetFileName
                grade.line = grade.line ?? SnippetChecker.declarationLine(of: checker.signature(part).name, in: text)
                return grade
            }
        }
    }

    /// A part's public run, or its grade when that run already decides it (the sandbox failed).
    enum PublicRun: Sendable {
        case ran(EntryRun, skipHidden: Bool)
        case decided(PartGrade)
    }

    /// Compiles the file (its bytes as read, or why they could not be) and runs each part on its public trials.
    func start(parts: [Part], file: Result<[UInt8], Submission.FileProblem>, reference: ReferenceResults) -> Pending {
        /// Every part graded already, with nothing left to run.
        func decided(_ grades: [PartGrade], source: [UInt8] = []) -> Pending {
            Pending(
                checker: self, parts: parts, source: source,
                graded: Dictionary(uniqueKeysWithValues: grades.map { ($0.id, $0) }), started: [:])
        }
        let fileName = problem.snippetFileName
        func all(_ status: PartGrade.Status, _ outcome: PartGrade.Outcome, _ message: String, _ details: [String] = [])
            -> [PartGrade]
        {
            parts.map { part in
                PartGrade(
                    problem: problem.id, part: part, status: status, outcome: outcome, score: 0, message: message,
                    details: details + ["Expected in \(fileName): `\(signature(part).text)`."])
            }
        }
        let source: [UInt8]
        switch file {
        case .success(let bytes): source = bytes
        case .failure(let problem_):
            return decided(
                all(
                    problem_.missing ? .missing : .error, problem_.missing ? .missing : .unreadable, problem_.message,
                    problem_.missing ? ["Run `grader init` to create the file with the expected signatures."] : []))
        }

        // The starter code `grader init` wrote, unchanged: every function stops at its `fatalError("TODO")` on
        // every trial, so it is graded as nothing handed in, without a compile or a run (a crash a trial, each
        // trial in a process of its own, was a tenth of a class's runs).
        if Scaffold.isStarterCode(source, of: problem) {
            return decided(
                all(
                    .missing, .missing,
                    "\(fileName) is the starter code `grader init` wrote, unchanged: nothing to grade yet",
                    ["Replace each `fatalError(\"TODO: ...\")` with your implementation."]),
                source: source)
        }

        // Compile; a function that is missing or has another signature costs only its own part.
        var remaining = parts
        var grades: [String: PartGrade] = [:]
        var binary = prebuilt
        while !remaining.isEmpty, binary == nil {
            let result: BuildResult
            do {
                result = try session.builder.build(
                    fileName: fileName, source: source, entries: remaining.map { .call(signature($0)) },
                    owner: .student,
                    timeLimit: limits.compileSeconds, optimized: problem.hasExperiments,
                    harness: session.harnessEntries(of: problem))
            } catch {
                return decided(
                    all(.error, .graderError, "the grader could not compile \(fileName): \(error)"), source: source)
            }
            switch result {
            case .built(let path):
                binary = path
            case .timedOut(let seconds):
                for part in remaining {
                    grades[part.id] = PartGrade(
                        problem: problem.id, part: part, status: .error, outcome: .compileTimeout, score: 0,
                        message:
                            "compile error: the compiler ran over its \(NumberFormatting.compact(seconds)) s limit",
                        details: ["Simplify long expressions (split them over several `let`s with explicit types)."])
                }
                remaining = []
            case .failed(let diagnostics, let log):
                let own = diagnostics.filter { $0.line != nil }
                let entries = Set(diagnostics.compactMap(\.entry))
                if !own.isEmpty || entries.isEmpty {
                    let details = compileDetails(own, source: source, log: log)
                    for part in remaining {
                        grades[part.id] = PartGrade(
                            problem: problem.id, part: part, status: .error, outcome: .compileError, score: 0,
                            message: "compile error in \(fileName)\(own.first?.line.map { " (line \($0))" } ?? "")",
                            details: details)
                        grades[part.id]?.line = own.first?.line
                    }
                    remaining = []
                } else {
                    for part in remaining where entries.contains(part.id) {
                        grades[part.id] = signatureProblem(
                            part, diagnostics.filter { $0.entry == part.id }, source: source)
                    }
                    remaining.removeAll { entries.contains($0.id) }
                    if let partly = partlyPrebuilt, Set(remaining.map(\.id)) == partly.functions {
                        binary = partly.path
                    }
                }
            }
        }
        var started: [String: (binary: String, expectation: SnippetExpectation, publicRun: PublicRun)] = [:]
        if let binary {
            for part in remaining {
                guard let expectation = reference.snippets[part.id] else {
                    // Only when the file changed between the grader's two reads of it (it looked like no code).
                    grades[part.id] = graderError(
                        part, "the reference's outputs for `\(part.id)` were not computed: grade this folder again")
                    continue
                }
                started[part.id] = (binary, expectation, runPublic(part, binary: binary, expectation: expectation))
            }
        }
        return Pending(checker: self, parts: parts, source: source, graded: grades, started: started)
    }

    /// The student's file for `problem`'s snippet parts when grading them compiles and runs it: the problem has
    /// such parts and the file is there, readable, and not the starter code unchanged; `nil` when they are graded
    /// without code run (and without the reference's outputs).
    static func code(of problem: Problem, in submission: Submission) -> [UInt8]? {
        guard problem.hasSnippetParts,
            case .success(let bytes) = submission.file(named: problem.snippetFileName),
            !Scaffold.isStarterCode(bytes, of: problem)
        else { return nil }
        return bytes
    }

    /// The line where `func name` is declared in `source`, if it is (line comments are skipped).
    static func declarationLine(of name: String, in source: String) -> Int? {
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let range = line.range(of: "func \(name)"), !line.trimmingCharacters(in: .whitespaces).hasPrefix("//")
            else { continue }
            let next = line[range.upperBound...].first { !$0.isWhitespace }
            if next == "(" || next == "<" { return index + 1 }
        }
        return nil
    }

    func signature(_ part: Part) -> FunctionSignature {
        guard let spec = part.kind.snippet else { preconditionFailure("not a snippet part") }
        return spec.signature
    }

    private func compileDetails(_ diagnostics: [CompilerDiagnostic], source: [UInt8], log: String) -> [String] {
        guard !diagnostics.isEmpty else {
            return ["The compiler said:\n" + ReportText.clean(log, limit: 1500)]
        }
        let lines = String(decoding: source, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var details: [String] = []
        for diagnostic in diagnostics.prefix(5) {
            var text =
                """
                \(problem.snippetFileName):\(diagnostic.line ?? 0):\(diagnostic.column ?? 0): error: \
                \(diagnostic.message)
                """
            if let line = diagnostic.line, lines.indices.contains(line - 1) {
                text += "\n    \(line) | " + ReportText.clean(String(lines[line - 1]), limit: 200)
            }
            details.append(text)
        }
        if diagnostics.count > 5 { details.append("(\(diagnostics.count - 5) more errors)") }
        return details
    }

    private func signatureProblem(_ part: Part, _ diagnostics: [CompilerDiagnostic], source: [UInt8]) -> PartGrade {
        let expected = signature(part)
        let missing = diagnostics.contains { $0.message.contains("cannot find '\(expected.name)' in scope") }
        let text = String(decoding: source, as: UTF8.self)
        if missing, let line = Self.declarationLine(of: expected.name, in: text),
            text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1].contains("private ")
        {
            var grade = PartGrade(
                problem: problem.id, part: part, status: .error, outcome: .compileError, score: 0,
                message: "`\(expected.name)` at line \(line) is private, so the grader cannot call it",
                details: ["Remove `private` or `fileprivate`: expected `\(expected.text)`."])
            grade.line = line
            return grade
        }
        if missing, let line = Self.declarationLine(of: expected.name, in: text) {
            // The file compiles, so the declaration is there but not at the top level: a brace closes too late.
            var grade = PartGrade(
                problem: problem.id, part: part, status: .error, outcome: .compileError, score: 0,
                message:
                    """
                    `\(expected.name)` at line \(line) is nested inside another declaration, not at the top level \
                    of \(problem.snippetFileName)
                    """,
                details: [
                    """
                    Check the braces before line \(line): the declaration above it is probably closed after it, \
                    not before it.
                    """,
                    "Expected at the top level: `\(expected.text)`.",
                ])
            grade.line = line
            return grade
        }
        if missing {
            return PartGrade(
                problem: problem.id, part: part, status: .missing, score: 0,
                message: "`\(expected.name)` is not defined in \(problem.snippetFileName)",
                details: ["Define it with exactly this signature: `\(expected.text)`."])
        }
        let reasons = diagnostics.prefix(3).map { "compiler: " + ReportText.clean($0.message, limit: 300) }
        return PartGrade(
            problem: problem.id, part: part, status: .error, outcome: .compileError, score: 0,
            message: "`\(expected.name)` does not match the expected signature",
            details: ["Expected exactly: `\(expected.text)`."] + reasons)
    }

    /// The harness entry of `part` in the binary.
    private func entry(_ part: Part, in binary: String) -> String {
        binary == prebuilt || binary == partlyPrebuilt?.path
            ? PrebuiltBinary.entry(problem: problem.id, function: part.id) : part.id
    }

    /// The limits of one run of `spec` over `trials` trials: the problem's, or for an experiment its budget per
    /// data set.
    private func limits(for spec: SnippetSpec, trials: Int) -> SandboxLimits {
        guard let experiment = spec.experiment else { return limits }
        var budgeted = limits
        let seconds = experiment.budgetSeconds(forRuns: trials)
        budgeted.wallSeconds = seconds
        budgeted.cpuSeconds = Int(seconds.rounded(.up))
        return budgeted
    }

    /// What `--timings` files a run of `spec` under: an experiment's training runs apart from the other runs.
    private func purpose(_ spec: SnippetSpec) -> String? {
        spec.experiment == nil ? nil : "student code, experiment run"
    }

    /// Runs `part` on its public trials.
    private func runPublic(_ part: Part, binary: String, expectation: SnippetExpectation) -> PublicRun {
        guard let spec = part.kind.snippet else { preconditionFailure("not a snippet part") }
        let hiddenCount = expectation.trials.count - expectation.publicCount
        do {
            let publicRun = try EntryRun.run(
                sandbox: session.sandbox, binary: binary, entry: entry(part, in: binary),
                returnType: spec.signature.returnType,
                trials: Array(expectation.trials.prefix(expectation.publicCount)),
                limits: limits(for: spec, trials: expectation.publicCount), owner: .student, purpose: purpose(spec),
                group: groups?.public)
            // A function that cannot finish a single public trial within its time limits (an endless loop) would
            // only spend the same time again on the hidden ones: they are not run, and count as failed.
            let skip =
                hiddenCount > 0 && (publicRun.failureKind?.isTimeLimit ?? false)
                && publicRun.outputs.allSatisfy { $0 == nil }
            return .ran(publicRun, skipHidden: skip)
        } catch {
            return .decided(
                PartGrade(
                    problem: problem.id, part: part, status: .error, outcome: .graderError, score: 0,
                    message: "could not run: \(error)"))
        }
    }

    /// Runs `part` on its hidden trials, in a process of its own, and grades it with its public run.
    ///
    /// The hidden run's printed output and messages never reach a report: code that sees a hidden input cannot
    /// show it to the student, who learns only how many hidden trials passed and which known mistake fits.
    private func finish(_ part: Part, binary: String, expectation: SnippetExpectation, publicRun phase: PublicRun)
        -> PartGrade
    {
        guard let spec = part.kind.snippet else { preconditionFailure("not a snippet part") }
        let publicRun: EntryRun
        let skippedHidden: Bool
        switch phase {
        case .decided(let grade): return grade
        case .ran(let run, let skip): (publicRun, skippedHidden) = (run, skip)
        }
        let hiddenCount = expectation.trials.count - expectation.publicCount
        let hiddenRun: EntryRun?
        do {
            hiddenRun =
                hiddenCount == 0 || skippedHidden
                ? nil
                : try EntryRun.run(
                    sandbox: session.sandbox, binary: binary, entry: entry(part, in: binary),
                    returnType: spec.signature.returnType,
                    trials: Array(expectation.trials.suffix(hiddenCount)),
                    limits: limits(for: spec, trials: hiddenCount), owner: .student, purpose: purpose(spec),
                    group: groups?.hidden)
        } catch {
            return graderError(part, "could not run: \(error)")
        }
        if publicRun.failureKind == .graderError || hiddenRun?.failureKind == .graderError {
            // The sandbox could not start the code: nothing is known about the student's function.
            let failure =
                publicRun.failureKind == .graderError
                ? publicRun.failure : "the sandbox could not start the hidden trials"
            return graderError(
                part, "the grader could not run the function: \(failure ?? "sandbox failure")",
                detail: "This is not a fault of the submission; grade it again once the sandbox works.")
        }
        let outputs = publicRun.outputs + (hiddenRun?.outputs ?? Array(repeating: nil, count: hiddenCount))
        if let experiment = spec.experiment {
            let judge = ExperimentJudge(
                session: session, problem: problem, part: part, spec: spec, experiment: experiment,
                expectation: expectation)
            return judge.grade(
                outputs: outputs, publicRun: publicRun, hiddenRun: hiddenRun)
        }
        let checkMessages: [String?]?
        do {
            checkMessages = try propertyCheckMessages(part, spec: spec, trials: expectation.trials, outputs: outputs)
        } catch {
            return graderError(
                part, "the grader could not run the property check: \(error)",
                detail: "This is not a fault of the submission; tell your instructor.")
        }
        let verdict = TrialVerdict(spec: spec, expectation: expectation, outputs: outputs, checkMessages: checkMessages)
        let runs = Runs(public: publicRun, hidden: hiddenRun, skippedHidden: skippedHidden)
        return grade(part, spec: spec, expectation: expectation, outputs: outputs, verdict: verdict, runs: runs)
    }

    /// The public run, the hidden run (if one ran) and whether the hidden trials were skipped.
    private struct Runs {
        let `public`: EntryRun
        let hidden: EntryRun?
        let skippedHidden: Bool
    }

    /// A grade for a fault of the grader, never of the submission.
    private func graderError(_ part: Part, _ message: String, detail: String? = nil) -> PartGrade {
        PartGrade(
            problem: problem.id, part: part, status: .error, outcome: .graderError, score: 0, message: message,
            details: detail.map { [$0] } ?? [])
    }

    /// A property check's message per trial (`""` where the output passes), or `nil` when the part has no check
    /// (or a student kit grades it: the reference's output then stands in for the check).
    private func propertyCheckMessages(
        _ part: Part, spec: SnippetSpec, trials: [[SnippetValue]], outputs: [SnippetValue?]
    )
        throws -> [String?]?
    {
        guard spec.propertyCheck != nil, session.problems.role.gradesFinally else { return nil }
        // An output holding nan or an infinity fails without being shown to the check: no check has to get
        // non-finite arithmetic right for a student's infinity to fail.
        let nonFinite = outputs.map { output in output.flatMap(ProblemValidator.nonFinite) }
        let checked = zip(outputs, nonFinite).map { output, problem in problem == nil ? output : nil }
        var messages = try ReferenceRunner(session: session, problem: problem).propertyCheck(
            part, trials: trials, outputs: checked)
        for (trial, problem) in nonFinite.enumerated() {
            if let problem { messages[trial] = "the output holds \(problem), which no right output does" }
        }
        return messages
    }

    /// Which trials fail, and the first public one with what went wrong there.
    private struct TrialVerdict {
        var failing: [Int] = []
        var firstDifference: (trial: Int, difference: ValueComparison.Difference?)?
        var firstCheckMessage: String?

        init(spec: SnippetSpec, expectation: SnippetExpectation, outputs: [SnippetValue?], checkMessages: [String?]?) {
            let publicCount = expectation.publicCount
            for trial in 0..<expectation.trials.count {
                guard let got = outputs[trial] else {
                    failing.append(trial)
                    if firstDifference == nil, trial < publicCount { firstDifference = (trial, nil) }
                    continue
                }
                if let checkMessages {
                    if let message = checkMessages[trial], !message.isEmpty {
                        failing.append(trial)
                        if firstDifference == nil, trial < publicCount {
                            firstDifference = (trial, nil)
                            firstCheckMessage = message
                        }
                    }
                    continue
                }
                let expected = expectation.expected[trial]
                if let difference = ValueComparison.firstDifference(
                    expected: expected, got: got, tolerance: spec.tolerance(forExpected: expected),
                    type: spec.signature.returnType)
                {
                    failing.append(trial)
                    if firstDifference == nil, trial < publicCount { firstDifference = (trial, difference) }
                }
            }
        }
    }

    /// The grade of a part whose trials all ran (or stopped), from the verdict on them.
    private func grade(
        _ part: Part, spec: SnippetSpec, expectation: SnippetExpectation, outputs: [SnippetValue?],
        verdict: TrialVerdict, runs: Runs
    ) -> PartGrade {
        let publicCount = expectation.publicCount
        let hiddenCount = expectation.trials.count - publicCount
        let publicFailing = verdict.failing.filter { $0 < publicCount }.count
        let hiddenFailing = verdict.failing.count - publicFailing
        let tally = PartGrade.TrialTally(
            publicPassed: publicCount - publicFailing, publicTotal: publicCount,
            hiddenPassed: hiddenCount == 0 ? nil : hiddenCount - hiddenFailing,
            hiddenTotal: hiddenCount == 0 ? nil : hiddenCount)
        let later =
            session.problems.role.gradesFinally || spec.hiddenTrials == 0
            ? "" : "; \(spec.hiddenTrials) hidden trials run at final grading"
        if verdict.failing.isEmpty {
            var grade = PartGrade(
                problem: problem.id, part: part, status: .passed, score: part.points,
                message: hiddenCount == 0
                    ? "all \(publicCount) public trials passed\(later)"
                    : "all \(publicCount) public and \(hiddenCount) hidden trials passed")
            grade.trials = tally
            return grade
        }
        var message =
            hiddenCount == 0
            ? "\(publicFailing) of \(publicCount) public trials failed"
            : """
            public trials: \(tally.publicPassed) of \(publicCount) passed; hidden trials: \(tally.hiddenPassed!) \
            of \(hiddenCount) passed
            """
        if let failure = runs.public.failure { message += ": \(failure)" }
        if let hiddenRun = runs.hidden, hiddenRun.failure != nil {
            // Which way it stopped is not said: code that sees a hidden input could choose it to signal the input.
            message += "; on a hidden trial the code stopped before finishing (a crash, a limit or the time limit)"
        }
        if runs.skippedHidden {
            message += "; the hidden trials were not run, since no public trial finished within the limits"
        }
        message += later
        var details = failureDetails(
            spec: spec, expectation: expectation, outputs: outputs, verdict: verdict, publicRun: runs.public)
        if verdict.firstDifference == nil, hiddenFailing > 0 {
            details.append(
                """
                Every public trial passes, but \(hiddenFailing) of \(hiddenCount) hidden trials fail. Hidden \
                trials are fresh inputs drawn for final grading; their inputs and expected outputs are never \
                shown. Test the function on inputs of your own, including the edge cases of the handout.
                """
            )
        }
        if hiddenCount > 0 { details.append(Self.rule) }
        if let pattern = patternHint(spec: spec, expectation: expectation, outputs: outputs, verdict: verdict) {
            details.append(pattern)
        }
        let stopped = runs.public.failure != nil || runs.hidden?.failure != nil
        let passed = expectation.trials.count - verdict.failing.count
        let status: PartGrade.Status = stopped && passed == 0 ? .error : (passed == 0 ? .failed : .partial)
        var grade = PartGrade(
            problem: problem.id, part: part, status: status,
            outcome: status == .error ? runs.public.failureKind ?? .crash : nil,
            score: Self.score(points: part.points, tally: tally), message: message, details: details,
            mistake: knownMistake(
                part, spec: spec, expectation: expectation, outputs: outputs, failing: verdict.failing))
        if !runs.public.printed.isEmpty && runs.public.failure != nil { grade.output = runs.public.printed }
        grade.trials = tally
        flagIfPublicOnly(&grade, tally: tally)
        return grade
    }

    /// The first failing public trial, shown: its input, what was expected and what came, and why they differ.
    private func failureDetails(
        spec: SnippetSpec, expectation: SnippetExpectation, outputs: [SnippetValue?], verdict: TrialVerdict,
        publicRun: EntryRun
    ) -> [String] {
        guard let (trial, difference) = verdict.firstDifference else { return [] }
        let type = spec.signature.returnType
        let input = expectation.trials[trial]
        let call =
            "\(spec.signature.name)("
            + zip(spec.signature.parameters, input).map { parameter, value in
                (parameter.label.map { "\($0): " } ?? "") + value.literal(as: parameter.type)
            }.joined(separator: ", ") + ")"
        let small = input.reduce(0) { $0 + $1.scalarCount } <= 60
        var details = [
            small
                ? "First failing public input (trial \(trial + 1)): `\(call)`"
                : "First failing public input: trial \(trial + 1) (too large to show)"
        ]
        let expected = expectation.expected[trial]
        if let message = verdict.firstCheckMessage {
            details.append("The check of what the output must satisfy says: \(ReportText.clean(message, limit: 500))")
            if expected.scalarCount <= 40, let got = outputs[trial] {
                details.append("One right output: `\(expected.literal(as: type))`")
                details.append("Got:      `\(got.literal(as: type))`")
            }
        } else if let difference {
            if expected.scalarCount <= 40, let got = outputs[trial] {
                details.append("Expected: `\(expected.literal(as: type))`")
                details.append("Got:      `\(got.literal(as: type))`")
            }
            let place = difference.path.isEmpty ? "" : " at \(difference.path)"
            if difference.isShape {
                details.append("Wrong shape\(place): \(difference.reason).")
            } else if let error = difference.error, let allowed = difference.allowed {
                details.append(
                    """
                    Largest error \(NumberFormatting.compact(error))\(place) (\(difference.reason)); \
                    \(spec.tolerance(forExpected: expected)) allows \(NumberFormatting.compact(allowed)).
                    """
                )
            } else {
                details.append("Differs\(place): \(difference.reason).")
            }
        } else if let failure = publicRun.failure {
            details.append("The code stopped on this trial: \(failure).")
        }
        return details
    }

    /// A pattern in the first failing public output (an identity off the diagonal, a transposed result), if one fits.
    private func patternHint(
        spec: SnippetSpec, expectation: SnippetExpectation, outputs: [SnippetValue?], verdict: TrialVerdict
    ) -> String? {
        guard verdict.firstCheckMessage == nil, let (trial, difference) = verdict.firstDifference, difference != nil,
            let got = outputs[trial]
        else { return nil }
        return PatternHints.hint(expected: expectation.expected[trial], got: got, tolerance: spec.tolerance)
    }

    /// The feedback of the known mistake whose outputs match on every failing trial, or of an overflow.
    private func knownMistake(
        _ part: Part, spec: SnippetSpec, expectation: SnippetExpectation, outputs: [SnippetValue?], failing: [Int]
    ) -> String? {
        let matched = expectation.mistakes.first { candidate in
            failing.allSatisfy { trial in
                guard let got = outputs[trial], let value = candidate.outputs[trial] else { return false }
                return ValueComparison.matches(expected: value, got: got, tolerance: spec.tolerance(forExpected: value))
            }
        }
        if let matched { return matched.feedback }
        let overflow = part.mistakes.first { if case .nonFinite = $0.match { return true } else { return false } }
        let allNonFinite = failing.allSatisfy { trial in
            outputs[trial].map { PatternHints.flatten($0).contains { !$0.isFinite } } ?? false
        }
        return allNonFinite ? overflow?.feedback : nil
    }

    /// Flags a part that passes far more public trials than hidden ones: answers written for the public checks.
    private func flagIfPublicOnly(_ grade: inout PartGrade, tally: PartGrade.TrialTally) {
        guard let hiddenTotal = tally.hiddenTotal, let hiddenPassed = tally.hiddenPassed, hiddenTotal > 0,
            Double(tally.publicPassed) / Double(tally.publicTotal) - Double(hiddenPassed) / Double(hiddenTotal)
                > session.options.flagThreshold
        else { return }
        grade.flag = PartGrade.Flag(
            reason: .publicOnly,
            detail:
                """
                passes \(tally.publicPassed) of \(tally.publicTotal) public trials but only \(hiddenPassed) of \
                \(hiddenTotal) hidden trials
                """
        )
        grade.details.append(
            """
            Flagged for your instructor's review: it passes far more public trials than hidden ones, the pattern \
            of answers written for the public checks rather than computed.
            """
        )
    }

    /// How hidden trials count, as the reports state it.
    static let rule =
        """
        Scoring: a third of the points for the public trials, two thirds for the hidden trials, each in \
        proportion to the trials passed.
        """

    /// A snippet part's score under `rule`: `points` times the public fraction passed, when no hidden trials ran.
    static func score(points: Double, tally: PartGrade.TrialTally) -> Double {
        let publicFraction = Double(tally.publicPassed) / Double(max(1, tally.publicTotal))
        guard let hiddenPassed = tally.hiddenPassed, let hiddenTotal = tally.hiddenTotal, hiddenTotal > 0 else {
            return points * publicFraction
        }
        let hiddenFraction = Double(hiddenPassed) / Double(hiddenTotal)
        return points * (publicFraction + 2 * hiddenFraction) / 3
    }

}
