import Foundation

/// Makes text a student's code produced safe to put in any report: valid UTF-8, no ANSI codes, no characters
/// XML 1.0 forbids, no CI attachment markers, bounded length.
public enum ReportText {
    /// Cleans raw bytes (invalid UTF-8 becomes U+FFFD) and truncates to `limit` characters.
    public static func clean(bytes: [UInt8], limit: Int) -> String {
        clean(String(decoding: bytes, as: UTF8.self), limit: limit)
    }

    /// `text` with each byte `replacements` names replaced by its text.
    ///
    /// Byte by byte, not by characters: the characters HTML and XML escape are one byte each in UTF-8 and never part
    /// of another character's bytes, whereas a quote followed by a combining accent is one character that is not a
    /// quote, and Foundation's search does not find `<` in `<` + U+0301 either: both let it through raw.
    public static func replacingBytes(in text: String, _ replacements: [UInt8: String]) -> String {
        // Most text holds none of the bytes: the table is built only for text that does.
        let named = ByteSet(replacements.keys)
        guard text.utf8.contains(where: named.contains) else { return text }
        return replacingBytes(in: text, ByteReplacements(replacements))
    }

    /// `replacingBytes` with the replacements prepared once (`ByteReplacements`), as the JUnit and Markdown reports
    /// keep theirs: a table built for each text they escape was a cost of its own.
    static func replacingBytes(in text: String, _ replacements: ByteReplacements) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            guard let first = utf8.firstIndex(where: replacements.names.contains) else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(utf8.count + 32)
            bytes.append(contentsOf: utf8[..<first])
            replacements.append(utf8[first...], to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        } ?? text
    }

    /// A set of bytes, a bit each: asked for every byte of a report's text, where a dictionary lookup per byte was a
    /// cost of its own.
    struct ByteSet: Sendable {
        private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
            for byte in bytes {
                let bit = UInt64(1) << (byte & 63)
                switch byte >> 6 {
                case 0: words.0 |= bit
                case 1: words.1 |= bit
                case 2: words.2 |= bit
                default: words.3 |= bit
                }
            }
        }

        /// Whether `byte` is in the set.
        func contains(_ byte: UInt8) -> Bool {
            let word: UInt64
            switch byte >> 6 {
            case 0: word = words.0
            case 1: word = words.1
            case 2: word = words.2
            default: word = words.3
            }
            return word & (UInt64(1) << (byte & 63)) != 0
        }
    }

    /// Bytes to replace and their replacements, prepared once: the bytes as a `ByteSet`, and a table of the
    /// replacements' UTF-8 by byte.
    struct ByteReplacements: Sendable {
        /// The bytes replaced.
        let names: ByteSet
        /// The UTF-8 of each byte's replacement, empty for a byte not named.
        private let table: [[UInt8]]

        init(_ replacements: [UInt8: String]) {
            names = ByteSet(replacements.keys)
            var table = [[UInt8]](repeating: [], count: 256)
            for (byte, replacement) in replacements { table[Int(byte)] = Array(replacement.utf8) }
            self.table = table
        }

        /// Appends `utf8` to `bytes`, each byte named replaced.
        func append(_ utf8: Slice<UnsafeBufferPointer<UInt8>>, to bytes: inout [UInt8]) {
            for byte in utf8 {
                if names.contains(byte) {
                    bytes += table[Int(byte)]
                } else {
                    bytes.append(byte)
                }
            }
        }
    }

    /// The HTML escapes of `& < > " '`, safe in text and in quoted attributes.
    public static let htmlEntities: [UInt8: String] = [
        UInt8(ascii: "&"): "&amp;", UInt8(ascii: "<"): "&lt;", UInt8(ascii: ">"): "&gt;",
        UInt8(ascii: "\""): "&quot;", UInt8(ascii: "'"): "&#39;",
    ]

    /// Removes ANSI escape sequences and control characters other than tab and newline, then truncates.
    public static func clean(_ text: String, limit: Int) -> String {
        // Most text needs nothing: printable ASCII and newlines, short enough, no marker. Checking bytes is cheap.
        if text.utf8.count <= limit {
            // On the string's own bytes where it has them (a native string): no iterator per byte, and `[` by memchr.
            let plain =
                text.utf8.withContiguousStorageIfAvailable { bytes in
                    guard needsNoCleaning(bytes) else { return false }
                    return bytes.isEmpty || memchr(bytes.baseAddress!, Int32(UInt8(ascii: "[")), bytes.count) == nil
                        || markerStarts(in: text.utf8).isEmpty
                } ?? (needsNoCleaning(text.utf8) && markerStarts(in: text.utf8).isEmpty)
            if plain { return text }
        }
        var output = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var count = 0
        var truncated = false
        while let scalar = scalars.next() {
            if scalar == "\u{1B}" {
                // CSI (ESC [ ... final byte) and OSC (ESC ] ... BEL or ESC \) sequences are dropped whole.
                guard let next = scalars.next() else { break }
                if next == "[" {
                    while let inner = scalars.next(), !(0x40...0x7E).contains(inner.value) {}
                } else if next == "]" {
                    var previous: Unicode.Scalar = " "
                    while let inner = scalars.next() {
                        if inner == "\u{07}" || (previous == "\u{1B}" && inner == "\\") { break }
                        previous = inner
                    }
                }
                continue
            }
            guard isAllowed(scalar) else { continue }
            if count >= limit {
                truncated = true
                break
            }
            output.append(scalar == "\r" ? "\n" : scalar)
            count += 1
        }
        // Jenkins' JUnit attachments plugin turns `[[ATTACHMENT|/path]]` in a report into a copy of that file from
        // the CI machine; student text must never carry such a marker (nor `[[PROPERTY|...]]`).
        var result = String(output)
        let markers = markerStarts(in: result.utf8)
        if !markers.isEmpty {
            var bytes = Array(result.utf8)
            for offset in markers.reversed() { bytes.insert(UInt8(ascii: " "), at: offset + 1) }
            result = String(decoding: bytes, as: UTF8.self)
        }
        while result.hasSuffix("\n") { result.removeLast() }
        if truncated { result += "\n[... output truncated]" }
        return result
    }

    /// True when `bytes` hold no control character (but tab and newline), no C1 control, no U+FFFE/U+FFFF, and do
    /// not end in a newline; with no CI marker either, `clean` would return such text unchanged.
    static func needsNoCleaning<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Bool {
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        for byte in bytes {
            switch byte {
            case 0x09, 0x0A: break
            case 0x00...0x1F, 0x7F: return false
            case 0x80...0x9F where previous == 0xC2: return false
            case 0xBE where previous == 0xBF && beforePrevious == 0xEF,
                0xBF where previous == 0xBF && beforePrevious == 0xEF:
                return false
            default: break
            }
            beforePrevious = previous
            previous = byte
        }
        return previous != 0x0A
    }

    /// Byte offsets of each `[[` that starts a CI marker (`[[` letters `|`), such as `[[ATTACHMENT|/etc/passwd]]`.
    static func markerStarts(in bytes: String.UTF8View) -> [Int] {
        // Most text holds no `[[` at all: only then are its bytes copied and looked at closely.
        guard bytes.contains(UInt8(ascii: "[")) else { return [] }
        let array = Array(bytes)
        var starts: [Int] = []
        var index = 0
        while index + 1 < array.count {
            if array[index] == UInt8(ascii: "["), array[index + 1] == UInt8(ascii: "[") {
                var cursor = index + 2
                while cursor < array.count, (array[cursor] | 0x20) >= UInt8(ascii: "a"),
                    (array[cursor] | 0x20) <= UInt8(ascii: "z")
                { cursor += 1 }
                if cursor > index + 2, cursor < array.count, array[cursor] == UInt8(ascii: "|") { starts.append(index) }
            }
            index += 1
        }
        return starts
    }

    /// Characters XML 1.0 allows, minus the C0/C1 controls that only garble terminals.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return true
        case 0x00...0x1F, 0x7F...0x9F: return false
        case 0xFFFE, 0xFFFF: return false
        default: return true
        }
    }
}
