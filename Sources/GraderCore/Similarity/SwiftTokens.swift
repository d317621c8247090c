/// One token of a Swift file as the similarity detector sees it: normalised text and the 1-based line it starts on.
struct SimilarityToken: Sendable, Equatable {
    /// `I` for an identifier, `N` for a number, `S` for a string literal, otherwise the keyword or operator itself.
    let text: String
    let line: Int
    /// The token as written (the identifier's name, the literal's digits or text), for comparing short files.
    var verbatim: String = ""

    init(text: String, line: Int, verbatim: String = "") {
        self.text = text
        self.line = line
        self.verbatim = verbatim.isEmpty ? text : verbatim
    }
}

/// A forgiving lexer for Swift source that keeps only what survives renaming and reformatting.
///
/// Comments, whitespace and newlines are dropped, and so is what the compiler ignores: `;` between statements and a
/// trailing `,` before `]` or `)`. Identifiers (including `` `quoted` `` ones and `$0`) become `I`, number literals
/// `N`, string literals of every kind `S` (their interpolations are swallowed with them); keywords, `@attributes`,
/// `#directives`, operators and punctuation stay as written. Operators follow Swift's own rule: a run
/// of operator characters is one token, and it may contain `.` only when it starts with one (`..<`, `...`).
///
/// The lexer reads bytes, never fails and always advances, so any input ends: an unterminated block comment or
/// multi-line string swallows the rest of the file, an unterminated one-line string ends at its line's end (as the
/// compiler recovers), stray bytes are skipped or become one-character tokens. Input beyond `maximumBytes` and
/// tokens beyond `maximumTokens` are ignored.
enum SwiftTokenizer {
    static let maximumBytes = 1 << 20
    static let maximumTokens = 200_000

    /// The normalised tokens of `source`, in order.
    static func tokens(_ source: String) -> [SimilarityToken] {
        var scanner = Scanner(bytes: Array(source.utf8.prefix(maximumBytes)))
        return scanner.run()
    }

    /// Swift's keywords, including the contextual ones homework code uses; every other word is an identifier.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static",
        "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do",
        "else",
        "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while", "Any", "as",
        "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "async", "lazy", "mutating",
        "nonmutating", "override", "some", "any", "weak", "unowned", "final", "convenience", "required", "dynamic",
        "indirect", "get", "set", "willSet", "didSet", "actor", "macro", "nonisolated", "isolated", "package",
        "consume", "borrowing", "consuming", "sending", "_",
    ]

    /// The state of one pass over a file's bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var tokens: [SimilarityToken] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> [SimilarityToken] {
            while index < bytes.count, tokens.count < SwiftTokenizer.maximumTokens {
                let byte = bytes[index]
                let next = peek(index + 1)
                if byte == .newline {
                    line += 1
                    index += 1
                } else if byte <= .space || byte == 0x7F {
                    index += 1
                } else if byte == .slash, next == .slash {
                    while index < bytes.count, bytes[index] != .newline { index += 1 }
                } else if byte == .slash, next == .star {
                    skipBlockComment()
                } else if byte == .quote || (byte == .hash && peek(endOfHashes(from: index)) == .quote) {
                    let startLine = line
                    let start = index
                    skipStringLiteral()
                    append("S", line: startLine, verbatim: String(decoding: bytes[start..<index], as: UTF8.self))
                } else if byte == .hash, peek(index + 1) == .hash {
                    // Not a raw string, not a directive: one token for the run, so runs of `#` stay linear.
                    index = endOfHashes(from: index)
                    append("#", line: line)
                } else if Self.isDigit(byte) {
                    let start = index
                    skipNumber()
                    append("N", line: line, verbatim: String(decoding: bytes[start..<index], as: UTF8.self))
                } else if Self.isIdentifierStart(byte) {
                    let start = index
                    while index < bytes.count, Self.isIdentifierPart(bytes[index]) { index += 1 }
                    let word = String(decoding: bytes[start..<index], as: UTF8.self)
                    append(SwiftTokenizer.keywords.contains(word) ? word : "I", line: line, verbatim: word)
                } else if byte == .backtick {
                    let start = index
                    index += 1
                    while index < bytes.count, bytes[index] != .backtick, bytes[index] != .newline { index += 1 }
                    if index < bytes.count, bytes[index] == .backtick { index += 1 }
                    // `name` and name are the same name to the compiler.
                    append(
                        "I", line: line,
                        verbatim: String(decoding: bytes[start..<index], as: UTF8.self).filter { $0 != "`" })
                } else if byte == .semicolon {
                    // A statement separator the compiler does not need: `a = 1;` is `a = 1`.
                    index += 1
                } else if byte == .at || byte == .hash, let next, Self.isIdentifierStart(next) {
                    let start = index
                    index += 1
                    while index < bytes.count, Self.isIdentifierPart(bytes[index]) { index += 1 }
                    append(String(decoding: bytes[start..<index], as: UTF8.self), line: line)
                } else if Self.isOperatorCharacter(byte) || byte == .dot {
                    let start = index
                    let dotted = byte == .dot
                    index += 1
                    while index < bytes.count,
                        Self.isOperatorCharacter(bytes[index]) || (dotted && bytes[index] == .dot)
                    {
                        if bytes[index] == .slash, let after = peek(index + 1), after == .slash || after == .star {
                            break
                        }
                        index += 1
                    }
                    append(String(decoding: bytes[start..<index], as: UTF8.self), line: line)
                } else {
                    append(String(decoding: [byte], as: UTF8.self), line: line)
                    index += 1
                }
            }
            return tokens
        }

        mutating func append(_ text: String, line: Int, verbatim: String = "") {
            // A trailing comma the compiler ignores: `[a, b,]` is `[a, b]`, `f(x,)` is `f(x)`.
            if text == "]" || text == ")", tokens.last?.text == "," { tokens.removeLast() }
            tokens.append(SimilarityToken(text: text, line: line, verbatim: verbatim))
        }

        func peek(_ position: Int) -> UInt8? {
            position < bytes.count ? bytes[position] : nil
        }

        /// The position after the run of `#` that starts at `position`; a `"` there opens a raw string.
        func endOfHashes(from position: Int) -> Int {
            var cursor = position
            while cursor < bytes.count, bytes[cursor] == .hash { cursor += 1 }
            return cursor
        }

        /// Skips a nested `/* */` comment; an unterminated one ends the file.
        mutating func skipBlockComment() {
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                let next = peek(index + 1)
                if byte == .slash, next == .star {
                    depth += 1
                    index += 2
                } else if byte == .star, next == .slash {
                    depth -= 1
                    index += 2
                    if depth == 0 { return }
                } else {
                    if byte == .newline { line += 1 }
                    index += 1
                }
            }
        }

        /// Skips digits, letters (hex digits, exponents, suffixes), `_`, a `.` followed by a digit, and an
        /// exponent's sign.
        mutating func skipNumber() {
            let isHex = bytes[index] == UInt8(ascii: "0") && (peek(index + 1).map { $0 | 0x20 } == UInt8(ascii: "x"))
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if Self.isIdentifierPart(byte) && byte < 0x80 && byte != UInt8(ascii: "$") {
                    index += 1
                } else if byte == .dot, let next = peek(index + 1),
                    Self.isDigit(next) || (isHex && Self.isHexDigit(next))
                {
                    index += 1
                } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                    let previous = bytes[index - 1] | 0x20  // lower case
                    guard previous == (isHex ? UInt8(ascii: "p") : UInt8(ascii: "e")) else { return }
                    index += 1
                } else {
                    return
                }
            }
        }

        /// Skips a string literal of any kind starting at `index` (`"`, `"""`, `#"`, `##"""`), its escapes and its
        /// interpolations, which may nest further literals.
        ///
        /// Nesting is tracked on an explicit stack, never by recursion, so no input can exhaust the call stack. A
        /// one-line literal (or interpolation inside one) ends at the end of its line.
        mutating func skipStringLiteral() {
            var stack: [Frame] = []
            var oneLineLiterals = 0
            let first = openLiteral()
            stack.append(first)
            if case .literal(_, false) = first { oneLineLiterals += 1 }
            while index < bytes.count, let top = stack.last {
                let byte = bytes[index]
                if byte == .newline {
                    if oneLineLiterals > 0 { return }
                    line += 1
                    index += 1
                    continue
                }
                switch top {
                case .literal(let hashes, let multiline):
                    if byte == .backslash {
                        index += 1
                        var escapeHashes = 0
                        while escapeHashes < hashes, index < bytes.count, bytes[index] == .hash {
                            escapeHashes += 1
                            index += 1
                        }
                        guard escapeHashes == hashes, index < bytes.count else { continue }
                        if bytes[index] == .openParenthesis {
                            stack.append(.interpolation(depth: 1))
                        }
                        if bytes[index] != .newline { index += 1 }
                    } else if byte == .quote, closes(hashes: hashes, multiline: multiline) {
                        index += (multiline ? 3 : 1) + hashes
                        stack.removeLast()
                        if !multiline { oneLineLiterals -= 1 }
                    } else {
                        index += 1
                    }
                case .interpolation(let depth):
                    if byte == .quote || (byte == .hash && peek(endOfHashes(from: index)) == .quote) {
                        let frame = openLiteral()
                        stack.append(frame)
                        if case .literal(_, false) = frame { oneLineLiterals += 1 }
                    } else if byte == .hash {
                        index = endOfHashes(from: index)
                    } else if byte == .openParenthesis {
                        stack[stack.count - 1] = .interpolation(depth: depth + 1)
                        index += 1
                    } else if byte == .closeParenthesis {
                        if depth == 1 {
                            stack.removeLast()
                        } else {
                            stack[stack.count - 1] = .interpolation(depth: depth - 1)
                        }
                        index += 1
                    } else {
                        index += 1
                    }
                }
            }
        }

        /// Skips the opening delimiter of a literal at `index` and returns its kind.
        mutating func openLiteral() -> Frame {
            var hashes = 0
            while index < bytes.count, bytes[index] == .hash {
                hashes += 1
                index += 1
            }
            let multiline = peek(index) == .quote && peek(index + 1) == .quote && peek(index + 2) == .quote
            index += multiline ? 3 : 1
            return .literal(hashes: hashes, multiline: multiline)
        }

        /// Whether the quote at `index` closes a literal with these delimiters.
        func closes(hashes: Int, multiline: Bool) -> Bool {
            let quotes = multiline ? 3 : 1
            guard index + quotes + hashes <= bytes.count else { return false }
            for offset in 0..<quotes where bytes[index + offset] != .quote { return false }
            for offset in 0..<hashes where bytes[index + quotes + offset] != .hash { return false }
            return true
        }

        /// One level of a string literal being skipped.
        enum Frame {
            case literal(hashes: Int, multiline: Bool)
            /// Inside `\( ... )`, with the number of parentheses still open.
            case interpolation(depth: Int)
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        static func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
        }

        /// Letters, `_`, `$` (for `$0`) and any non-ASCII byte, so Unicode identifiers stay whole.
        static func isIdentifierStart(_ byte: UInt8) -> Bool {
            (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "$")
                || byte >= 0x80
        }

        static func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

        static func isOperatorCharacter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "!"),
                UInt8(ascii: "*"),
                UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "|"),
                UInt8(ascii: "^"),
                UInt8(ascii: "~"), UInt8(ascii: "?"):
                return true
            default:
                return false
            }
        }
    }
}

extension UInt8 {
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let star = UInt8(ascii: "*")
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let hash = UInt8(ascii: "#")
    fileprivate static let at = UInt8(ascii: "@")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let backtick = UInt8(ascii: "`")
    fileprivate static let semicolon = UInt8(ascii: ";")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let openParenthesis = UInt8(ascii: "(")
    fileprivate static let closeParenthesis = UInt8(ascii: ")")
}
