import Foundation

/// A student kit's public trials: per snippet part, the inputs a student may see, the reference's outputs on them
/// and each known mistake's outputs (for its feedback), as `grader assign` computed them. No code, no hidden trial.
public enum PublicTrials {
    /// The file next to a kit's `problem.yaml`.
    public static let fileName = "public-trials.json"

    /// The file's content; `format` changes when a field changes meaning.
    struct File: Codable {
        var format = 1
        var parts: [String: ReferenceResults.Stored.Expectation]
    }

    /// The public part of `reference`'s snippet expectations for `problem`, as the kit file's text.
    static func render(_ reference: ReferenceResults, problem: Problem) throws -> String {
        var parts: [String: ReferenceResults.Stored.Expectation] = [:]
        for part in problem.snippetParts {
            guard let expectation = reference.snippets[part.id]?.publicOnly else { continue }
            parts[part.id] = ReferenceResults.Stored.Expectation(
                trials: expectation.trials, expected: expectation.expected,
                mistakeFeedback: expectation.mistakes.map(\.feedback),
                mistakeOutputs: expectation.mistakes.map(\.outputs), publicCount: expectation.trials.count)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A known mistake may overflow: its infinities and NaNs are written as strings, which JSON has no number for.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(File(parts: parts)), as: UTF8.self) + "\n"
        } catch {
            throw GraderError.io(path: problem.definitionPath, reason: "cannot write its public trials: \(error)")
        }
    }

    /// The expectations of `problem`'s snippet parts, read from the kit file next to its `problem.yaml`.
    ///
    /// A kit file that is missing, unreadable or does not fit the problem is the kit's fault, reported with its path.
    static func load(problem: Problem) throws -> ReferenceResults {
        let path = ((problem.definitionPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
            fileName)
        func broken(_ reason: String) -> GraderError {
            .referenceBroken(
                problem: problem.id, detail: "\(path): \(reason); run `grader assign` again to rebuild the student kit")
        }
        var results = ReferenceResults()
        guard problem.hasSnippetParts else { return results }
        guard let data = FileBytes.read(path) else { throw broken("cannot be read") }
        let file: File
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { file = try decoder.decode(File.self, from: data) } catch {
            throw broken("is not a public-trials file (\(error))")
        }
        guard file.format == 1 else { throw broken("has format \(file.format); this grader reads format 1") }
        for part in problem.snippetParts {
            guard let stored = file.parts[part.id] else { throw broken("has no trials for part `\(part.id)`") }
            let count = stored.trials.count
            guard count > 0, stored.expected.count == count,
                stored.mistakeFeedback.count == stored.mistakeOutputs.count,
                stored.mistakeOutputs.allSatisfy({ $0.count == count })
            else { throw broken("part `\(part.id)`: the trials, outputs and mistakes do not have matching counts") }
            results.snippets[part.id] = SnippetExpectation(
                trials: stored.trials, expected: stored.expected,
                mistakes: zip(stored.mistakeFeedback, stored.mistakeOutputs).map { (feedback: $0.0, outputs: $0.1) },
                publicCount: count)
        }
        return results
    }
}
