/// Rewrites a student's Swift file so that none of its top-level declarations is visible outside the file, which
/// is what makes it safe to type-check many students' files in one compiler call.
///
/// The rewrite only changes access modifiers on the same line (`func f` becomes `fileprivate func f`), so line
/// numbers stay the student's. It accepts only what it is sure of and refuses (returns `nil`) the rest: any attribute
/// outside a short allow-list of local ones (so `@main`, `@c`, `@section`, `@used`, `@_cdecl` and anything new),
/// any `#` construct (regex literals such as `#/\{/#`, which could hide braces from this scanner, macros,
/// conditional compilation), operators and precedence groups, conformances added by extensions, top-level
/// statements, and explicit `public`, `internal`, `open` or `package` below the top level. With the compiler's
/// `MemberImportVisibility`, one file's imports do not reach another either. A refused file, and any file that
/// fails in a shared compile, is compiled on its own instead, with the same rules, so a refusal costs time, never
/// correctness.
enum FileprivateRewriter {
    /// The rewritten source, or `nil` when the file must be compiled on its own.
    ///
    /// - Parameter called: The names the grader's entry shims call. A file that makes one of them `private` or
    ///   `fileprivate` itself is refused: compiled alone, its shims are in a file of their own and cannot call it,
    ///   where in a shared call they follow it in the same file and could.
    static func rewrite(_ source: String, called: Set<String> = []) -> String? {
        guard let tokens = tokenize(source) else { return nil }
        var insertions: [(offset: Int, text: String)] = []
        var replacements: [(range: Range<Int>, text: String)] = []
        var depth = 0
        var index = 0
        var atStatementStart = true
        while index < tokens.count {
            let token = tokens[index]
            switch token.text {
            case "{", "(", "[": depth += 1
            case "}", ")", "]": depth -= 1
            default: break
            }
            // An allow-list, not a deny-list: any attribute not known to be local to its declaration (`@c`,
            // `@section`, `@used`, `@main`, `@_cdecl`, anything new), and any `#` construct (a regex literal, which
            // this scanner does not follow, a macro, conditional compilation), sends the file the one-file path.
            if token.text.hasPrefix("@"), !Self.localAttributes.contains(token.text) { return nil }
            if token.text.hasPrefix("#") || token.text == "macro" || token.text == "operator"
                || token.text == "precedencegroup"
            {
                return nil
            }
            if depth > 0, ["public", "internal", "open", "package"].contains(token.text) { return nil }
            // A top-level statement starts on a new line, or after a `;` or a closing brace.
            // A line that opens with the `)` or `]` closing a declaration's parameters (a signature over several
            // lines, as swift-format writes long ones) continues that declaration; it starts no statement.
            if depth == 0, token.startsLine, token.text != ")", token.text != "]" { atStatementStart = true }
            guard depth == 0, atStatementStart || token.text == "}" || token.text == ";" else {
                index += 1
                continue
            }
            if token.text == "}" || token.text == ";" {
                atStatementStart = true
                index += 1
                continue
            }
            // A top-level declaration: attributes, modifiers, then its keyword.
            var cursor = index
            var access: Int?
            while cursor < tokens.count {
                let text = tokens[cursor].text
                if text.hasPrefix("@") {
                    cursor += 1
                    if cursor < tokens.count, tokens[cursor].text == "(" { cursor = skipGroup(tokens, from: cursor) }
                    continue
                }
                if ["public", "internal", "open", "package", "private", "fileprivate"].contains(text) {
                    access = cursor
                    cursor += 1
                    if cursor < tokens.count, tokens[cursor].text == "(" { cursor = skipGroup(tokens, from: cursor) }
                    continue
                }
                if ["final", "indirect", "nonisolated", "dynamic", "lazy"].contains(text) {
                    cursor += 1
                    continue
                }
                break
            }
            guard cursor < tokens.count else { return nil }
            let keyword = tokens[cursor].text
            switch keyword {
            case "import":
                break
            case "func", "struct", "class", "enum", "protocol", "let", "var", "typealias", "actor", "extension":
                if keyword == "extension", extendsWithConformance(tokens, from: cursor + 1) { return nil }
                if let access {
                    let text = tokens[access].text
                    if text == "private" || text == "fileprivate", cursor + 1 < tokens.count,
                        called.contains(tokens[cursor + 1].text)
                    {
                        return nil
                    }
                    if text != "private" && text != "fileprivate" {
                        replacements.append((tokens[access].range, "fileprivate"))
                    }
                } else {
                    insertions.append((tokens[cursor].range.lowerBound, "fileprivate "))
                }
            default:
                return nil  // a statement or an unknown construct at the top level
            }
            atStatementStart = false
            index = cursor + 1
        }
        guard depth == 0 else { return nil }
        var bytes = Array(source.utf8)
        let edits: [(range: Range<Int>, text: String)] =
            insertions.map { (range: $0.offset..<$0.offset, text: $0.text) }
            + replacements.map { (range: $0.range, text: $0.text) }
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            bytes.replaceSubrange(edit.range, with: Array(edit.text.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the `extension` whose type starts at `start` adds a conformance (`extension T: P`) before its `{`.
    static func extendsWithConformance(_ tokens: [Token], from start: Int) -> Bool {
        var cursor = start
        var angle = 0
        while cursor < tokens.count, tokens[cursor].text != "{" {
            switch tokens[cursor].text {
            case "<": angle += 1
            case ">": angle -= 1
            case ":" where angle == 0: return true
            case "where": return false
            default: break
            }
            cursor += 1
        }
        return false
    }

    /// Attributes that change only the declaration or type they are written on, never what another file sees.
    static let localAttributes: Set<String> = [
        "@inline", "@inlinable", "@discardableResult", "@escaping", "@autoclosure", "@Sendable", "@available",
        "@frozen",
    ]

    /// The index after the group that opens at `start` (a `(`), or the end.
    static func skipGroup(_ tokens: [Token], from start: Int) -> Int {
        var depth = 0
        var cursor = start
        while cursor < tokens.count {
            if tokens[cursor].text == "(" { depth += 1 }
            if tokens[cursor].text == ")" {
                depth -= 1
                if depth == 0 { return cursor + 1 }
            }
            cursor += 1
        }
        return cursor
    }

    struct Token {
        let text: String
        /// Byte offsets in the UTF-8 source.
        let range: Range<Int>
        /// The first token on its line.
        var startsLine = false
    }

    /// Words, punctuation and attributes outside comments and string literals; `nil` when the file cannot be
    /// tokenized with confidence (an unterminated comment or string, a raw or multi-line string with interpolation
    /// this scanner does not follow).
    static func tokenize(_ source: String) -> [Token]? {
        let bytes = Array(source.utf8)
        var tokens: [Token] = []
        var index = 0
        var lineStarted = true
        func append(_ token: Token) {
            var token = token
            token.startsLine = lineStarted
            lineStarted = false
            tokens.append(token)
        }
        func isWord(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte >= 0x80
        }
        func skipString(from start: Int) -> Int? {
            // Counts leading #s of a raw string, then one or three quotes.
            var cursor = start
            var hashes = 0
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: "#") {
                hashes += 1
                cursor += 1
            }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") else { return nil }
            let multiline =
                cursor + 2 < bytes.count && bytes[cursor + 1] == UInt8(ascii: "\"")
                && bytes[cursor + 2] == UInt8(ascii: "\"")
            cursor += multiline ? 3 : 1
            let closing =
                Array(repeating: UInt8(ascii: "\""), count: multiline ? 3 : 1)
                + Array(repeating: UInt8(ascii: "#"), count: hashes)
            while cursor < bytes.count {
                let byte = bytes[cursor]
                if byte == UInt8(ascii: "\\") {
                    // An escape: `\` then #s for raw strings. Interpolation `\(...)` may nest strings: follow it.
                    var after = cursor + 1
                    var escapeHashes = 0
                    while after < bytes.count, bytes[after] == UInt8(ascii: "#"), escapeHashes < hashes {
                        escapeHashes += 1
                        after += 1
                    }
                    if escapeHashes == hashes, after < bytes.count, bytes[after] == UInt8(ascii: "(") {
                        guard let end = skipInterpolation(from: after) else { return nil }
                        cursor = end
                        continue
                    }
                    cursor = escapeHashes == hashes ? after + 1 : after
                    continue
                }
                if !multiline && (byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")) { return nil }
                if byte == UInt8(ascii: "\""), cursor + closing.count <= bytes.count,
                    Array(bytes[cursor..<(cursor + closing.count)]) == closing
                {
                    return cursor + closing.count
                }
                cursor += 1
            }
            return nil
        }
        func skipInterpolation(from open: Int) -> Int? {
            var depth = 0
            var cursor = open
            while cursor < bytes.count {
                let byte = bytes[cursor]
                if byte == UInt8(ascii: "\"")
                    || (byte == UInt8(ascii: "#") && cursor + 1 < bytes.count
                        && (bytes[cursor + 1] == UInt8(ascii: "\"") || bytes[cursor + 1] == UInt8(ascii: "#")))
                {
                    guard let end = skipString(from: cursor) else { return nil }
                    cursor = end
                    continue
                }
                // The compiler skips comments here, whose `)` and quotes this scanner would count, and reads any
                // other `#` (`#sourceLocation` in a closure, a regex literal) as code: refused, not followed.
                if byte == UInt8(ascii: "#") { return nil }
                if byte == UInt8(ascii: "/"), cursor + 1 < bytes.count,
                    bytes[cursor + 1] == UInt8(ascii: "/") || bytes[cursor + 1] == UInt8(ascii: "*")
                {
                    return nil
                }
                if byte == UInt8(ascii: "(") { depth += 1 }
                if byte == UInt8(ascii: ")") {
                    depth -= 1
                    if depth == 0 { return cursor + 1 }
                }
                cursor += 1
            }
            return nil
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                // Swift ends a line comment at \r as well as \n: `// x\rfunc max(...)` declares max.
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n"), bytes[index] != UInt8(ascii: "\r") {
                    index += 1
                }
                continue
            }
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                var depth = 0
                repeat {
                    if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") { lineStarted = true }
                    if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "*")
                    {
                        depth += 1
                        index += 2
                        continue
                    }
                    if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "*"), bytes[index + 1] == UInt8(ascii: "/")
                    {
                        depth -= 1
                        index += 2
                        continue
                    }
                    index += 1
                } while depth > 0 && index < bytes.count
                if depth > 0 { return nil }
                continue
            }
            if byte == UInt8(ascii: "\"")
                || (byte == UInt8(ascii: "#") && index + 1 < bytes.count
                    && (bytes[index + 1] == UInt8(ascii: "\"") || bytes[index + 1] == UInt8(ascii: "#")))
            {
                guard let end = skipString(from: index) else { return nil }
                append(Token(text: "\"\"", range: index..<end))
                index = end
                continue
            }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
            {
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { lineStarted = true }
                index += 1
                continue
            }
            if isWord(byte) || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "`") {
                let start = index
                index += 1
                if byte == UInt8(ascii: "`") {
                    while index < bytes.count, bytes[index] != UInt8(ascii: "`") { index += 1 }
                    index += 1
                } else {
                    while index < bytes.count, isWord(bytes[index]) { index += 1 }
                }
                append(
                    Token(
                        text: String(decoding: bytes[start..<min(index, bytes.count)], as: UTF8.self),
                        range: start..<min(index, bytes.count)))
                continue
            }
            append(Token(text: String(UnicodeScalar(byte)), range: index..<(index + 1)))
            index += 1
        }
        return tokens
    }
}
