import Foundation

/// The results as JSON, in the stable schema of `docs/results-schema.md` (keys sorted, so output is byte-stable).
public struct JSONReporter: SubmissionReporter {
    public static let format = "json"
    public static let flag = "json"
    public static let help = "Write the results as JSON here (schema: docs/results-schema.md)."
    public static let fileName = "results.json"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        // As `JSONEncoder` with pretty printing, sorted keys, unescaped slashes and non-finite numbers as "inf",
        // "-inf", "nan" writes it; field by field (`JSONMembers`).
        guard var bytes = try? JSONText.members(report, pretty: true, nonFinite: JSONText.NonFiniteNames()) else {
            return "{}\n"
        }
        bytes.append(0x0A)
        return String(decoding: bytes, as: UTF8.self)
    }
}
