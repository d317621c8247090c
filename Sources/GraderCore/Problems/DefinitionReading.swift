/// Reading pieces that several keys of a problem definition share: names, ranges, sizes, dimensions and seeds.
enum DefinitionReading {
    /// Names a parameter or variable may not take: `I` and `T` mean the identity and the transpose in math
    /// expressions, and each parameter becomes a Swift constant of its name.
    static let reservedNames: Set<String> = [
        "I", "T", "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "deinit",
        "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func", "guard", "if",
        "import",
        "in", "init", "inout", "internal", "is", "let", "nil", "open", "operator", "private", "protocol", "public",
        "repeat", "rethrows", "return", "self", "Self", "static", "struct", "subscript", "super", "switch", "throw",
        "throws", "true", "try", "typealias", "var", "where", "while", "Any", "Int", "Double", "Bool", "String",
        "Array",
        "Swift", "some", "any",
    ]

    /// Whether `name` is ASCII letters, digits and `_`, starts with a letter, and is not reserved.
    static func isName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter, first.isASCII, !reservedNames.contains(name),
            !name.hasPrefix("__")
        else { return false }
        return name.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    /// `[low, high]` with finite numbers, low <= high; `nil` for anything else.
    static func realRange(_ node: YAMLTree) -> ClosedRange<Double>? {
        guard case .sequence(let items, _) = node, items.count == 2, let low = YAMLScalars.double(items[0]),
            let high = YAMLScalars.double(items[1]), low.isFinite, high.isFinite, low <= high
        else { return nil }
        return low...high
    }

    /// `[low, high]` with whole numbers, low <= high; `nil` for anything else.
    static func intRange(_ node: YAMLTree) -> ClosedRange<Int>? {
        guard case .sequence(let items, _) = node, items.count == 2,
            case .scalar(let low, _, _) = items[0], case .scalar(let high, _, _) = items[1],
            let lowValue = Int(low), let highValue = Int(high), lowValue <= highValue
        else { return nil }
        return lowValue...highValue
    }

    /// A list of `count` whole sizes, each at least `minimum` (a `shape: [2, 3]`); `nil` for anything else.
    static func sizes(_ node: YAMLTree, count: ClosedRange<Int>, minimum: Int, maximum: Int = .max) -> [Int]? {
        guard case .sequence(let items, _) = node, count.contains(items.count) else { return nil }
        let sizes = items.compactMap { YAMLScalars.double($0).flatMap { Int(exactly: $0) } }
        guard sizes.count == items.count, sizes.allSatisfy({ (minimum...maximum).contains($0) }) else { return nil }
        return sizes
    }

    static func sizes(_ node: YAMLTree, count: Int, minimum: Int) -> [Int]? {
        sizes(node, count: count...count, minimum: minimum)
    }

    /// The size names of `dimensions:`, each with its inclusive range.
    static func dimensions(_ fields: inout YAMLFields) throws -> [(name: String, range: ClosedRange<Int>)] {
        guard let node = fields.node("dimensions") else { return [] }
        guard case .mapping(let entries, _) = node else {
            throw fields.error("`dimensions` must map names to [low, high]", line: node.line)
        }
        return try entries.map { entry in
            guard let range = intRange(entry.value), range.lowerBound >= 0 else {
                throw fields.error(
                    "dimension `\(entry.key)` must be [low, high] with 0 <= low <= high", line: entry.line)
            }
            return (entry.key, range)
        }
    }

    /// `seed:`, or one derived from the problem and part ids: the same trials on every run and machine.
    static func seed(_ fields: inout YAMLFields, problemID: String, partID: String) throws -> UInt64 {
        if let seed = try fields.int("seed") { return UInt64(bitPattern: Int64(seed)) }
        var generator = SeededGenerator(seed: 2026, salt: "\(problemID)/\(partID)")
        return generator.next()
    }
}
