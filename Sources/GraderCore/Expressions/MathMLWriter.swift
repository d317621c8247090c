/// Writes a `MathExpression` as MathML, which browsers typeset themselves: the class overview shows formulas without
/// loading a script or a font from the network.
public enum MathMLWriter {
    /// `<math>…</math>` for `expression`.
    public static func mathML(_ expression: MathExpression) -> String {
        "<math display=\"inline\">\(write(expression).markup)</math>"
    }

    /// The formula `latex` (as `LaTeXWriter` writes it) in MathML; `nil` when it does not read.
    public static func mathML(latex: String) -> String? {
        (try? LaTeXReader(variables: [], anyName: true).read(latex)).map(mathML)
    }

    /// How tightly a piece binds, as in `LaTeXWriter`.
    private enum Binding: Int, Comparable {
        case sum, product, power, atom
        static func < (a: Binding, b: Binding) -> Bool { a.rawValue < b.rawValue }
    }

    private static func identifier(_ name: String) -> String {
        let shown = LaTeXReader.greekLetters[name] ?? name
        let variant = shown.count > 1 ? " mathvariant=\"normal\"" : ""
        return "<mi\(variant)>\(escape(shown))</mi>"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private static func operatorMark(_ symbol: String) -> String { "<mo>\(escape(symbol))</mo>" }

    private static func fenced(_ markup: String) -> String {
        "<mrow><mo>(</mo>\(markup)<mo>)</mo></mrow>"
    }

    private static func write(_ expression: MathExpression) -> (markup: String, binding: Binding) {
        switch expression {
        case .number(let value):
            return ("<mn>\(escape(LaTeXWriter.number(value)))</mn>", value < 0 ? .sum : .atom)
        case .name(let name, _):
            return (identifier(name), .atom)
        case .negate(let inner):
            return ("<mrow><mo>−</mo>\(wrapped(inner, below: .power))</mrow>", .sum)
        case .transpose(let inner):
            return ("<msup>\(wrapped(inner, below: .atom))<mi>⊤</mi></msup>", .power)
        case .power(let base, let exponent, _):
            return ("<msup>\(wrapped(base, below: .atom))\(write(exponent).markup)</msup>", .power)
        case .call(let name, let arguments, _):
            let inside = arguments.map { write($0).markup }.joined(separator: "<mo>,</mo>")
            switch name {
            case "sqrt": return ("<msqrt>\(inside)</msqrt>", .atom)
            case "inv": return ("<msup>\(wrapped(arguments[0], below: .atom))<mn>−1</mn></msup>", .power)
            case "transpose": return ("<msup>\(wrapped(arguments[0], below: .atom))<mi>⊤</mi></msup>", .power)
            default:
                let shown = name == "sigmoid" ? identifier("sigma") : identifier(name)
                return ("<mrow>\(shown)<mo>&#x2061;</mo>\(fenced(inside))</mrow>", .atom)
            }
        case .binary(let op, let left, let right, _):
            switch op {
            case .add:
                return ("<mrow>\(write(left).markup)<mo>+</mo>\(wrapped(right, below: .product))</mrow>", .sum)
            case .subtract:
                return ("<mrow>\(write(left).markup)<mo>−</mo>\(wrapped(right, below: .product))</mrow>", .sum)
            case .divide:
                return ("<mfrac><mrow>\(write(left).markup)</mrow><mrow>\(write(right).markup)</mrow></mfrac>", .atom)
            case .elementwise:
                return (
                    "<mrow>\(wrapped(left, below: .product))<mo>⊙</mo>\(wrapped(right, below: .power))</mrow>",
                    .product
                )
            case .multiply:
                let numbers: Bool
                if case .number = right { numbers = true } else { numbers = false }
                let joiner = numbers ? "<mo>·</mo>" : "<mo>&#x2062;</mo>"
                return (
                    "<mrow>\(wrapped(left, below: .product))\(joiner)\(wrapped(right, below: .product))</mrow>",
                    .product
                )
            default:
                let symbols: [MathOperator: String] = [
                    .less: "<", .lessOrEqual: "≤", .greater: ">", .greaterOrEqual: "≥", .equal: "=", .notEqual: "≠",
                ]
                return (
                    "<mrow>\(write(left).markup)\(operatorMark(symbols[op] ?? "?"))\(write(right).markup)</mrow>",
                    .sum
                )
            }
        }
    }

    private static func wrapped(_ expression: MathExpression, below binding: Binding) -> String {
        let (markup, own) = write(expression)
        return own < binding ? fenced(markup) : markup
    }
}
