import Foundation
import FoundationXML
import Testing

@testable import GraderCore

/// The JUnit writer and the project's own schema (`docs/junit.xsd`), checked with libxml2's validator in process
/// and read back with FoundationXML's parser.
@Suite("JUnit reports")
struct JUnitReporterTests {
    static let schema = TestSupport.packageRoot + "/docs/junit.xsd"

    /// Text a student controls, with everything that breaks XML written by hand: markup, quotes, entities, CDATA
    /// ends, controls XML 1.0 forbids, ANSI codes, a Jenkins attachment marker, non-ASCII and astral characters.
    static let hostile =
        """
        a<b>&amp;\"c\" 'd' ]]> <!-- x --> \u{0}\u{7}\u{1B}[31mred\u{1B}[0m\ttab\nline [[ATTACHMENT|/etc/passwd]] \
        Zoë 学生 😀 \u{FFFE}
        """

    static func report(_ text: String) -> GradeReport {
        func part(_ id: String, _ status: PartGrade.Status, score: Double) -> PartGrade {
            PartGrade(
                problem: "p<1>", id: id, kind: .snippet, status: status, outcome: .crash, score: score, maxScore: 2,
                message: "message \(text)", details: ["detail \(text)"], mistake: "mistake \(text)",
                output: status == .passed ? nil : "printed \(text)")
        }
        let parts = [
            part("passed", .passed, score: 2), part("partial \(text)", .partial, score: 1),
            part("failed", .failed, score: 0),
            part("missing", .missing, score: 0), part("error", .error, score: 0), part("skipped", .skipped, score: 0),
        ]
        let problem = ProblemGrade(
            id: "p<1>", title: "title \(text)", score: 3, maxScore: 12, parts: parts, limits: SandboxLimits())
        return GradeReport(
            graderVersion: "test", assignment: "HW \(text)", submission: "folder", score: 3, maxScore: 12,
            problems: [problem], warnings: [], sandbox: SandboxStatus(mode: .rlimitsOnly, note: "note \(text)"),
            limits: SandboxLimits())
    }

    @Test("a report full of hostile text validates against docs/junit.xsd and reads back as the cleaned text")
    func hostileTextRoundTrips() throws {
        let xml = JUnitReporter().render(Self.report(Self.hostile))
        let validator = try XMLSchemaValidator(schemaPath: Self.schema)
        #expect(validator.problems(inDocument: xml) == [])

        let cleaned = ReportText.clean(Self.hostile, limit: 4000)
        #expect(!cleaned.contains("\u{1B}") && !cleaned.contains("\u{0}") && !cleaned.contains("[[ATTACHMENT|"))
        // A marker in text that needs no other cleaning (printable ASCII: the quick path) is broken up too; a `[`
        // that starts no marker is left alone.
        #expect(
            ReportText.clean("got [[ATTACHMENT|/etc/passwd]] and [[property|k]]", limit: 4000)
                == "got [ [ATTACHMENT|/etc/passwd]] and [ [property|k]]")
        #expect(ReportText.clean("expected [1.0, 2.0], got [[1.0]]", limit: 4000) == "expected [1.0, 2.0], got [[1.0]]")
        let document = try XMLDocument(xmlString: xml, options: [])
        let root = try #require(document.rootElement())
        #expect(root.attribute(forName: "name")?.stringValue == "grader: HW \(cleaned)")
        #expect(root.attribute(forName: "tests")?.stringValue == "6")
        #expect(root.attribute(forName: "failures")?.stringValue == "3")
        #expect(root.attribute(forName: "errors")?.stringValue == "1")
        let suite = try #require(root.elements(forName: "testsuite").first)
        #expect(suite.attribute(forName: "name")?.stringValue == "p<1>")
        #expect(suite.attribute(forName: "skipped")?.stringValue == "1")
        let properties = Dictionary(
            uniqueKeysWithValues: (suite.elements(forName: "properties").first?.elements(forName: "property") ?? []).map
            {
                ($0.attribute(forName: "name")!.stringValue!, $0.attribute(forName: "value")!.stringValue!)
            })
        #expect(properties["title"] == "title \(cleaned)")
        #expect(properties["sandbox"] == "note \(cleaned)")
        #expect(properties["score"] == "3" && properties["max-score"] == "12")
        let cases = suite.elements(forName: "testcase")
        #expect(
            cases.map { $0.attribute(forName: "name")?.stringValue ?? "" } == [
                "passed", "partial \(cleaned)", "failed", "missing", "error", "skipped",
            ])
        #expect(cases[0].childCount == 0)
        let partial = try #require(cases[1].elements(forName: "failure").first)
        #expect(partial.attribute(forName: "type")?.stringValue == "partial")
        #expect(partial.attribute(forName: "message")?.stringValue == "1/2: message \(cleaned)")
        #expect(
            partial.stringValue
                == ReportText.clean(
                    """
                    message \(Self.hostile)\nKnown mistake: mistake \(Self.hostile)\ndetail \(Self.hostile)\nYour \
                    code printed:\nprinted \(Self.hostile)
                    """,
                    limit: 20000))
        #expect(cases[1].elements(forName: "system-out").first?.stringValue == "printed \(cleaned)")
        #expect(cases[4].elements(forName: "error").first?.attribute(forName: "type")?.stringValue == "error")
        #expect(
            cases[5].elements(forName: "skipped").first?.attribute(forName: "message")?.stringValue
                == "message \(cleaned)")
        // No character XML 1.0 forbids reached the file, whatever libxml2 would have written for it.
        #expect(!xml.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0xFFFE })
    }

    @Test("newlines and tabs in attributes survive as character references")
    func attributeWhitespace() throws {
        let xml = JUnitReporter().render(Self.report("one\ntwo\tthree"))
        #expect(xml.contains("one&#10;two&#9;three"))
        let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
        #expect(root.attribute(forName: "name")?.stringValue == "grader: HW one\ntwo\tthree")
    }

    /// Documents the grader never writes, which its own schema must reject.
    static let invalid: [(String, String)] = [
        ("no tests count", #"<testsuites name="x" failures="0" errors="0"/>"#),
        (
            "a failure outside a testcase",
            #"<testsuites name="x" tests="0" failures="1" errors="0">"#
                + #"<testsuite name="p" tests="0" failures="1" errors="0" skipped="0">"#
                + #"<failure type="failed" message="m"/></testsuite></testsuites>"#
        ),
        (
            "a non-numeric time",
            #"<testsuites name="x" tests="1" failures="0" errors="0">"#
                + #"<testsuite name="p" tests="1" failures="0" errors="0" skipped="0">"#
                + #"<testcase classname="p" name="a" time="fast"/></testsuite></testsuites>"#
        ),
        ("a negative count", #"<testsuites name="x" tests="-1" failures="0" errors="0"/>"#),
        (
            "two outcomes in one testcase",
            #"<testsuites name="x" tests="1" failures="1" errors="1">"#
                + #"<testsuite name="p" tests="1" failures="1" errors="1" skipped="0">"#
                + #"<testcase classname="p" name="a"><failure type="failed" message="m"/>"#
                + #"<error type="error" message="m"/>"#
                + #"</testcase></testsuite></testsuites>"#
        ),
        (
            "a failure type the grader never writes",
            #"<testsuites name="x" tests="1" failures="1" errors="0">"#
                + #"<testsuite name="p" tests="1" failures="1" errors="0" skipped="0">"#
                + #"<testcase classname="p" name="a"><failure type="boom" message="m"/>"#
                + #"</testcase></testsuite></testsuites>"#
        ),
        (
            "a testcase without a name",
            #"<testsuites name="x" tests="1" failures="0" errors="0">"#
                + #"<testsuite name="p" tests="1" failures="0" errors="0" skipped="0">"#
                + #"<testcase classname="p"/></testsuite></testsuites>"#
        ),
        ("an unknown element", #"<testsuites name="x" tests="0" failures="0" errors="0"><extra/></testsuites>"#),
        ("not well-formed", #"<testsuites name="x" tests="0" failures="0" errors="0">"#),
    ]

    @Test("docs/junit.xsd rejects what the grader never writes", arguments: Self.invalid.map(\.0))
    func schemaRejects(_ name: String) throws {
        let document = try #require(Self.invalid.first { $0.0 == name }?.1)
        let problems = try XMLSchemaValidator(schemaPath: Self.schema).problems(inDocument: document)
        #expect(!problems.isEmpty, "\(name) was accepted")
    }

    @Test("docs/junit.xsd accepts a minimal valid report, with a numeric time")
    func schemaAcceptsMinimal() throws {
        let document =
            #"<testsuites name="x" tests="1" failures="0" errors="0" time="0.25">"#
            + #"<testsuite name="p" tests="1" failures="0" errors="0" skipped="0">"#
            + #"<testcase classname="p" name="a" time="1"/></testsuite></testsuites>"#
        #expect(try XMLSchemaValidator(schemaPath: Self.schema).problems(inDocument: document) == [])
    }

    @Test("a schema that does not exist is an error naming the file")
    func missingSchema() {
        #expect(throws: GraderError.self) { try XMLSchemaValidator(schemaPath: "/nonexistent/junit.xsd") }
    }
}
