import CLibXML2
import Testing

@testable import GraderCore

/// The JUnit reports' hand-written XML writer against libxml2's `xmlTextWriter`, which wrote them before and is the
/// reference here: the same calls must give the same bytes.
@Suite("XML writer")
struct XMLWriterTests {
    /// libxml2's writer, set up as the reports' writer was: UTF-8, a declaration, two spaces per level.
    final class LibXML2Writer {
        private let buffer = xmlBufferCreate()
        private let writer: xmlTextWriterPtr

        init() {
            // libxml2's global state, set up once before threads use it (the schema tests run beside this one).
            LibXML2.initialize()
            writer = xmlNewTextWriterMemory(buffer, 0)
            xmlTextWriterSetIndent(writer, 1)
            xmlTextWriterSetIndentString(writer, "  ")
            xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil)
        }

        deinit {
            xmlFreeTextWriter(writer)
            xmlBufferFree(buffer)
        }

        func start(_ name: String, _ attributes: [(String, String)]) {
            xmlTextWriterStartElement(writer, name)
            for (key, value) in attributes { xmlTextWriterWriteAttribute(writer, key, value) }
        }

        func element(_ name: String, _ attributes: [(String, String)], text: String) {
            start(name, attributes)
            xmlTextWriterWriteString(writer, text)
            end()
        }

        func end() { xmlTextWriterEndElement(writer) }

        func finish() -> String {
            xmlTextWriterEndDocument(writer)
            xmlTextWriterFlush(writer)
            let count = Int(xmlBufferLength(buffer))
            return String(decoding: UnsafeBufferPointer(start: xmlBufferContent(buffer), count: count), as: UTF8.self)
        }
    }

    /// What text may hold once `ReportText.clean` has passed over it: everything XML escapes, the whitespace it
    /// escapes in attributes only, `]]>`, entities written out, non-ASCII and astral characters, the empty string.
    static let pieces = [
        "", "a", "&", "<", ">", "\"", "'", "\r", "\n", "\t", "\r\n", " ", "]]>", "&amp;", "&#10;", "<!--", "Zoë",
        "学生", "😀", "e\u{301}", "\u{85}", "\u{2028}", "\u{FFFD}", "-> [Double]", "0.5e-3",
    ]

    static func text(_ random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func attributes(_ random: inout SeededGenerator) -> [(String, String)] {
        (0..<Int.random(in: 0...3, using: &random)).map { ("k\($0)", text(&random)) }
    }

    /// `attributes` as the writer takes them (a literal's type, which no array converts to).
    static func pairs(_ attributes: [(String, String)]) -> KeyValuePairs<String, String> {
        let values = attributes.map(\.1)
        switch values.count {
        case 0: return [:]
        case 1: return ["k0": values[0]]
        case 2: return ["k0": values[0], "k1": values[1]]
        default: return ["k0": values[0], "k1": values[1], "k2": values[2]]
        }
    }

    @Test("a document in bytes written out: escapes in attributes and text, empty elements, empty text, nesting")
    func pinnedBytes() {
        // The same bytes as the test below checks against libxml2, pinned here without it.
        var xml = XMLWriter()
        xml.start("testsuites", ["name": "a\t\"b\"\n<c> & d\r"])
        xml.start("testsuite")
        xml.empty("property", ["value": "é 😀"])
        xml.element("failure", ["type": "failed"], text: "x < y\tz\n\"q\" & 'r'\r")
        xml.element("system-out", text: "")
        xml.end()
        xml.empty("testsuite")
        #expect(
            xml.finish() == """
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuites name="a&#9;&quot;b&quot;&#10;&lt;c&gt; &amp; d&#13;">
                  <testsuite>
                    <property value="é 😀"/>
                    <failure type="failed">x &lt; y\tz
                &quot;q&quot; &amp; 'r'&#13;</failure>
                    <system-out></system-out>
                  </testsuite>
                  <testsuite/>
                </testsuites>

                """)
    }

    @Test("2,000 random documents of hostile text: the same bytes as libxml2's writer")
    func sameBytesAsLibXML2() {
        var random = SeededGenerator(seed: 2026_12_06)
        for _ in 0..<2_000 {
            var ours = XMLWriter()
            let theirs = LibXML2Writer()
            var depth = 0
            // Elements opened, closed, empty and with text, as the JUnit reporter writes them, nested up to four deep.
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                let name = ["testsuite", "testcase", "failure", "a"].randomElement(using: &random)!
                let attributes = Self.attributes(&random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where depth < 4, 1 where depth == 0:
                    ours.start(name, Self.pairs(attributes))
                    theirs.start(name, attributes)
                    depth += 1
                case 1:
                    ours.end()
                    theirs.end()
                    depth -= 1
                case 2:
                    ours.empty(name, Self.pairs(attributes))
                    theirs.start(name, attributes)
                    theirs.end()
                default:
                    let text = Self.text(&random)
                    ours.element(name, Self.pairs(attributes), text: text)
                    theirs.element(name, attributes, text: text)
                }
            }
            let expected = theirs.finish()
            #expect(ours.finish() == expected)
            #expect(ours.finish() == expected, "finishing twice gives the document again")
        }
    }
}
