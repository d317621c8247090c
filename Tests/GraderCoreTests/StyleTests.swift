import Foundation
import Testing

/// The style gate's second half (the first is `swift format lint --strict` in `scripts/test.sh`): no line of the
/// grader's Swift, sources or tests, is longer than the 120 columns `.swift-format` sets. The formatter breaks the
/// lines it can; a long string literal or comment it leaves as it is, so this test is what keeps them short.
/// The hostile fixtures are student code, kept exactly as a student would write it.
@Suite("style")
struct StyleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let lineLength = 120

    @Test func noLineLongerThan120Columns() throws {
        var checked = 0
        var long: [String] = []
        for folder in ["Sources", "Tests"] {
            let base = Self.root.appendingPathComponent(folder)
            let files = try #require(FileManager.default.enumerator(atPath: base.path))
            for case let path as String in files where path.hasSuffix(".swift") && !path.contains("/Fixtures/") {
                let text = try String(contentsOf: base.appendingPathComponent(path), encoding: .utf8)
                checked += 1
                for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.count > Self.lineLength {
                    long.append("\(folder)/\(path):\(index + 1): \(line.count) columns")
                }
            }
        }
        #expect(checked > 50)
        #expect(long.isEmpty, "\(long.joined(separator: "\n"))")
    }
}
