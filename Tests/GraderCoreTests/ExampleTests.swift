import Foundation
import Testing

@testable import GraderCore

/// The example answer that the handout, the student kit's HANDOUT.md, `grader list` and the scaffold show never
/// gives an answer away: for every answer part of both bundled assignments, on the handout's numbers and on 50
/// students' variants, it is not the key and the part's own checker does not accept it.
@Suite("examples give nothing away")
struct ExampleTests {
    static let students = (0..<50).map { "student-\($0)" }

    @Test(arguments: ["hw6", "calculus-backprop"])
    func examplesAreNeverKeys(assignment: String) throws {
        let session = assignment == "hw6" ? TestSupport.session : TestSupport.calculusSession
        var examined = 0
        for problem in session.problems.problems where !problem.answerParts.isEmpty {
            var variants = [try problem.variant(key: nil)]
            if !problem.parameters.isEmpty {
                variants += try Self.students.map { try problem.variant(student: $0, secret: session.problems.secret) }
                try session.prepareVariants(variants, of: problem)
            }
            for variant in variants {
                let keys = try session.referenceResults(for: problem, variant: variant).answerKeys
                for part in problem.answerParts {
                    let key = keys[part.id] ?? AnswerKey(expected: nil)
                    guard let example = part.kind.example(of: part) else {
                        #expect(!part.form.contains("e.g."), "\(part.id) shows an example it does not declare")
                        continue
                    }
                    examined += 1
                    #expect(part.kind.answerKeyText(of: part, key: key) != example.flowText, "\(problem.id).\(part.id)")
                    let grade = part.kind.check(problem: problem.id, part: part, answer: example, key: key)
                    #expect(
                        grade.score == 0 && grade.status != .passed,
                        """
                        \(problem.id).\(part.id) accepts its example \(example.flowText) for \(variant): \
                        \(grade.message)
                        """
                    )
                }
            }
        }
        #expect(examined > 0)
    }

    /// What the handout and the scaffold show is the kind's example, so the check above covers them.
    @Test(arguments: ["hw6", "calculus-backprop"])
    func handoutAndScaffoldShowTheExample(assignment: String) throws {
        let session = assignment == "hw6" ? TestSupport.session : TestSupport.calculusSession
        let scaffold = Scaffold.files(for: session.problems)[0].contents
        for problem in session.problems.problems {
            let handout = Handout.markdown(problem, limits: SandboxLimits())
            for part in problem.answerParts {
                guard let example = part.kind.example(of: part) else { continue }
                #expect(handout.contains("`\(part.id): \(example.flowText)`"), "\(problem.id).\(part.id)")
                #expect(scaffold.contains("\(part.id): null  # \(part.form.replacingOccurrences(of: "`", with: ""))"))
                if let key = part.kind.answerKeyText(of: part, key: nil) {
                    #expect(
                        !handout.contains("`\(part.id): \(key)`"),
                        "the handout of \(problem.id) shows the key of \(part.id)")
                }
            }
        }
    }
}
