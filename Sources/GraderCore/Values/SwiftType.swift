/// A Swift type a snippet function may take or return, as far as the grader can move it across a process boundary.
public indirect enum SwiftType: Sendable, Equatable, CustomStringConvertible {
    case int
    /// `UInt64`, for the seed an experiment's function takes; its values travel as non-negative `Int`s.
    case uint64
    case double
    case bool
    /// Text, such as an activation's name (`"relu"`).
    case string
    case array(SwiftType)
    /// A tuple; labels are `nil` where the tuple element has none.
    case tuple([(label: String?, type: SwiftType)])

    public static func == (lhs: SwiftType, rhs: SwiftType) -> Bool {
        switch (lhs, rhs) {
        case (.int, .int), (.uint64, .uint64), (.double, .double), (.bool, .bool), (.string, .string): return true
        case (.array(let a), .array(let b)): return a == b
        case (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.label == $1.label && $0.type == $1.type }
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .int: return "Int"
        case .uint64: return "UInt64"
        case .double: return "Double"
        case .bool: return "Bool"
        case .string: return "String"
        case .array(let element): return "[\(element)]"
        case .tuple(let elements):
            let inner = elements.map { element in
                element.label.map { "\($0): \(element.type)" } ?? "\(element.type)"
            }
            return "(\(inner.joined(separator: ", ")))"
        }
    }

    /// Whether this is a tuple.
    public var isTuple: Bool {
        if case .tuple = self { return true }
        return false
    }

    /// How many array levels wrap the scalar at the bottom (`[[Double]]` has rank 2).
    public var rank: Int {
        if case .array(let element) = self { return 1 + element.rank }
        return 0
    }
}

/// A parse failure in a type or signature written in a problem definition.
public struct SignatureParseError: Error, CustomStringConvertible, Sendable {
    public let text: String
    public let reason: String
    public var description: String { "cannot read `\(text)`: \(reason)" }
}

/// A Swift function signature as students must write it, e.g. `func f(_ x: [Double], p: Double) -> [Double]`.
public struct FunctionSignature: Sendable, Equatable, CustomStringConvertible {
    /// One parameter: the argument label used at the call site (`nil` for `_`), its internal name and type.
    public struct Parameter: Sendable, Equatable {
        public let label: String?
        public let name: String
        public let type: SwiftType
    }

    public let name: String
    public let parameters: [Parameter]
    public let returnType: SwiftType
    /// The signature exactly as written in the problem definition.
    public let text: String

    public var description: String { text }

    /// Parses a one-line Swift function declaration.
    public init(parsing text: String) throws {
        var scanner = TypeScanner(text)
        func fail(_ reason: String) -> SignatureParseError { SignatureParseError(text: text, reason: reason) }
        guard scanner.keyword("func") else { throw fail("expected it to start with `func`") }
        guard let name = scanner.identifier() else { throw fail("expected a function name after `func`") }
        guard scanner.symbol("(") else { throw fail("expected `(` after the function name") }
        var parameters: [Parameter] = []
        if !scanner.symbol(")") {
            repeat {
                guard let first = scanner.identifier() else { throw fail("expected a parameter name") }
                let second = scanner.identifier()
                guard scanner.symbol(":") else { throw fail("expected `:` after parameter `\(first)`") }
                let type = try scanner.type(fail)
                let label: String? = first == "_" ? nil : first
                parameters.append(Parameter(label: label, name: second ?? first, type: type))
            } while scanner.symbol(",")
            guard scanner.symbol(")") else { throw fail("expected `)` after the parameters") }
        }
        guard scanner.symbol("->") else { throw fail("expected `-> ReturnType`") }
        let returnType = try scanner.type(fail)
        guard scanner.atEnd else { throw fail("unexpected text after the return type") }
        self.name = name
        self.parameters = parameters
        self.returnType = returnType
        self.text = text.trimmingWhitespace()
    }
}

extension SwiftType {
    /// Parses a type such as `[[Double]]` or `(weights: [[[Double]]], biases: [[Double]])`.
    public init(parsing text: String) throws {
        var scanner = TypeScanner(text)
        let type = try scanner.type { SignatureParseError(text: text, reason: $0) }
        guard scanner.atEnd else { throw SignatureParseError(text: text, reason: "unexpected text after the type") }
        self = type
    }
}

/// A tiny tokenizer for the subset of Swift declarations that problem definitions use.
struct TypeScanner {
    private let characters: [Character]
    private var index = 0

    init(_ text: String) { characters = Array(text) }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return index == characters.count
        }
    }

    private mutating func skipSpace() {
        while index < characters.count, characters[index].isWhitespace { index += 1 }
    }

    mutating func identifier() -> String? {
        skipSpace()
        let start = index
        while index < characters.count,
            characters[index] == "_" || characters[index].isLetter
                || (index > start && characters[index].isNumber)
        {
            index += 1
        }
        return index > start ? String(characters[start..<index]) : nil
    }

    mutating func keyword(_ word: String) -> Bool {
        let saved = index
        if identifier() == word { return true }
        index = saved
        return false
    }

    mutating func symbol(_ text: String) -> Bool {
        skipSpace()
        let symbol = Array(text)
        guard index + symbol.count <= characters.count,
            Array(characters[index..<index + symbol.count]) == symbol
        else { return false }
        index += symbol.count
        return true
    }

    mutating func type(_ fail: (String) -> SignatureParseError) throws -> SwiftType {
        if symbol("[") {
            let element = try type(fail)
            guard symbol("]") else { throw fail("expected `]`") }
            return .array(element)
        }
        if symbol("(") {
            var elements: [(label: String?, type: SwiftType)] = []
            repeat {
                let saved = index
                var label: String?
                if let name = identifier(), symbol(":") { label = name } else { index = saved }
                elements.append((label, try type(fail)))
            } while symbol(",")
            guard symbol(")") else { throw fail("expected `)` to close the tuple") }
            return elements.count == 1 && elements[0].label == nil ? elements[0].type : .tuple(elements)
        }
        switch identifier() {
        case "Int": return .int
        case "UInt64": return .uint64
        case "Double": return .double
        case "Bool": return .bool
        case "String": return .string
        case let other?:
            throw fail(
                """
                unsupported type `\(other)` (use Int, Double, Bool, String, arrays and tuples of them, and UInt64 \
                for a seed)
                """
            )
        case nil: throw fail("expected a type")
        }
    }
}

extension String {
    /// The string without leading and trailing white space and newlines.
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
