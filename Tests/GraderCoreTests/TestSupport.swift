import Foundation

@testable import GraderCore

/// Paths and a shared grading session for tests that run the real problems.
enum TestSupport {
    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The tests' cache, one per user: the grader refuses a cache another uid owns, and a machine may have several
    /// users running the tests.
    static let cacheDirectory = NSTemporaryDirectory() + "grader-tests-cache-\(getuid())"

    /// One session for all tests: the reference binaries are compiled once.
    static let session: GradingSession = {
        var options = GradingOptions()
        options.problemsDirectory = packageRoot + "/problems/hw6"
        options.cacheDirectory = cacheDirectory
        return try! GradingSession(options: options)
    }()

    /// A session on the second assignment, `problems/calculus-backprop`.
    static let calculusSession: GradingSession = {
        var options = GradingOptions()
        options.problemsDirectory = packageRoot + "/problems/calculus-backprop"
        options.cacheDirectory = cacheDirectory
        return try! GradingSession(options: options)
    }()

    /// A session on the third assignment, `problems/training` (two of its problems have experiment parts, whose
    /// references are compiled with the experiment toolkit and -O).
    static let trainingSession: GradingSession = {
        var options = GradingOptions()
        options.problemsDirectory = packageRoot + "/problems/training"
        options.cacheDirectory = cacheDirectory
        return try! GradingSession(options: options)
    }()

    /// Doubles as wire values.
    static func vector(_ values: [Double]) -> SnippetValue { .array(values.map(SnippetValue.double)) }
    static func matrix(_ rows: [[Double]]) -> SnippetValue { .array(rows.map(vector)) }

    static func doubles(_ value: SnippetValue) -> [Double] { PatternHints.flatten(value) }
}
