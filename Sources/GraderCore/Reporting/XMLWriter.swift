import CLibXML2

/// An XML document written through libxml2's `xmlTextWriter`, which does the escaping and the encoding.
///
/// libxml2 escapes `&`, `<`, `>` and quotes, and writes newlines and tabs inside attributes as character references;
/// it does not drop characters that XML 1.0 forbids (NUL, ESC, other controls), so callers pass text through
/// `ReportText.clean` first. libxml2 is reached directly rather than through FoundationXML, which on Linux is built
/// on it too: FoundationXML's `XMLDocument` writes ESC and BEL raw, cuts text at NUL, and offers no XML Schema
/// validation, while the same library used directly gives a streaming writer and `XMLSchemaValidator`.
///
/// A class because it owns the libxml2 writer and buffer, freed exactly once in `deinit`; used by one thread.
final class XMLWriter {
    private let buffer: xmlBufferPtr
    private let writer: xmlTextWriterPtr
    private var finished: String?

    /// Starts a UTF-8 document with an XML declaration, indented by two spaces per level.
    init() {
        LibXML2.initialize()
        buffer = xmlBufferCreate()
        writer = xmlNewTextWriterMemory(buffer, 0)
        xmlTextWriterSetIndent(writer, 1)
        xmlTextWriterSetIndentString(writer, "  ")
        xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil)
    }

    deinit {
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    /// Opens an element with `attributes` in the given order.
    func start(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        xmlTextWriterStartElement(writer, name)
        for (key, value) in attributes { xmlTextWriterWriteAttribute(writer, key, value) }
    }

    /// Writes escaped character data inside the open element.
    func text(_ value: String) {
        xmlTextWriterWriteString(writer, value)
    }

    /// Closes the innermost open element (`<name/>` when it has no content).
    func end() {
        xmlTextWriterEndElement(writer)
    }

    /// An element with attributes and no content.
    func empty(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        start(name, attributes)
        end()
    }

    /// An element with attributes and text content.
    func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text value: String) {
        start(name, attributes)
        text(value)
        end()
    }

    /// Closes every open element and returns the document.
    func finish() -> String {
        if let finished { return finished }
        xmlTextWriterEndDocument(writer)
        xmlTextWriterFlush(writer)
        let count = Int(xmlBufferLength(buffer))
        let document =
            xmlBufferContent(buffer).map { pointer in
                String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
            } ?? ""
        finished = document
        return document
    }
}

/// One-time setup of libxml2 for use from several threads.
enum LibXML2 {
    /// libxml2 must initialise its global state once before threads use it concurrently.
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    static func initialize() { _ = initialized }
}
