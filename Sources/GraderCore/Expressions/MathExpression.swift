/// A parsed math expression over scalars, vectors and matrices, such as `2*X^T`, `(X + X^T)*w` or `min(A*x + b) < 0`.
///
/// The grammar (loosest first): a comparison (`< <= > >= == !=`) of sums; sums of products (`+ -`); products
/// (`*` matrix product or scaling, `/` by a scalar, `.*` element-wise, and a number written before a name or a
/// parenthesis, `2X`); unary minus; powers (`^` an integer, or a real for scalars; `^T` transposes); postfix `'`
/// (transpose); numbers, names, calls `f(a, b)` and parentheses. Our own parser: the syntax is small, its messages
/// must name the column, and no dependency offers both.
public indirect enum MathExpression: Sendable, Equatable {
    case number(Double)
    case name(String, column: Int)
    case negate(MathExpression)
    case binary(MathOperator, MathExpression, MathExpression, column: Int)
    case power(MathExpression, MathExpression, column: Int)
    case transpose(MathExpression)
    case call(String, [MathExpression], column: Int)

    /// Parses `text`; errors carry the 1-based column.
    public init(parsing text: String) throws(MathExpressionError) {
        var parser = MathParser(text)
        self = try parser.parseWhole()
    }

    /// The names the expression refers to, functions excluded, in order of first use.
    public var names: [String] {
        var seen: [String] = []
        func visit(_ expression: MathExpression) {
            switch expression {
            case .number: break
            case .name(let name, _): if !seen.contains(name) { seen.append(name) }
            case .negate(let inner), .transpose(let inner): visit(inner)
            case .binary(_, let left, let right, _), .power(let left, let right, _):
                visit(left)
                visit(right)
            case .call(_, let arguments, _): arguments.forEach(visit)
            }
        }
        visit(self)
        return seen
    }
}

/// A binary operator of `MathExpression`.
public enum MathOperator: String, Sendable, Equatable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case elementwise = ".*"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case equal = "=="
    case notEqual = "!="

    var isComparison: Bool {
        switch self {
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: return true
        default: return false
        }
    }
}

/// Why an expression could not be parsed or evaluated, with the column it concerns when there is one.
public struct MathExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// 1-based column in the expression's text, or `nil` when the message concerns the whole expression.
    public let column: Int?

    public var description: String { column.map { "column \($0): \(message)" } ?? message }
}

/// A recursive-descent parser over the characters of one expression.
struct MathParser {
    private let characters: [Character]
    private var position = 0
    /// Nesting depth, bounded so that a hostile `((((...` cannot exhaust the stack.
    private var depth = 0
    static let maxDepth = 200
    static let maxLength = 2_000
    /// Binary operators and postfix transposes, bounded too: each adds a level to the tree, which is walked
    /// recursively.
    private var operators = 0
    static let maxOperators = 200

    init(_ text: String) { characters = Array(text) }

    mutating func parseWhole() throws(MathExpressionError) -> MathExpression {
        guard characters.count <= Self.maxLength else {
            throw MathExpressionError(
                message: "the expression is longer than \(Self.maxLength) characters", column: nil)
        }
        skipSpaces()
        guard position < characters.count else {
            throw MathExpressionError(message: "the expression is empty", column: nil)
        }
        let expression = try comparison()
        skipSpaces()
        if position < characters.count {
            let rest =
                characters[position] == ")" ? "`)` without a matching `(`" : "unexpected `\(characters[position])`"
            throw error(rest)
        }
        return expression
    }

    private func error(_ message: String, at column: Int? = nil) -> MathExpressionError {
        MathExpressionError(message: message, column: column ?? position + 1)
    }

    private mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    private func peek(_ text: String) -> Bool {
        let wanted = Array(text)
        guard position + wanted.count <= characters.count else { return false }
        return Array(characters[position..<(position + wanted.count)]) == wanted
    }

    private mutating func take(_ text: String) -> Bool {
        skipSpaces()
        guard peek(text) else { return false }
        position += text.count
        return true
    }

    private mutating func comparison() throws(MathExpressionError) -> MathExpression {
        let left = try sum()
        skipSpaces()
        for op in [MathOperator.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater] {
            let column = position + 1
            if take(op.rawValue) {
                let right = try sum()
                return .binary(op, left, right, column: column)
            }
        }
        return left
    }

    /// Counts one more operator, failing beyond `maxOperators`.
    private mutating func countOperator() throws(MathExpressionError) {
        operators += 1
        guard operators <= Self.maxOperators else {
            throw error("the expression has more than \(Self.maxOperators) operators")
        }
    }

    private mutating func sum() throws(MathExpressionError) -> MathExpression {
        var result = try product()
        while true {
            skipSpaces()
            let column = position + 1
            if take("+") {
                try countOperator()
                result = .binary(.add, result, try product(), column: column)
            } else if take("-") {
                try countOperator()
                result = .binary(.subtract, result, try product(), column: column)
            } else {
                return result
            }
        }
    }

    private mutating func product() throws(MathExpressionError) -> MathExpression {
        var result = try unary()
        while true {
            skipSpaces()
            let column = position + 1
            if take(".*") {
                try countOperator()
                result = .binary(.elementwise, result, try unary(), column: column)
            } else if take("*") {
                try countOperator()
                result = .binary(.multiply, result, try unary(), column: column)
            } else if take("/") {
                try countOperator()
                result = .binary(.divide, result, try unary(), column: column)
            } else if case .number = result, position < characters.count,
                characters[position].isLetter || characters[position] == "("
            {
                // `2X` and `2(X + Y)`: a number written before a name or a parenthesis multiplies it.
                try countOperator()
                result = .binary(.multiply, result, try unary(), column: column)
            } else {
                return result
            }
        }
    }

    private mutating func unary() throws(MathExpressionError) -> MathExpression {
        skipSpaces()
        if take("-") {
            return .negate(try nested { (parser: inout MathParser) throws(MathExpressionError) in try parser.unary() })
        }
        if take("+") {
            return try nested { (parser: inout MathParser) throws(MathExpressionError) in try parser.unary() }
        }
        return try power()
    }

    private mutating func power() throws(MathExpressionError) -> MathExpression {
        var result = try postfix()
        while true {
            skipSpaces()
            let column = position + 1
            guard take("^") else { return result }
            try countOperator()
            skipSpaces()
            // `X^T` transposes (`X^T^2` squares the transpose); any other exponent is a unary expression.
            if peek("T"), !(position + 1 < characters.count && Self.continuesName(characters[position + 1])) {
                position += 1
                result = .transpose(result)
                while take("'") {
                    try countOperator()
                    result = .transpose(result)
                }
            } else {
                let exponent = try nested { (parser: inout MathParser) throws(MathExpressionError) in try parser.unary()
                }
                result = .power(result, exponent, column: column)
            }
        }
    }

    private static func continuesName(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    private mutating func postfix() throws(MathExpressionError) -> MathExpression {
        var result = try primary()
        while true {
            skipSpaces()
            if take("'") {
                try countOperator()
                result = .transpose(result)
            } else {
                return result
            }
        }
    }

    private mutating func nested(_ body: (inout MathParser) throws(MathExpressionError) -> MathExpression)
        throws(MathExpressionError) -> MathExpression
    {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("the expression nests deeper than \(Self.maxDepth) levels") }
        return try body(&self)
    }

    private mutating func primary() throws(MathExpressionError) -> MathExpression {
        skipSpaces()
        guard position < characters.count else { throw error("the expression ends where a value was expected") }
        let start = position
        let character = characters[position]
        if character == "(" {
            position += 1
            let inner = try nested { (parser: inout MathParser) throws(MathExpressionError) in try parser.comparison() }
            guard take(")") else { throw error("`(` at column \(start + 1) is never closed") }
            return inner
        }
        if character.isNumber || character == "." {
            while position < characters.count, characters[position].isNumber || characters[position] == "." {
                position += 1
            }
            // An exponent: 1e-3, 2.5E+4.
            if position < characters.count, characters[position] == "e" || characters[position] == "E" {
                var lookahead = position + 1
                if lookahead < characters.count, characters[lookahead] == "+" || characters[lookahead] == "-" {
                    lookahead += 1
                }
                if lookahead < characters.count, characters[lookahead].isNumber {
                    position = lookahead
                    while position < characters.count, characters[position].isNumber { position += 1 }
                }
            }
            let text = String(characters[start..<position])
            guard let value = Double(text), value.isFinite else {
                throw error("`\(text)` is not a number", at: start + 1)
            }
            return .number(value)
        }
        if character.isLetter || character == "_" {
            while position < characters.count, Self.continuesName(characters[position]) {
                position += 1
            }
            let name = String(characters[start..<position])
            skipSpaces()
            if take("(") {
                var arguments: [MathExpression] = []
                if !take(")") {
                    repeat {
                        arguments.append(
                            try nested { (parser: inout MathParser) throws(MathExpressionError) in
                                try parser.comparison()
                            })
                    } while take(",")
                    guard take(")") else { throw error("`\(name)(` at column \(start + 1) is never closed") }
                }
                return .call(name, arguments, column: start + 1)
            }
            return .name(name, column: start + 1)
        }
        throw error("unexpected `\(character)`")
    }
}
