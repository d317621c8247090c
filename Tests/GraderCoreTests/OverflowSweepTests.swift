import Foundation
import Testing

@testable import GraderCore

/// A check or a tolerance computed from the student's own output can be fooled by overflow: `maximumLikelihoodWeights`
/// returning 1e200 in every entry made the normal-equations check's tolerance infinite, and passed. Every
/// property-checked and gradient-checked part of every bundled assignment must reject every degenerate output on
/// every trial, judged the way final grading judges it.
@Suite struct OverflowSweepTests {
    /// The parts judged by a check or by central differences, with their session and problem.
    static var parts: [(session: GradingSession, problem: Problem, part: Part)] {
        [TestSupport.session, TestSupport.calculusSession].flatMap { session in
            session.problems.problems.flatMap { problem in
                problem.snippetParts.compactMap { part -> (GradingSession, Problem, Part)? in
                    guard let spec = part.kind.snippet, spec.propertyCheck != nil || spec.gradientOf != nil else {
                        return nil
                    }
                    return (session, problem, part)
                }
            }
        }
    }

    @Test("the bundled assignments have check-based and gradient-checked parts to sweep")
    func partsExist() {
        let names = Self.parts.map { "\($0.problem.id).\($0.part.id)" }
        #expect(names.contains("least-squares.maximumLikelihoodWeights"))
        #expect(names.contains { $0.hasPrefix("backprop-mlp.") })
    }

    @Test("1e200, -1e200, 1e-300, nan, infinities, empty and wrong-length outputs fail every trial")
    func degenerateOutputsFail() throws {
        for (session, problem, part) in Self.parts {
            guard let spec = part.kind.snippet else { continue }
            let expectation = try #require(try session.referenceResults(for: problem).snippets[part.id])
            for (trial, expected) in expectation.expected.enumerated() {
                let candidates = DegenerateOutputs.all(like: expected)
                #expect(candidates.count >= 8)
                if spec.propertyCheck != nil {
                    // As final grading asks it: the check itself, on each candidate for this trial's input.
                    let messages = try ReferenceRunner(session: session, problem: problem).propertyCheck(
                        part, trials: Array(repeating: expectation.trials[trial], count: candidates.count),
                        outputs: candidates.map(\.value))
                    for (candidate, message) in zip(candidates, messages) {
                        #expect(
                            message != "",
                            "\(problem.id).\(part.id) trial \(trial + 1): the check accepts \(candidate.description)")
                    }
                } else {
                    for candidate in candidates {
                        let accepted = ValueComparison.matches(
                            expected: expected, got: candidate.value, tolerance: spec.tolerance(forExpected: expected))
                        #expect(
                            !accepted,
                            """
                            \(problem.id).\(part.id) trial \(trial + 1): the tolerance accepts \
                            \(candidate.description)
                            """
                        )
                    }
                }
            }
            #expect(
                try ProblemValidator.degenerateAccepted(
                    by: part, expectation: expectation, session: session, problem: problem) == nil)
        }
    }

    @Test("an output of 1e200 in every entry does not pass the normal-equations check")
    func normalEquationsCheckOverflow() throws {
        let session = TestSupport.calculusSession
        let message = try session.callReference(
            problem: "least-squares",
            signature: "func maximumLikelihoodCheck(X: [[Double]], y: [Double], output: [Double]) -> String",
            arguments: [
                [
                    TestSupport.matrix([[1, 2], [3, -1], [0.5, 2]]), TestSupport.vector([1, 0, -1]),
                    TestSupport.vector([1e200, 1e200]),
                ]
            ])
        guard case .string(let text) = message[0] else {
            Issue.record("not a string: \(message)")
            return
        }
        #expect(text.contains("overflows") || text.contains("not 0"), "\(text)")
    }
}
