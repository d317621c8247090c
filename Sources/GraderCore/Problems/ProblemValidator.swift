import Foundation

/// One thing wrong with a problem definition, at the file and line an instructor must fix.
public struct ValidationIssue: Sendable, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int?
    public let message: String
    /// Worth knowing, but the definition is not wrong: validation still passes.
    public var isWarning = false

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(isWarning ? "warning" : "error"): \(message)" }
}

/// What `grader validate` found: a line per problem and every issue.
public struct ValidationReport: Sendable {
    public struct ProblemSummary: Sendable {
        public let id: String
        public let parts: Int
        public let points: Double
        public let issues: Int
    }

    public var problems: [ProblemSummary] = []
    public var issues: [ValidationIssue] = []
    /// The reference submission graded, if one was.
    public var referenceSubmission: String?
    public var referenceScore: (score: Double, max: Double)?

    public var passed: Bool { !issues.contains { !$0.isWarning } }
}

/// Checks loaded problem definitions beyond their format: the references compile and run on their own trials,
/// points add up, tolerances make sense, every known mistake really fails its part, and the full-marks reference
/// submission gets full marks.
public struct ProblemValidator: Sendable {
    public let session: GradingSession

    public init(session: GradingSession) { self.session = session }

    /// Draws checked by `grader validate` to estimate how often a problem's constraints are met.
    static let constraintSamples = 2000
    /// Students' variants whose answer keys `grader validate` computes, to check the known mistakes on each.
    static let variantSamples = 20

    /// The parameters' issues: default values that break a constraint, constraints met too rarely for every
    /// student to get a variant, and variants on which a known mistake has the right answer.
    func checkParameters(_ problem: Problem) -> [ValidationIssue] {
        guard !problem.parameters.isEmpty else { return [] }
        var issues: [ValidationIssue] = []
        let space = problem.parameters
        if let defaults = try? space.defaults(), let broken = space.brokenConstraint(defaults) {
            issues.append(ValidationIssue(
                file: problem.definitionPath, line: broken.line,
                message: "the handout's own numbers (the `default` values) break the constraint `\(broken.text)`"))
        }
        // How often each constraint, and all of them together, hold on fresh draws.
        var random = SeededGenerator(seed: 2026, salt: "validate/\(problem.id)")
        var held = [Int](repeating: 0, count: space.constraints.count)
        var accepted = 0
        for _ in 0..<Self.constraintSamples {
            guard let values = space.drawValues(&random) else { continue }
            let evaluator = MathEvaluator(variables: values.mathVariables)
            var all = true
            for (index, constraint) in space.constraints.enumerated() {
                if space.holds(constraint, evaluator) { held[index] += 1 } else { all = false }
            }
            if all { accepted += 1 }
        }
        let rate = Double(accepted) / Double(Self.constraintSamples)
        // With rate p, a student gets no variant with probability (1 - p)^maxDraws: below 5%, that nears 1 in 10^22.
        if rate < 0.05 {
            let rarest = zip(space.constraints, held).min { $0.1 < $1.1 }
            let detail = rarest.map { " (the rarest, `\($0.0.text)`, alone holds in \($0.1) of \(Self.constraintSamples))" } ?? ""
            issues.append(ValidationIssue(
                file: problem.definitionPath, line: rarest?.0.line,
                message: "only \(accepted) of \(Self.constraintSamples) draws of the parameters meet every constraint\(detail); a student's variant is given up after \(ParameterSpace.maxDraws) draws, so widen the generators or relax the constraints",
                isWarning: accepted > 0))
            if accepted == 0 { return issues }
        }
        // Every known mistake must stay wrong on students' variants, not only on the handout's own numbers.
        let variants = (0..<Self.variantSamples).compactMap { try? problem.variant(student: "validate-\($0)", secret: session.problems.secret) }
        do {
            try session.prepareVariants(variants, of: problem)
            for variant in variants {
                let keys = try session.referenceResults(for: problem, variant: variant).answerKeys
                for part in problem.parts {
                    guard let tolerance = part.kind.numericTolerance, let key = keys[part.id], let expected = key.expected else { continue }
                    for known in key.mistakes where ValueComparison.matches(expected: expected, got: known.value, tolerance: tolerance) {
                        issues.append(ValidationIssue(
                            file: problem.definitionPath, line: part.line,
                            message: "part `\(part.id)`: for the variant \(variant), a known mistake gives the right answer \(expected.swiftLiteral); add a constraint that keeps the mistake distinct"))
                        return issues
                    }
                }
            }
        } catch {
            issues.append(ValidationIssue(file: problem.referencePath, line: nil, message: "on students' variants: \(error)"))
        }
        return issues
    }

    /// Runs every check; `referenceSubmission` is a folder that must get full marks (`nil` skips that check).
    public func validate(referenceSubmission: String?) -> ValidationReport {
        let set = session.problems
        let assignment = (set.directory as NSString).appendingPathComponent("assignment.yaml")
        var report = ValidationReport()
        if let declared = set.declaredPoints, abs(declared.value - set.maxScore) > 1e-9 {
            report.issues.append(ValidationIssue(
                file: assignment, line: declared.line,
                message: "`points: \(NumberFormatting.score(declared.value))` but the problems' parts add up to \(NumberFormatting.score(set.maxScore))"))
        }
        for folder in set.unlisted {
            report.issues.append(ValidationIssue(
                file: assignment, line: nil,
                message: "the problem folder `\(folder)` is not listed under `problems:`, so it is never graded"))
        }
        let perProblem = parallelMap(count: set.problems.count, width: session.options.jobs) { index in
            self.check(set.problems[index])
        }
        for (problem, issues) in zip(set.problems, perProblem) {
            report.problems.append(.init(id: problem.id, parts: problem.parts.count, points: problem.maxScore, issues: issues.filter { !$0.isWarning }.count))
            report.issues += issues
        }
        if let folder = referenceSubmission, perProblem.allSatisfy(\.isEmpty) {
            report.referenceSubmission = folder
            report.issues += checkFullMarks(folder, into: &report)
        }
        return report
    }

    /// The issues of one problem.
    func check(_ problem: Problem) -> [ValidationIssue] {
        let definition = problem.definitionPath
        var issues: [ValidationIssue] = []
        func issue(_ line: Int?, _ message: String, file: String? = nil) {
            issues.append(ValidationIssue(file: file ?? definition, line: line, message: message))
        }
        if let declared = problem.declaredPoints, abs(declared.value - problem.maxScore) > 1e-9 {
            issue(declared.line, "`points: \(NumberFormatting.score(declared.value))` but the parts add up to \(NumberFormatting.score(problem.maxScore))")
        }
        issues += checkParameters(problem)
        let reference: ReferenceResults
        do {
            reference = try session.referenceResults(for: problem)
        } catch {
            issue(nil, "\(error)", file: problem.referencePath)
            return issues
        }
        for part in problem.parts {
            switch part.kind {
            case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
                guard let key = reference.answerKeys[part.id], let expected = key.expected else { continue }
                if let problemText = Self.nonFinite(expected) {
                    issue(part.line, "part `\(part.id)`: the expected answer contains \(problemText); no answer can match it")
                    continue
                }
                if let looseness = Self.looseness(expected: expected, tolerance: spec.tolerance) {
                    issue(part.line, "part `\(part.id)`: \(spec.tolerance) \(looseness) (expected \(expected.literal(as: part.kind.valueType!)))")
                }
                let valueMistakes = part.mistakes.filter { if case .value = $0.match { return true } else { return false } }
                for (mistake, known) in zip(valueMistakes, key.mistakes)
                where ValueComparison.matches(expected: expected, got: known.value, tolerance: spec.tolerance) {
                    issue(mistake.line, "part `\(part.id)`: this mistake's value \(known.value.literal(as: part.kind.valueType!)) is accepted by the part's tolerance (\(spec.tolerance)); students who make it get full marks and never see its feedback")
                }
            case .formula(let spec):
                guard let answer = spec.answer else { continue }
                let points = spec.points()
                let values = points.map { try? MathEvaluator(variables: $0).evaluate(answer) }
                let defined = values.compactMap { $0 }.filter { $0.entries.allSatisfy(\.isFinite) }
                if defined.count < max(1, points.count / 2) {
                    issue(part.line, "part `\(part.id)`: the answer `\(spec.answerText ?? "")` is undefined (a shape error, inf or NaN) at \(points.count - defined.count) of \(points.count) trial points; check the variables' shapes and ranges")
                }
                for mistake in part.mistakes {
                    guard case .formula(let text) = mistake.match, let wrong = try? MathExpression(parsing: text) else { continue }
                    let caught = zip(points, values).contains { point, expected in
                        guard let expected, let got = try? MathEvaluator(variables: point).evaluate(wrong) else { return true }
                        return FormulaChecker.difference(expected: expected, got: got, tolerance: spec.tolerance) != nil
                    }
                    if !caught {
                        issue(mistake.line, "part `\(part.id)`: the mistake `\(text)` equals the answer at every trial point; students who write it get full marks and never see its feedback (use non-symmetric matrices, more trials or wider dimensions)")
                    }
                }
            case .snippet(let spec):
                if spec.hiddenTrials == 0, session.problems.role.gradesFinally {
                    var warning = ValidationIssue(
                        file: definition, line: part.line,
                        message: "part `\(part.id)`: `hidden-trials: 0`, so final grades rest on the public trials alone, whose expected outputs the student kit holds: a table of them earns full marks")
                    warning.isWarning = true
                    issues.append(warning)
                }
                guard let expectation = reference.snippets[part.id] else { continue }
                let hiddenDrawn = expectation.trials.count - expectation.publicCount
                if session.problems.role.gradesFinally, hiddenDrawn < spec.hiddenTrials {
                    var warning = ValidationIssue(
                        file: definition, line: part.line,
                        message: "part `\(part.id)`: only \(hiddenDrawn) of \(spec.hiddenTrials) hidden trials could be drawn unlike every public trial: the inputs' space is nearly exhausted, so the public trials' outputs are nearly the whole answer")
                    warning.isWarning = true
                    issues.append(warning)
                }
                for (trial, value) in expectation.expected.enumerated() {
                    if let problemText = Self.nonFinite(value) {
                        issue(part.line, "part `\(part.id)`: the reference returns \(problemText) on trial \(trial + 1); no student output can match it")
                        break
                    }
                }
                if spec.propertyCheck != nil, session.problems.role.gradesFinally {
                    do {
                        let messages = try ReferenceRunner(session: session, problem: problem)
                            .propertyCheck(part, trials: expectation.trials, outputs: expectation.expected)
                        if let trial = messages.firstIndex(where: { $0 != "" }) {
                            issue(part.line, "part `\(part.id)`: the check `\(spec.propertyCheck!)` rejects the reference's own output on trial \(trial + 1): \(messages[trial] ?? "no message")")
                        }
                        if let accepted = try Self.degenerateAccepted(by: part, expectation: expectation, session: session, problem: problem) {
                            issue(part.line, "part `\(part.id)`: the check `\(spec.propertyCheck!)` accepts \(accepted); it must treat non-finite or overflowing intermediates (a norm, a tolerance) as a failure")
                        }
                    } catch {
                        issue(part.line, "part `\(part.id)`: the check `\(spec.propertyCheck!)` could not run: \(error)")
                    }
                }
                if spec.gradientOf != nil, let accepted = try? Self.degenerateAccepted(by: part, expectation: expectation, session: session, problem: problem) {
                    issue(part.line, "part `\(part.id)`: its tolerance accepts \(accepted)")
                }
                let type = spec.signature.returnType
                if let trial = expectation.expected.indices.first(where: { Self.looseness(expected: expectation.expected[$0], tolerance: spec.tolerance) != nil }),
                    let looseness = Self.looseness(expected: expectation.expected[trial], tolerance: spec.tolerance)
                {
                    issue(part.line, "part `\(part.id)`: \(spec.tolerance) \(looseness) on trial \(trial + 1) (expected \(expectation.expected[trial].literal(as: type)))")
                }
                let implementations = part.mistakes.filter { if case .implementation = $0.match { return true } else { return false } }
                for (mistake, outputs) in zip(implementations, expectation.mistakes) {
                    let caught = zip(expectation.expected, outputs.outputs).contains { expected, got in
                        guard let got else { return true }
                        return !ValueComparison.matches(expected: expected, got: got, tolerance: spec.tolerance)
                    }
                    if !caught, case .implementation(let function) = mistake.match {
                        issue(mistake.line, "part `\(part.id)`: the mistake `\(function)` gives the reference's outputs on all \(Self.trialCount(expectation)); the trials never exercise it or the tolerance accepts it")
                    }
                }
            case .choice, .multipleChoice:
                // Grade the answers a student who knows nothing would give, with the real checker: nothing, everything.
                let options: [String]
                switch part.kind {
                case .choice(let spec), .multipleChoice(let spec): options = spec.options
                default: options = []
                }
                for (name, answer) in [("an empty answer", YAMLTree.sequence([], line: part.line)),
                                       ("selecting every option", .sequence(options.map { .scalar($0, quoted: false, line: part.line) }, line: part.line))] {
                    let grade = ChoiceChecker().check(problem: problem.id, part: part, answer: answer, key: AnswerKey(expected: nil))
                    if grade.score > 0 {
                        var warning = ValidationIssue(
                            file: definition, line: part.line,
                            message: "part `\(part.id)`: \(name) earns \(NumberFormatting.score(grade.score)) of \(NumberFormatting.score(part.points)) points")
                        warning.isWarning = true
                        issues.append(warning)
                    }
                }
            }
        }
        return issues
    }

    /// The first degenerate output (`DegenerateOutputs`) that `part` accepts on some trial, in words; `nil` when it
    /// rejects them all. A property-checked part asks the check, as final grading does (outputs with nan or an
    /// infinity included: the grader fails those before any check, but a check should not rely on it); any other
    /// part compares with its tolerance.
    static func degenerateAccepted(by part: Part, expectation: SnippetExpectation, session: GradingSession, problem: Problem) throws -> String? {
        guard case .snippet(let spec) = part.kind else { return nil }
        // Every trial's candidates, in one run of the check.
        let cases = expectation.expected.enumerated().flatMap { trial, expected in
            DegenerateOutputs.all(like: expected).map { (trial: trial, description: $0.description, value: $0.value) }
        }
        if spec.propertyCheck != nil {
            let messages = try ReferenceRunner(session: session, problem: problem).propertyCheck(
                part, trials: cases.map { expectation.trials[$0.trial] }, outputs: cases.map(\.value))
            return messages.firstIndex { $0 == "" }.map { "\(cases[$0].description) on trial \(cases[$0].trial + 1)" }
        }
        return cases.first { candidate in
            let expected = expectation.expected[candidate.trial]
            return ValueComparison.matches(expected: expected, got: candidate.value, tolerance: spec.tolerance(forExpected: expected))
        }.map { "\($0.description) on trial \($0.trial + 1)" }
    }

    /// Grades `folder` as the id `reference` (the handout's own numbers) and reports every part short of full marks.
    func checkFullMarks(_ folder: String, into report: inout ValidationReport) -> [ValidationIssue] {
        let grade: GradeReport
        do {
            grade = try session.grade(folder: folder, student: Variants.referenceStudent)
        } catch {
            return [ValidationIssue(file: folder, line: nil, message: "grading the reference submission failed: \(error)")]
        }
        report.referenceScore = (grade.score, grade.maxScore)
        return grade.allParts.filter { $0.status != .passed }.map { part in
            let file = part.kind == .snippet ? "\(part.problem).swift" : Submission.answersFileName
            return ValidationIssue(
                file: (folder as NSString).appendingPathComponent(file), line: nil,
                message: "the reference submission gets \(NumberFormatting.score(part.score))/\(NumberFormatting.score(part.maxScore)) on `\(part.problem).\(part.id)`: \(part.message)")
        }
    }

    /// "nan" or "an infinity" when `value` holds one.
    /// "12 trials", or "12 public and 12 hidden trials".
    static func trialCount(_ expectation: SnippetExpectation) -> String {
        let hidden = expectation.trials.count - expectation.publicCount
        return hidden == 0 ? "\(expectation.publicCount) trials" : "\(expectation.publicCount) public and \(hidden) hidden trials"
    }

    static func nonFinite(_ value: SnippetValue) -> String? {
        let numbers = PatternHints.flatten(value)
        if numbers.contains(where: \.isNaN) { return "nan" }
        if numbers.contains(where: \.isInfinite) { return "an infinity" }
        return nil
    }

    /// How `tolerance` is too loose for `expected`, if it is: it accepts all zeros, or twice the answer.
    static func looseness(expected: SnippetValue, tolerance: Tolerance) -> String? {
        let numbers = PatternHints.flatten(expected)
        guard numbers.contains(where: { $0 != 0 }) else { return nil }
        if ValueComparison.matches(expected: expected, got: scaled(expected, by: 0), tolerance: tolerance) {
            return "accepts an answer of all zeros"
        }
        if ValueComparison.matches(expected: expected, got: scaled(expected, by: 2), tolerance: tolerance) {
            return "accepts twice the expected answer"
        }
        return nil
    }

    /// `value` with every number multiplied by `factor` (integers stay integers).
    static func scaled(_ value: SnippetValue, by factor: Double) -> SnippetValue {
        switch value {
        case .double(let x): return .double(x * factor)
        case .int(let x): return .int(x.multipliedReportingOverflow(by: Int(factor)).partialValue)
        case .bool, .string: return value
        case .array(let values): return .array(values.map { scaled($0, by: factor) })
        case .tuple(let values): return .tuple(values.map { scaled($0, by: factor) })
        }
    }
}
