import FuzzSupport

@testable import GraderCore

/// The bundled assignments, whose parts the input answers.
let assignments: [ProblemSet] = setUp {
    ["hw6", "calculus-backprop", "training"].map {
        do { return try ProblemLoader.load(directory: "\(repositoryRoot)/problems/\($0)") } catch {
            fatalError("fuzz-answers: cannot load the bundled assignment \($0): \(error)")
        }
    }
}

/// A key for each part answered in `answers.yaml`: a numeric part's is its own example answer (so that answers are
/// compared, not only read); choices and formulas carry what they are checked against in their definition.
func key(of part: Part) -> AnswerKey {
    guard let numeric = part.kind as? NumericKind, let example = numeric.example(of: part),
        case .success(let value) = AnswerParser.parse(example, as: numeric.valueType)
    else { return AnswerKey(expected: nil) }
    return AnswerKey(expected: value)
}

/// Reads the input as `answers.yaml` of each bundled assignment and grades every answer part it names: any bytes
/// must be read or refused with a message, and every grade must lie between 0 and the part's points, with an answer
/// left out scoring 0.
/// Every part's key, by assignment folder and `problem.part`, worked out once.
let keys: [String: AnswerKey] = setUp {
    var keys: [String: AnswerKey] = [:]
    for problems in assignments {
        for problem in problems.problems {
            for part in problem.answerParts { keys["\(problems.directory)/\(problem.id).\(part.id)"] = key(of: part) }
        }
    }
    return keys
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnswers(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    for problems in assignments {
        let submission = Submission.parse(answers: input, folder: "fuzz", problems: problems)
        if let problem = submission.answersProblem {
            require(!problem.isEmpty && submission.answers.isEmpty, "a refused answers.yaml kept answers")
        }
        for problem in problems.problems {
            for part in problem.answerParts {
                let answer = submission.answers[problem.id]?[part.id]
                let grade = part.kind.check(
                    problem: problem.id, part: part, answer: answer,
                    key: keys["\(problems.directory)/\(problem.id).\(part.id)"] ?? key(of: part))
                require(
                    grade.score.isFinite && grade.score >= 0 && grade.score <= part.points,
                    "\(problem.id).\(part.id) scored \(grade.score) of \(part.points)")
                if answer == nil || answer?.isNull == true {
                    require(grade.score == 0, "\(problem.id).\(part.id) gave \(grade.score) for no answer")
                }
            }
        }
    }
    return 0
}
