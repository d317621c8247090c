import Foundation

/// A CSV file read as RFC 4180 says (quoted fields, doubled quotes, line breaks inside quotes, CRLF or LF), with
/// its header row and each data row's line number, for rosters and the other tables instructors bring.
///
/// Spreadsheets and LMS exports add a UTF-8 byte-order mark and blank trailing lines; both are dropped.
public struct CSVTable: Sendable {
    /// One data row: its fields and the line it starts on (from 1, the header being line 1).
    public struct Row: Sendable {
        public let fields: [String]
        public let line: Int

        /// The field in `column`, or "" when the row is shorter.
        public subscript(column: Int?) -> String {
            guard let column, fields.indices.contains(column) else { return "" }
            return fields[column]
        }
    }

    /// The file the table was read from, for messages.
    public let file: String
    public let header: [String]
    public let rows: [Row]

    /// The largest table read: a roster of a very large course is a few megabytes.
    static let maxBytes = 64 << 20

    /// Reads `path`, naming the file in every error.
    public static func read(_ path: String, headed: Bool = true) throws -> CSVTable {
        guard let data = FileBytes.read(path) else {
            throw GraderError.io(path: path, reason: "cannot read the file (is it there?)")
        }
        guard data.count <= maxBytes else {
            throw GraderError.io(path: path, reason: "over \(maxBytes >> 20) MiB, too large for a CSV table")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GraderError.io(path: path, reason: "not UTF-8 text (save the CSV as UTF-8)")
        }
        return try CSVTable(parsing: text, file: path, headed: headed)
    }

    /// Parses `text`; with `headed`, the first row is the header.
    public init(parsing text: String, file: String, headed: Bool = true) throws {
        var records: [Row] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var fieldStarted = false
        var line = 1
        var recordLine = 1
        var quoteLine = 1
        var iterator = (text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Row(fields: fields, line: recordLine)) }
            fields = []
            field = ""
            fieldStarted = false
        }
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where !fieldStarted:
                quoted = true
                fieldStarted = true
                quoteLine = line
            case ",":
                fields.append(field)
                field = ""
                fieldStarted = false
            case "\r":
                let next = iterator.next()
                if next != "\n" { pending = next }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(scalar)
                fieldStarted = true
            }
        }
        if quoted {
            throw GraderError.io(
                path: "\(file):\(quoteLine)", reason: "a quoted field is never closed (a missing `\"`)")
        }
        if fieldStarted || !fields.isEmpty { endRecord() }
        self.file = file
        if headed {
            guard let first = records.first else {
                throw GraderError.io(path: file, reason: "empty: a header row was expected")
            }
            header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            rows = Array(records.dropFirst())
        } else {
            header = []
            rows = records
        }
    }

    /// The index of the first header column named any of `names` (case and surrounding spaces ignored).
    public func column(_ names: [String]) -> Int? {
        let lowered = header.map { $0.lowercased() }
        for name in names {
            if let index = lowered.firstIndex(of: name.lowercased()) { return index }
        }
        return nil
    }

    /// One CSV record as RFC 4180 writes it (no line end), each cell neutralised against spreadsheet formulas.
    public static func record(_ fields: [String]) -> String {
        fields.map(ClassReport.csvField).joined(separator: ",")
    }

    /// Whole CSV text with CRLF line ends, as RFC 4180 and the LMSs' importers expect.
    public static func text(_ records: [[String]]) -> String {
        records.map(record).joined(separator: "\r\n") + "\r\n"
    }
}
