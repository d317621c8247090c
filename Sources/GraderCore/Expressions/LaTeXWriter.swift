/// Writes a `MathExpression` back as LaTeX (`2 X^{\top}`), so that feedback shows a formula as the grader read it,
/// in the notation the student wrote it in.
public enum LaTeXWriter {
    /// The LaTeX of `expression`, without `$` delimiters.
    public static func latex(_ expression: MathExpression) -> String { write(expression).text }

    /// How tightly a written piece binds: a looser piece is parenthesised where a tighter one is needed.
    private enum Binding: Int, Comparable {
        case comparison, sum, product, unary, power, atom
        static func < (a: Binding, b: Binding) -> Bool { a.rawValue < b.rawValue }
    }

    private static func write(_ expression: MathExpression) -> (text: String, binding: Binding) {
        switch expression {
        case .number(let value):
            let text = NumberFormatting.compact(value)
            return (text, value < 0 ? .unary : .atom)
        case .name(let name, _):
            if LaTeXReader.greek.contains(name) { return ("\\" + name, .atom) }
            return (name.count == 1 ? name : "\\mathrm{\(name)}", .atom)
        case .negate(let inner):
            return ("-" + wrapped(inner, below: .unary), .unary)
        case .transpose(let inner):
            return (wrapped(inner, below: .atom) + "^{\\top}", .power)
        case .power(let base, let exponent, _):
            return (wrapped(base, below: .atom) + "^{" + write(exponent).text + "}", .power)
        case .call(let name, let arguments, _):
            let inside = arguments.map { write($0).text }.joined(separator: ", ")
            switch name {
            case "sqrt": return ("\\sqrt{\(inside)}", .atom)
            case "sigmoid": return ("\\sigma\\left(\(inside)\\right)", .atom)
            case "exp", "log", "tanh", "det", "min", "max": return ("\\\(name)\\left(\(inside)\\right)", .atom)
            case "inv": return (wrapped(arguments[0], below: .atom) + "^{-1}", .power)
            case "transpose": return (wrapped(arguments[0], below: .atom) + "^{\\top}", .power)
            default: return ("\\operatorname{\(name)}\\left(\(inside)\\right)", .atom)
            }
        case .binary(let op, let left, let right, _):
            switch op {
            case .add: return (write(left).text + " + " + wrapped(right, below: .sum), .sum)
            case .subtract: return (write(left).text + " - " + wrapped(right, below: .product), .sum)
            case .divide: return ("\\frac{\(write(left).text)}{\(write(right).text)}", .atom)
            case .elementwise:
                return (wrapped(left, below: .product) + " \\odot " + wrapped(right, below: .unary), .product)
            case .multiply:
                // Products associate (matrix products and scalings alike): `2 X w` needs no parentheses.
                let first = wrapped(left, below: .product)
                let second = wrapped(right, below: .product)
                // Juxtaposition, as written by hand; `\cdot` where two numbers would run together.
                let joiner = second.first.map { $0.isNumber || $0 == "-" } ?? false ? " \\cdot " : " "
                return (first + joiner + second, .product)
            case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual:
                let symbol: String
                switch op {
                case .less: symbol = "<"
                case .lessOrEqual: symbol = "\\le"
                case .greater: symbol = ">"
                case .greaterOrEqual: symbol = "\\ge"
                case .equal: symbol = "="
                default: symbol = "\\ne"
                }
                return (write(left).text + " \(symbol) " + write(right).text, .comparison)
            }
        }
    }

    /// `expression` written, in `\left( \right)` when it binds more loosely than `binding`.
    private static func wrapped(_ expression: MathExpression, below binding: Binding) -> String {
        let (text, own) = write(expression)
        return own < binding ? "\\left(\(text)\\right)" : text
    }
}
