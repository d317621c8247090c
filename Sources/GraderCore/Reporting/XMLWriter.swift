/// An XML document written byte by byte, indented by two spaces per level, in exactly the bytes libxml2's
/// `xmlTextWriter` writes (the tests hold that writer and compare the two on hostile text).
///
/// Escapes `&`, `<`, `>` and `"` everywhere, `\r` as a character reference, and newlines and tabs too inside
/// attributes, where a parser would otherwise fold them into spaces; everything else is written as its UTF-8.
/// Characters XML 1.0 forbids (NUL, ESC, other controls) are not dropped here: callers pass text through
/// `ReportText.clean` first.
///
/// Written by hand rather than through libxml2's writer, which is what the reports used before: a class of 10,000
/// students writes 10,000 JUnit files, and libxml2's writer (a call per attribute, its buffer grown in steps, then
/// the document copied into a `String`) was the largest part of writing a student's reports. The tests still
/// validate the reports against their schema with libxml2 (`XMLSchemaValidator`).
///
/// A structure, not a class: its buffer is then written without a check of exclusive access per append.
struct XMLWriter {
    /// Where an open element stands: its start tag not yet closed by `>`, or holding text, or holding elements.
    private enum Content {
        case none, text, elements
    }

    private var bytes: [UInt8] = []
    private var open: [(name: String, content: Content)] = []

    /// Starts a UTF-8 document with an XML declaration.
    init() {
        bytes.reserveCapacity(8192)
        bytes += #"<?xml version="1.0" encoding="UTF-8"?>"#.utf8
        bytes.append(newline)
    }

    /// Opens an element with `attributes` in the given order.
    mutating func start(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        if let last = open.indices.last, open[last].content == .none {
            bytes.append(UInt8(ascii: ">"))
            bytes.append(newline)
            open[last].content = .elements
        }
        indent()
        bytes.append(UInt8(ascii: "<"))
        bytes += name.utf8
        for (key, value) in attributes {
            bytes.append(UInt8(ascii: " "))
            bytes += key.utf8
            bytes += #"=""#.utf8
            escape(value, inAttribute: true)
            bytes.append(UInt8(ascii: "\""))
        }
        open.append((name, .none))
    }

    /// Closes the innermost open element (`<name/>` when it has no content).
    mutating func end() {
        guard let (name, content) = open.popLast() else { return }
        switch content {
        case .none:
            bytes += "/>".utf8
        case .text:
            closingTag(name)
        case .elements:
            indent()
            closingTag(name)
        }
        bytes.append(newline)
    }

    /// An element with attributes and no content.
    mutating func empty(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        start(name, attributes)
        end()
    }

    /// An element with attributes and text content (`<name></name>` when the text is empty).
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text value: String) {
        start(name, attributes)
        bytes.append(UInt8(ascii: ">"))
        open[open.count - 1].content = .text
        escape(value, inAttribute: false)
        end()
    }

    /// Closes every open element and returns the document.
    mutating func finish() -> String {
        while !open.isEmpty { end() }
        return String(decoding: bytes, as: UTF8.self)
    }

    private let newline = UInt8(ascii: "\n")

    /// Two spaces per open element.
    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * open.count))
    }

    private mutating func closingTag(_ name: String) {
        bytes += "</".utf8
        bytes += name.utf8
        bytes.append(UInt8(ascii: ">"))
    }

    /// What text escapes: `& < > "`, and `\r` as a character reference.
    private static let textEntityNames: [UInt8: String] = [
        UInt8(ascii: "&"): "&amp;", UInt8(ascii: "<"): "&lt;", UInt8(ascii: ">"): "&gt;",
        UInt8(ascii: "\""): "&quot;", UInt8(ascii: "\r"): "&#13;",
    ]
    private static let textEntities = ReportText.ByteReplacements(textEntityNames)
    /// What attributes escape: that, and newlines and tabs.
    private static let attributeEntities = ReportText.ByteReplacements(
        textEntityNames.merging(
            [UInt8(ascii: "\n"): "&#10;", UInt8(ascii: "\t"): "&#9;"], uniquingKeysWith: { first, _ in first }))

    /// Appends `value` escaped byte by byte, as `ReportText.replacingBytes` escapes, straight into the document.
    private mutating func escape(_ value: String, inAttribute: Bool) {
        var value = value
        value.withUTF8 { (inAttribute ? Self.attributeEntities : Self.textEntities).append($0[...], to: &bytes) }
    }
}
