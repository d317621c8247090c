/// Failures that stop the grader itself (as opposed to a submission losing points).
public enum GraderError: Error, CustomStringConvertible, Sendable {
    case toolMissing(name: String, hint: String)
    case io(path: String, reason: String)
    case sandboxUnavailable(reason: String)
    case usage(String)
    case referenceBroken(problem: String, detail: String)

    public var description: String {
        switch self {
        case let .toolMissing(name, hint): return "\(name) not found: \(hint)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .sandboxUnavailable(reason):
            return "the snippet sandbox is not available (\(reason)) and --require-sandbox was given"
        case let .usage(message): return message
        case let .referenceBroken(problem, detail):
            return "problem `\(problem)`: the reference implementation failed: \(detail)"
        }
    }
}
