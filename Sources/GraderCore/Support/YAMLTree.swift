import Yams

/// A YAML document reduced to what the grader reads: scalars, sequences and mappings, each with its line.
public indirect enum YAMLTree: Sendable {
    case scalar(String, quoted: Bool, line: Int)
    case sequence([YAMLTree], line: Int)
    case mapping([(key: String, value: YAMLTree, line: Int)], line: Int)

    /// The 1-based line the node starts on.
    public var line: Int {
        switch self {
        case .scalar(_, _, let line), .sequence(_, let line), .mapping(_, let line): return line
        }
    }

    /// A short name for the node's kind, for messages ("a list", "a mapping", "the text `abc`").
    public var kindDescription: String {
        switch self {
        case .scalar(let text, _, _): return text.isEmpty ? "an empty value" : "`\(text.prefix(40))`"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The node as one line of text, with every value, quoting and line; equal trees give equal text.
    public var canonical: String {
        switch self {
        case .scalar(let text, let quoted, let line): return "s\(line)\(quoted ? "q" : "")\(text.utf8.count):\(text)"
        case .sequence(let items, let line): return "l\(line)[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .mapping(let entries, let line):
            return "m\(line){"
                + entries.map { "\($0.line)\($0.key.utf8.count):\($0.key)=\($0.value.canonical)" }.joined(
                    separator: ",") + "}"
        }
    }

    /// True for an empty or `null`/`~` scalar.
    public var isNull: Bool {
        if case .scalar(let text, let quoted, _) = self, !quoted {
            return ["", "~", "null", "Null", "NULL"].contains(text)
        }
        return false
    }
}

/// Why a YAML file could not be read.
public struct YAMLReadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }

    /// The error as a diagnostic, for tools that collect them.
    public var diagnostic: Diagnostic { Diagnostic(.error, file: file, line: line, message) }
}

/// Reads untrusted YAML into a `YAMLTree`, with limits that keep a hostile file from stalling the grader.
public enum YAMLReader {
    /// Nodes a document may expand to; an alias bomb expands to billions, a real answers file to hundreds.
    public static let defaultNodeBudget = 100_000

    /// Parses `text`; `nil` for an empty document.
    ///
    /// - Parameters:
    ///   - text: The YAML source (a leading byte-order mark is ignored).
    ///   - file: The name used in error messages.
    ///   - nodeBudget: The most nodes the document may expand to once aliases are followed.
    public static func parse(_ text: String, file: String, nodeBudget: Int = defaultNodeBudget) throws -> YAMLTree? {
        var source = text
        if source.hasPrefix("\u{FEFF}") { source.removeFirst() }
        let node: Node?
        do {
            // The basic resolver: the grader reads scalars itself, and the default one runs a regular expression per
            // scalar. UTF-8 named, not `Parser.Encoding.default`: that reads the whole environment on every parse (a
            // fifth of reading 10,000 answers files) and lets `YAMS_DEFAULT_ENCODING` print on the grader's stdout.
            node = try Yams.compose(yaml: source, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw describe(error, file: file, source: source)
        }
        guard let node else { return nil }
        var budget = nodeBudget
        return try convert(node, file: file, budget: &budget, depth: 0)
    }

    private static func convert(_ node: Node, file: String, budget: inout Int, depth: Int) throws -> YAMLTree {
        budget -= 1
        let line = node.mark?.line ?? 0
        guard budget >= 0 else {
            throw YAMLReadError(
                file: file, line: line,
                message:
                    """
                    the document expands to more than \(defaultNodeBudget) values (aliases `*name` repeating \
                    anchors?); refusing to read it
                    """
            )
        }
        guard depth < 64 else {
            throw YAMLReadError(file: file, line: line, message: "nested more than 64 levels deep")
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, quoted: scalar.style != .plain && scalar.style != .any, line: line)
        case .sequence(let sequence):
            return .sequence(
                try sequence.map { try convert($0, file: file, budget: &budget, depth: depth + 1) }, line: line)
        case .mapping(let mapping):
            var entries: [(key: String, value: YAMLTree, line: Int)] = []
            var seen: [String: Int] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLReadError(
                        file: file, line: key.mark?.line ?? line,
                        message: "a key must be plain text, not \(key.kindName)")
                }
                let keyLine = key.mark?.line ?? line
                if let first = seen[keyScalar.string] {
                    throw YAMLReadError(
                        file: file, line: keyLine,
                        message: "duplicate key `\(keyScalar.string)` (first on line \(first))")
                }
                seen[keyScalar.string] = keyLine
                entries.append(
                    (keyScalar.string, try convert(value, file: file, budget: &budget, depth: depth + 1), keyLine))
            }
            return .mapping(entries, line: line)
        case .alias:
            throw YAMLReadError(file: file, line: line, message: "unresolved alias")
        }
    }

    private static func describe(_ error: YamlError, file: String, source: String) -> YAMLReadError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let contextText = context.map { "\($0.text) " } ?? ""
            // LaTeX in double quotes: `\left` is an escape YAML does not know.
            let latex =
                problem.contains("unknown escape")
                ? "; a LaTeX formula goes in single quotes ('X^\\top'), where YAML reads a backslash as itself" : ""
            return YAMLReadError(
                file: file, line: mark.line,
                message: "invalid YAML: \(contextText)\(problem) (column \(mark.column))\(latex)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the mapping; point at the key's second appearance, where the student must look.
            let key = duplicates.first.map { "\($0)" } ?? ""
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            let appearances = lines.filter {
                String($0.element).trimmingWhitespace().hasPrefix(key + ":") && $0.offset + 1 >= context.mark.line
            }
            let line = appearances.count >= 2 ? appearances[1].offset + 1 : context.mark.line
            let first = appearances.count >= 2 ? " (first on line \(appearances[0].offset + 1))" : ""
            return YAMLReadError(
                file: file, line: line,
                message: "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", "))\(first)")
        case .reader(let problem, _, _, _):
            return YAMLReadError(file: file, line: nil, message: "cannot read the file as text: \(problem)")
        default:
            return YAMLReadError(file: file, line: nil, message: "invalid YAML: \(error)")
        }
    }
}

extension Node {
    fileprivate var kindName: String {
        switch self {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

extension YAMLTree {
    /// The tree as YAML text, through Yams' emitter: quoted scalars stay quoted (multi-line ones as literal
    /// blocks), lists of plain values are written inline.
    public func yamlText() throws -> String {
        try Yams.serialize(node: yamsNode, width: -1, allowUnicode: true)
    }

    private var yamsNode: Node {
        switch self {
        case .scalar(let text, let quoted, _):
            let style: Node.Scalar.Style = !quoted ? .any : (text.contains("\n") ? .literal : .doubleQuoted)
            return .scalar(Node.Scalar(text, .implicit, style))
        case .sequence(let items, _):
            let inline =
                items.allSatisfy {
                    if case .scalar(let text, _, _) = $0 { return !text.contains("\n") } else { return false }
                }
                || items.allSatisfy { if case .sequence = $0 { return true } else { return false } }
            return .sequence(Node.Sequence(items.map(\.yamsNode), .implicit, inline ? .flow : .block))
        case .mapping(let entries, _):
            return .mapping(
                Node.Mapping(entries.map { (Node.scalar(Node.Scalar($0.key)), $0.value.yamsNode) }, .implicit, .block))
        }
    }

    /// The value of `key` in a mapping, if any.
    public subscript(key: String) -> YAMLTree? {
        guard case .mapping(let entries, _) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// A mapping without `keys`, with `replacements` set (in place when present, else appended).
    public func updating(removing keys: Set<String> = [], setting replacements: [(key: String, value: YAMLTree)] = [])
        -> YAMLTree
    {
        guard case .mapping(var entries, let line) = self else { return self }
        entries.removeAll { keys.contains($0.key) }
        for (key, value) in replacements {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                entries[index].value = value
            } else {
                entries.append((key, value, line))
            }
        }
        return .mapping(entries, line: line)
    }

    /// A plain scalar or a list of them, for values a program writes.
    public static func plain(_ text: String) -> YAMLTree { .scalar(text, quoted: false, line: 0) }
}

extension YAMLTree {
    /// A value as YAML: whole numbers and shortest round-trip doubles, lists inline.
    init(_ value: SnippetValue) {
        switch value {
        case .int(let number): self = .plain("\(number)")
        case .double(let number): self = .plain("\(number)")
        case .bool(let flag): self = .plain(flag ? "true" : "false")
        case .string(let text): self = .scalar(text, quoted: true, line: 0)
        case .array(let items), .tuple(let items): self = .sequence(items.map(YAMLTree.init), line: 0)
        }
    }

    /// The tree on one line, as YAML's flow style writes it (`[1.5, -2.25]`, `"2*X"`), for examples in messages.
    var flowText: String {
        switch self {
        case .scalar(let text, let quoted, _):
            guard quoted else { return text }
            let escaped = ReportText.replacingBytes(
                in: text, [UInt8(ascii: "\\"): "\\\\", UInt8(ascii: "\""): "\\\""])
            return "\"\(escaped)\""
        case .sequence(let items, _): return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let entries, _):
            return "{" + entries.map { "\($0.key): \($0.value.flowText)" }.joined(separator: ", ") + "}"
        }
    }
}
