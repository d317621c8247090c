/// Typed access to the keys of a YAML mapping, with messages that name the file, the line and what was expected.
struct YAMLFields {
    let file: String
    let line: Int
    private let entries: [(key: String, value: YAMLTree, line: Int)]
    private var used: Set<String> = []

    init(_ node: YAMLTree, file: String, what: String) throws {
        guard case .mapping(let entries, let line) = node else {
            throw YAMLReadError(
                file: file, line: node.line,
                message: "\(what) must be a mapping of keys to values, found \(node.kindDescription)")
        }
        self.file = file
        self.line = line
        self.entries = entries
    }

    func error(_ message: String, line: Int? = nil) -> YAMLReadError {
        YAMLReadError(file: file, line: line ?? self.line, message: message)
    }

    mutating func node(_ key: String) -> YAMLTree? {
        used.insert(key)
        return entries.first { $0.key == key }?.value
    }

    /// The line of `key`'s entry, or the mapping's line when it has no such key.
    func line(of key: String) -> Int {
        entries.first { $0.key == key }?.line ?? line
    }

    mutating func require(_ key: String) throws -> YAMLTree {
        guard let node = node(key) else { throw error("missing key `\(key)`") }
        return node
    }

    mutating func string(_ key: String) throws -> String? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, _, _) = node else {
            throw error("`\(key)` must be text, found \(node.kindDescription)", line: node.line)
        }
        return text
    }

    mutating func requireString(_ key: String) throws -> String {
        guard let text = try string(key) else { throw error("missing key `\(key)`") }
        return text
    }

    mutating func double(_ key: String) throws -> Double? {
        guard let node = node(key) else { return nil }
        guard let value = YAMLScalars.double(node) else {
            throw error("`\(key)` must be a number, found \(node.kindDescription)", line: node.line)
        }
        return value
    }

    mutating func int(_ key: String) throws -> Int? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, _, _) = node, let value = Int(text) else {
            throw error("`\(key)` must be a whole number, found \(node.kindDescription)", line: node.line)
        }
        return value
    }

    mutating func bool(_ key: String) throws -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, false, _) = node, let value = ["true": true, "false": false][text] else {
            throw error("`\(key)` must be true or false, found \(node.kindDescription)", line: node.line)
        }
        return value
    }

    mutating func strings(_ key: String) throws -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .sequence(let items, _) = node else {
            throw error("`\(key)` must be a list, found \(node.kindDescription)", line: node.line)
        }
        return try items.map { item in
            guard case .scalar(let text, _, _) = item else {
                throw error("`\(key)` must list text values", line: item.line)
            }
            return text
        }
    }

    /// Throws for keys that were never asked for: a typo in a definition must not be silently ignored.
    func rejectUnknownKeys(allowed extra: Set<String> = [], markUsed: Bool = true) throws {
        for entry in entries where !(markUsed && used.contains(entry.key)) && !extra.contains(entry.key) {
            let known = used.union(extra).sorted().map { "`\($0)`" }.joined(separator: ", ")
            throw error("unknown key `\(entry.key)` (known keys: \(known))", line: entry.line)
        }
    }
}

/// Reading numbers out of YAML scalars the way YAML 1.2 writes them (`1e-3`, `.inf`, `-.inf`, `.nan`).
public enum YAMLScalars {
    /// The scalar as a double, or `nil` when it is not a number.
    public static func double(_ node: YAMLTree) -> Double? {
        guard case .scalar(let raw, _, _) = node else { return nil }
        let text = raw.trimmingWhitespace()
        switch text.lowercased() {
        case ".nan", "nan": return .nan
        case ".inf", "+.inf", "inf", "+inf", "infinity": return .infinity
        case "-.inf", "-inf", "-infinity": return -.infinity
        default: break
        }
        guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE_".contains($0) }) else { return nil }
        return Double(text.filter { $0 != "_" })
    }
}
