import Foundation

/// What `grader validate` found: a line per problem and every issue.
public struct ValidationReport: Sendable {
    public struct ProblemSummary: Sendable {
        public let id: String
        public let parts: Int
        public let points: Double
        public let issues: Int
    }

    public var problems: [ProblemSummary] = []
    public var issues: [Diagnostic] = []
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
    func checkParameters(_ problem: Problem) -> [Diagnostic] {
        guard !problem.parameters.isEmpty else { return [] }
        var issues: [Diagnostic] = []
        let space = problem.parameters
        if let defaults = try? space.defaults(), let broken = space.brokenConstraint(defaults) {
            issues.append(
                Diagnostic(
                    .error, file: problem.definitionPath, line: broken.line,
                    "the handout's own numbers (the `default` values) break the constraint `\(broken.text)`"))
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
            let detail =
                rarest.map { " (the rarest, `\($0.0.text)`, alone holds in \($0.1) of \(Self.constraintSamples))" }
                ?? ""
            issues.append(
                Diagnostic(
                    accepted > 0 ? .warning : .error, file: problem.definitionPath, line: rarest?.0.line,
                    """
                    only \(accepted) of \(Self.constraintSamples) draws of the parameters meet every \
                    constraint\(detail); a student's variant is given up after \(ParameterSpace.maxDraws) draws, \
                    so widen the generators or relax the constraints
                    """
                ))
            if accepted == 0 { return issues }
        }
        // Every known mistake must stay wrong on students' variants, not only on the handout's own numbers.
        let variants = (0..<Self.variantSamples).compactMap {
            try? problem.variant(student: "validate-\($0)", secret: session.problems.secret)
        }
        do {
            try session.prepareVariants(variants, of: problem, width: session.options.jobs)
            for variant in variants {
                let keys = try session.referenceResults(for: problem, variant: variant).answerKeys
                for part in problem.parts {
                    guard let tolerance = part.kind.tolerance, let key = keys[part.id], let expected = key.expected
                    else { continue }
                    for known in key.mistakes
                    where ValueComparison.matches(expected: expected, got: known.value, tolerance: tolerance) {
                        issues.append(
                            Diagnostic(
                                .error, file: problem.definitionPath, line: part.line,
                                """
                                part `\(part.id)`: for the variant \(variant), a known mistake gives the right \
                                answer \(expected.swiftLiteral); add a constraint that keeps the mistake distinct
                                """
                            ))
                        return issues
                    }
                }
            }
        } catch {
            issues.append(Diagnostic(.error, file: problem.referencePath, line: nil, "on students' variants: \(error)"))
        }
        return issues
    }

    /// Runs every check; `referenceSubmission` is a folder that must get full marks (`nil` skips that check).
    public func validate(referenceSubmission: String?) -> ValidationReport {
        let set = session.problems
        let assignment = (set.directory as NSString).appendingPathComponent("assignment.yaml")
        var report = ValidationReport()
        if let declared = set.declaredPoints, abs(declared.value - set.maxScore) > 1e-9 {
            report.issues.append(
                Diagnostic(
                    .error, file: assignment, line: declared.line,
                    """
                    `points: \(NumberFormatting.score(declared.value))` but the problems' parts add up to \
                    \(NumberFormatting.score(set.maxScore))
                    """
                ))
        }
        for folder in set.unlisted {
            report.issues.append(
                Diagnostic(
                    .error, file: assignment, line: nil,
                    "the problem folder `\(folder)` is not listed under `problems:`, so it is never graded"))
        }
        report.issues += KeyLeaks.find(in: set)
        let perProblem = parallelMap(count: set.problems.count, width: session.options.jobs) { index in
            self.check(set.problems[index])
        }
        for (problem, issues) in zip(set.problems, perProblem) {
            report.problems.append(
                .init(
                    id: problem.id, parts: problem.parts.count, points: problem.maxScore,
                    issues: issues.filter { !$0.isWarning }.count))
            report.issues += issues
        }
        // Notes (an experiment's measured acceptance) are no reason to skip the reference submission's grading.
        if let folder = referenceSubmission, perProblem.allSatisfy({ $0.allSatisfy { $0.severity == .note } }) {
            report.referenceSubmission = folder
            report.issues += checkFullMarks(folder, into: &report)
        }
        return report
    }

    /// The issues of one problem.
    func check(_ problem: Problem) -> [Diagnostic] {
        let definition = problem.definitionPath
        var issues: [Diagnostic] = []
        func issue(_ line: Int?, _ message: String, file: String? = nil) {
            issues.append(Diagnostic(.error, file: file ?? definition, line: line, message))
        }
        if let declared = problem.declaredPoints, abs(declared.value - problem.maxScore) > 1e-9 {
            issue(
                declared.line,
                """
                `points: \(NumberFormatting.score(declared.value))` but the parts add up to \
                \(NumberFormatting.score(problem.maxScore))
                """
            )
        }
        issues += checkParameters(problem)
        let reference: ReferenceResults
        do {
            reference = try session.referenceResults(for: problem)
        } catch {
            issue(nil, "\(error)", file: problem.referencePath)
            return issues
        }
        let context = KindValidation(session: session, problem: problem, reference: reference)
        for part in problem.parts { issues += part.kind.validate(part, in: context) }
        return issues
    }

    /// The first degenerate output (`DegenerateOutputs`) that `part` accepts on some trial, in words; `nil` when it
    /// rejects them all. A property-checked part asks the check, as final grading does (outputs with nan or an
    /// infinity included: the grader fails those before any check, but a check should not rely on it); any other
    /// part compares with its tolerance.
    static func degenerateAccepted(
        by part: Part, expectation: SnippetExpectation, session: GradingSession, problem: Problem
    ) throws -> String? {
        guard let spec = part.kind.snippet else { return nil }
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
            return ValueComparison.matches(
                expected: expected, got: candidate.value, tolerance: spec.tolerance(forExpected: expected))
        }.map { "\($0.description) on trial \($0.trial + 1)" }
    }

    /// Grades `folder` as the id `reference` (the handout's own numbers) and reports every part short of full marks.
    func checkFullMarks(_ folder: String, into report: inout ValidationReport) -> [Diagnostic] {
        let grade: GradeReport
        do {
            grade = try session.grade(folder: folder, student: Variants.referenceStudent)
        } catch {
            return [Diagnostic(.error, file: folder, line: nil, "grading the reference submission failed: \(error)")]
        }
        report.referenceScore = (grade.score, grade.maxScore)
        return grade.allParts.filter { $0.status != .passed }.map { part in
            let file = part.kind == .snippet ? "\(part.problem).swift" : Submission.answersFileName
            return Diagnostic(
                .error, file: (folder as NSString).appendingPathComponent(file), line: nil,
                """
                the reference submission gets \
                \(NumberFormatting.score(part.score))/\(NumberFormatting.score(part.maxScore)) on \
                `\(part.problem).\(part.id)`: \(part.message)
                """
            )
        }
    }

    /// "nan" or "an infinity" when `value` holds one.
    /// "12 trials", or "12 public and 12 hidden trials".
    static func trialCount(_ expectation: SnippetExpectation) -> String {
        let hidden = expectation.trials.count - expectation.publicCount
        return hidden == 0
            ? "\(expectation.publicCount) trials" : "\(expectation.publicCount) public and \(hidden) hidden trials"
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
