import Foundation

/// The results as JSON, in the stable schema of `docs/results-schema.md` (keys sorted, so output is byte-stable).
public struct JSONReporter: Reporter {
    public static let format = "json"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
