import Foundation

/// Failures that stop the grader itself (as opposed to a submission losing points).
public enum GraderError: Error, CustomStringConvertible, Sendable {
    case toolMissing(name: String, hint: String)
    case io(path: String, reason: String)
    case sandboxUnavailable(reason: String)
    case usage(String)
    case referenceBroken(problem: String, detail: String)
    /// The reference failed on one student's variant of the numbers only: that student's parts that need it
    /// cannot be graded; everyone else's can.
    case variantBroken(problem: String, variant: String, detail: String)
    /// No draw of a problem's parameters met its constraints for one variant key (one student): that student's
    /// numbers are unknown; everyone else's are not.
    case noVariant(problem: String, detail: String)

    public var description: String {
        switch self {
        case .toolMissing(let name, let hint): return "\(name) not found: \(hint)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .sandboxUnavailable(let reason):
            return "the snippet sandbox is not available (\(reason)) and --require-sandbox was given"
        case .usage(let message): return message
        case .referenceBroken(let problem, let detail):
            return "problem `\(problem)`: the reference implementation failed: \(detail)"
        case .noVariant(let problem, let detail):
            return "problem `\(problem)`: \(detail)"
        case .variantBroken(let problem, let variant, let detail):
            return "problem `\(problem)`: the reference implementation failed on the variant \(variant): \(detail)"
        }
    }
}

extension GraderError {
    /// `error` as a fault of the grader's own files: itself when it is a `GraderError` already, else `.io` naming
    /// the file and the system's reason where Foundation gives them, or `fallback` and the error's own words;
    /// `doing` says what failed, before the reason.
    static func files(_ error: any Error, path fallback: String, doing: String? = nil) -> GraderError {
        if let error = error as? GraderError { return error }
        let system = error as NSError
        let path =
            system.userInfo[NSFilePathErrorKey] as? String ?? (system.userInfo[NSURLErrorKey] as? URL)?.path
            ?? fallback
        if let underlying = (system.userInfo[NSUnderlyingErrorKey] as? any Error).map({ $0 as NSError }),
            underlying.domain == NSPOSIXErrorDomain
        {
            return .io(
                path: path, reason: (doing.map { "\($0): " } ?? "") + String(cString: strerror(Int32(underlying.code))))
        }
        return .io(path: path, reason: (doing.map { "\($0): " } ?? "") + system.localizedDescription)
    }
}
