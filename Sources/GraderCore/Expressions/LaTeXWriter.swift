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
            let text = number(value)
            return (text, value < 0 ? .sum : .atom)
        case .name(let name, _):
            if LaTeXReader.greek.contains(name) { return ("\\" + name, .atom) }
            return (name.count == 1 ? name : "\\mathrm{\(name)}", .atom)
        case .negate(let inner):
            // As loose as a sum: `-B \cdot 2` reads as -(B 2), so a negated factor of a product is parenthesised.
            return ("-" + wrapped(inner, below: .unary), .sum)
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

    /// `value` exactly, in plain decimals (`0.1`, `42`, `0.00000015`): the shortest digits that read back as it,
    /// never an exponent, which LaTeX would show as a product of rounded factors.
    static func number(_ value: Double) -> String {
        let text = "\(abs(value))"
        let sign = value < 0 ? "-" : ""
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return sign + (text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
        }
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        let mantissa = text[..<e].split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(mantissa[0])
        let digits = whole + (mantissa.count > 1 ? String(mantissa[1]) : "")
        let point = whole.count + exponent  // where the decimal point falls in `digits`
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        return sign + digits.prefix(point) + "." + digits.dropFirst(point)
    }

    /// `expression` written, in `\left( \right)` when it binds more loosely than `binding`.
    private static func wrapped(_ expression: MathExpression, below binding: Binding) -> String {
        let (text, own) = write(expression)
        return own < binding ? "\\left(\(text)\\right)" : text
    }
}
