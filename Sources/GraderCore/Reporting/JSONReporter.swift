import Foundation

/// The results as JSON, in the stable schema of `docs/results-schema.md` (keys sorted, so output is byte-stable).
public struct JSONReporter: SubmissionReporter {
    public static let format = "json"
    public static let flag = "json"
    public static let help = "Write the results as JSON here (schema: docs/results-schema.md)."
    public static let fileName = "results.json"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
