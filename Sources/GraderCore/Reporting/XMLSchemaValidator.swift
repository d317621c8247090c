import CLibXML2
import Foundation

/// Validates XML documents against an XML Schema (XSD) with libxml2's validator, in process.
///
/// A class because it owns the compiled libxml2 schema, freed once in `deinit`. Validation creates its own
/// context per call, so one validator may be used from several threads.
public final class XMLSchemaValidator: @unchecked Sendable {
    private let schema: xmlSchemaPtr
    public let schemaPath: String

    /// Reads and compiles the schema at `schemaPath`.
    public init(schemaPath: String) throws {
        LibXML2.initialize()
        self.schemaPath = schemaPath
        guard FileManager.default.isReadableFile(atPath: schemaPath) else {
            throw GraderError.io(path: schemaPath, reason: "cannot read the XML schema")
        }
        guard let context = xmlSchemaNewParserCtxt(schemaPath) else {
            throw GraderError.io(path: schemaPath, reason: "cannot read the XML schema")
        }
        defer { xmlSchemaFreeParserCtxt(context) }
        let errors = ErrorCollector()
        xmlSchemaSetParserStructuredErrors(
            context, ErrorCollector.callback, Unmanaged.passUnretained(errors).toOpaque())
        guard let compiled = Self.withErrors(errors, { xmlSchemaParse(context) }) else {
            throw GraderError.io(
                path: schemaPath, reason: "not a valid XML schema: \(errors.messages.joined(separator: "; "))")
        }
        schema = compiled
    }

    deinit { xmlSchemaFree(schema) }

    /// The problems found in `document` (`line: message`), or an empty list when it is valid.
    public func problems(inDocument document: String) -> [String] {
        let bytes = Array(document.utf8)
        let errors = ErrorCollector()
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                Self.withErrors(errors) {
                    xmlReadMemory(
                        pointer, Int32(buffer.count), "document.xml", "UTF-8", Int32(XML_PARSE_NONET.rawValue))
                }
            }
        }
        guard let parsed else { return errors.messages.isEmpty ? ["not well-formed XML"] : errors.messages }
        defer { xmlFreeDoc(parsed) }
        guard let context = xmlSchemaNewValidCtxt(schema) else { return ["cannot create a validation context"] }
        defer { xmlSchemaFreeValidCtxt(context) }
        xmlSchemaSetValidStructuredErrors(context, ErrorCollector.callback, Unmanaged.passUnretained(errors).toOpaque())
        let result = xmlSchemaValidateDoc(context, parsed)
        if result == 0 { return [] }
        return errors.messages.isEmpty ? ["invalid (libxml2 code \(result))"] : errors.messages
    }

    /// The problems found in the file at `path`, or an empty list when it is valid.
    public func problems(inFile path: String) -> [String] {
        guard let data = FileBytes.read(path) else { return ["\(path): cannot be read"] }
        return problems(inDocument: String(decoding: data, as: UTF8.self)).map { "\(path):\($0)" }
    }

    /// Runs `body` with libxml2's parser errors for this thread sent to `errors` instead of stderr.
    private static func withErrors<T>(_ errors: ErrorCollector, _ body: () -> T) -> T {
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(errors).toOpaque(), ErrorCollector.callback)
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        return body()
    }
}

/// Collects libxml2's structured errors as `line: message` strings.
private final class ErrorCollector {
    var messages: [String] = []

    static let callback: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let collector = Unmanaged<ErrorCollector>.fromOpaque(context).takeUnretainedValue()
        let message =
            error.pointee.message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "unknown error"
        collector.messages.append("\(error.pointee.line): \(message)")
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
