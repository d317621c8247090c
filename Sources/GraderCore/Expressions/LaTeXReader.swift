/// Reads a formula written in LaTeX, as students write their derivations (`2X^\top`, `\frac{1}{n}X^{T}(Xw - y)`,
/// `\sigma(Xw)`), into the `MathExpression` the calculator syntax gives, so both are checked alike.
///
/// Adjacent factors multiply (`2X^\top`, `(X + X^\top)w`), and a run of letters is split against the part's
/// variables: `Xw` is `X w` when `X` and `w` are variables and `Xw` is not. Nothing is guessed: a run that splits
/// two ways, `\sigma` that is neither a declared variable nor applied to anything, `e^x` where `e` is a variable,
/// an unknown command: each is an error that names the place and the readings. No macro is ever expanded
/// (`\def`, `\input` are unknown commands), nesting is bounded, and the text is read once, left to right.
public struct LaTeXReader: Sendable {
    /// The part's variable names, which letter runs are split against and Greek commands name.
    public let variables: [String]
    /// Whether any name is a variable, each letter of a run its own: for formulas the grader wrote itself
    /// (`LaTeXWriter`'s output, typeset again), never for a student's.
    public let anyName: Bool

    public init(variables: [String], anyName: Bool = false) {
        self.variables = variables
        self.anyName = anyName
    }

    /// Whether `text` is LaTeX rather than the calculator syntax: a command, a brace group or math delimiters.
    public static func isLaTeX(_ text: String) -> Bool {
        text.contains("\\") || text.contains("{") || text.contains("$")
    }

    /// The formula `text` means; errors carry the 1-based column in `text`.
    public func read(_ text: String) throws(MathExpressionError) -> MathExpression {
        guard text.count <= MathParser.maxLength else {
            throw MathExpressionError(
                message: "the formula is \(text.count) characters long; at most \(MathParser.maxLength) are read",
                column: nil)
        }
        var parser = Parser(tokens: try Self.tokens(of: text), variables: variables, anyName: anyName)
        return try parser.whole()
    }

    /// Greek letters a part may declare as variable names: each command and the letter it shows.
    static let greekLetters: [String: String] = [
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
        "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
        "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
        "omega": "ω", "Sigma": "Σ", "Lambda": "Λ", "Theta": "Θ", "Omega": "Ω", "Phi": "Φ", "Delta": "Δ",
        "Gamma": "Γ",
    ]

    /// The Greek commands, which name variables.
    static let greek = Set(greekLetters.keys)

    /// Commands that name a function of the evaluator, by command.
    static let functionCommands: [String: String] = [
        "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "det": "det", "tr": "tr", "min": "min",
        "max": "max",
    ]

    /// Names written as text (`\operatorname{tr}`, `\mathrm{diag}`, or plain letters before a parenthesis) that name
    /// a function of the evaluator.
    static let functionNames: [String: String] = [
        "tr": "tr", "trace": "tr", "diag": "diag", "exp": "exp", "log": "log", "ln": "log", "sqrt": "sqrt",
        "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "ReLU": "relu", "det": "det", "inv": "inv",
        "sum": "sum", "abs": "abs", "norm": "norm", "min": "min", "max": "max",
    ]

    /// Commands that only space or size what follows, read as nothing.
    static let ignored: Set<String> = [
        ",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "big", "Big", "bigg", "Bigg", "bigl",
        "bigr", "Bigl", "Bigr", "biggl", "biggr",
    ]

    // MARK: Tokens

    /// One token of the text, with its 1-based column.
    enum Token: Equatable {
        case command(String)
        case letter(Character)
        case number(String)
        case symbol(Character)

        var text: String {
            switch self {
            case .command(let name): return "\\" + name
            case .letter(let letter): return String(letter)
            case .number(let digits): return digits
            case .symbol(let symbol): return String(symbol)
            }
        }
    }

    static func tokens(of text: String) throws(MathExpressionError) -> [(token: Token, column: Int)] {
        let characters = Array(text)
        var tokens: [(token: Token, column: Int)] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let column = index + 1
            if character.isWhitespace || character == "$" {
                index += 1
            } else if character == "\\" {
                index += 1
                guard index < characters.count else {
                    throw MathExpressionError(message: "a lone `\\` at the end", column: column)
                }
                if characters[index].isLetter, characters[index].isASCII {
                    var name = ""
                    while index < characters.count, characters[index].isLetter, characters[index].isASCII {
                        name.append(characters[index])
                        index += 1
                    }
                    tokens.append((.command(name), column))
                } else {
                    tokens.append((.command(String(characters[index])), column))
                    index += 1
                }
            } else if character.isASCII, character.isNumber || character == "." {
                var digits = ""
                while index < characters.count, characters[index].isASCII,
                    characters[index].isNumber || characters[index] == "."
                {
                    digits.append(characters[index])
                    index += 1
                }
                tokens.append((.number(digits), column))
            } else if character.isASCII, character.isLetter {
                tokens.append((.letter(character), column))
                index += 1
            } else if "{}()[]^_+-*/',|=".contains(character) {
                tokens.append((.symbol(character), column))
                index += 1
            } else {
                throw MathExpressionError(message: "`\(character)` is not part of a formula", column: column)
            }
        }
        return tokens.filter {
            if case .command(let name) = $0.token { return !ignored.contains(name) }
            return true
        }
    }

    // MARK: Parsing

    /// A recursive-descent reader over the tokens; `depth` bounds the nesting a hostile text can ask for.
    struct Parser {
        let tokens: [(token: Token, column: Int)]
        let variables: [String]
        let anyName: Bool
        var position = 0
        var depth = 0

        init(tokens: [(token: Token, column: Int)], variables: [String], anyName: Bool) {
            self.tokens = tokens
            self.variables = variables
            self.anyName = anyName
        }

        var current: Token? { position < tokens.count ? tokens[position].token : nil }
        var column: Int? { position < tokens.count ? tokens[position].column : nil }

        func fail(_ message: String, at column: Int? = nil) -> MathExpressionError {
            MathExpressionError(message: message, column: column ?? self.column)
        }

        mutating func whole() throws(MathExpressionError) -> MathExpression {
            guard !tokens.isEmpty else { throw fail("the formula is empty", at: nil) }
            let expression = try sum()
            if let current { throw fail("unexpected `\(current.text)`") }
            return expression
        }

        mutating func nested<T>(_ body: (inout Parser) throws(MathExpressionError) -> T) throws(MathExpressionError)
            -> T
        {
            depth += 1
            defer { depth -= 1 }
            guard depth <= MathParser.maxDepth else { throw fail("the formula nests too deeply") }
            return try body(&self)
        }

        mutating func expect(_ symbol: Character, closing opening: Int?) throws(MathExpressionError) {
            guard current == .symbol(symbol) else {
                let found = current.map { "`\($0.text)`" } ?? "the end"
                throw fail("expected `\(symbol)`, found \(found)" + (opening.map { " (opened at column \($0))" } ?? ""))
            }
            position += 1
        }

        mutating func sum() throws(MathExpressionError) -> MathExpression {
            var result: MathExpression
            if current == .symbol("-") {
                position += 1
                result = .negate(try product())
            } else {
                if current == .symbol("+") { position += 1 }
                result = try product()
            }
            while let current, current == .symbol("+") || current == .symbol("-") {
                let column = self.column ?? 0
                position += 1
                let right = try product()
                result = .binary(current == .symbol("+") ? .add : .subtract, result, right, column: column)
            }
            return result
        }

        /// Whether the current token begins a factor, so that it multiplies what precedes it.
        var startsFactor: Bool {
            switch current {
            case .letter, .number: return true
            case .symbol(let symbol): return symbol == "(" || symbol == "[" || symbol == "{"
            case .command(let name):
                return !["cdot", "times", "odot", "circ", "right", "}", "top", "intercal"].contains(name)
            case nil: return false
            }
        }

        mutating func product() throws(MathExpressionError) -> MathExpression {
            var result = try signed()
            while true {
                let column = self.column ?? 0
                switch current {
                case .symbol("*"), .command("cdot"), .command("times"):
                    position += 1
                    result = .binary(.multiply, result, try signed(), column: column)
                case .symbol("/"):
                    position += 1
                    result = .binary(.divide, result, try signed(), column: column)
                case .command("odot"), .command("circ"):
                    position += 1
                    result = .binary(.elementwise, result, try signed(), column: column)
                default:
                    guard startsFactor else { return result }
                    result = .binary(.multiply, result, try postfix(), column: column)
                }
            }
        }

        mutating func signed() throws(MathExpressionError) -> MathExpression {
            if current == .symbol("-") {
                position += 1
                return .negate(try nested { (parser) throws(MathExpressionError) in try parser.signed() })
            }
            return try postfix()
        }

        mutating func postfix() throws(MathExpressionError) -> MathExpression {
            var result = try primary()
            while true {
                switch current {
                case .symbol("'"):
                    position += 1
                    result = .transpose(result)
                case .symbol("^"):
                    let column = self.column ?? 0
                    position += 1
                    result = try superscript(on: result, column: column)
                case .symbol("_"):
                    throw fail("a subscript is not a variable of this part (\(variables.joined(separator: ", ")))")
                default: return result
                }
            }
        }

        /// `base^…`: a transpose (`T`, `\top`, `\intercal`, braced or not), else a power.
        mutating func superscript(on base: MathExpression, column: Int) throws(MathExpressionError) -> MathExpression {
            let braced = current == .symbol("{")
            let inner = braced ? position + 1 : position
            if inner < tokens.count {
                let transposes: Bool
                switch tokens[inner].token {
                case .command("top"), .command("intercal"): transposes = true
                case .letter("T"):
                    guard !variables.contains("T") else {
                        throw fail(
                            "`^T` reads as a transpose or as a power of the variable `T`; write `^\\top` or `^{(T)}`")
                    }
                    transposes = true
                default: transposes = false
                }
                let closes = !braced || (inner + 1 < tokens.count && tokens[inner + 1].token == .symbol("}"))
                if transposes, closes {
                    position = inner + (braced ? 2 : 1)
                    return .transpose(base)
                }
            }
            let exponent: MathExpression
            if braced {
                let opening = self.column
                position += 1
                exponent = try nested { (parser) throws(MathExpressionError) in try parser.sum() }
                try expect("}", closing: opening)
            } else {
                // An unbraced exponent is one token: `x^2`, `e^x`.
                switch current {
                case .number(let digits):
                    position += 1
                    exponent = try number(String(digits.prefix(1)), column: column)
                    if digits.count > 1 {
                        throw fail("`^\(digits)` raises to \(digits.prefix(1)) only; write `^{\(digits)}`", at: column)
                    }
                case .letter, .command:
                    exponent = try primary()
                case .symbol("-"):
                    throw fail("a negative exponent needs braces: `^{-1}`")
                default:
                    throw fail("`^` needs an exponent")
                }
            }
            return .power(base, exponent, column: column)
        }

        func number(_ digits: String, column: Int) throws(MathExpressionError) -> MathExpression {
            guard let value = Double(digits), value.isFinite else {
                throw fail("`\(digits)` is not a number", at: column)
            }
            return .number(value)
        }

        mutating func primary() throws(MathExpressionError) -> MathExpression {
            try nested { (parser) throws(MathExpressionError) in try parser.primaryUnnested() }
        }

        mutating func primaryUnnested() throws(MathExpressionError) -> MathExpression {
            guard let token = current, let column = self.column else { throw fail("the formula ends too early") }
            switch token {
            case .number(let digits):
                position += 1
                return try number(digits, column: column)
            case .letter:
                return try letters()
            case .symbol("("), .symbol("["):
                return try group()
            case .symbol("{"):
                return try braced(after: "{")
            case .symbol(let symbol):
                throw fail("unexpected `\(symbol)`")
            case .command(let name):
                position += 1
                return try command(name, column: column)
            }
        }

        /// `( … )` or `[ … ]`.
        mutating func group() throws(MathExpressionError) -> MathExpression {
            let opening = self.column
            let closing: Character = current == .symbol("(") ? ")" : "]"
            position += 1
            let inner = try sum()
            try expect(closing, closing: opening)
            return inner
        }

        /// `\left( … \right)`, `\left[ … \right]`, `\left\{ … \right\}`.
        mutating func leftRight(column: Int) throws(MathExpressionError) -> MathExpression {
            let closing: Token
            switch current {
            case .symbol("("): closing = .symbol(")")
            case .symbol("["): closing = .symbol("]")
            case .command("{"): closing = .command("}")
            default: throw fail("`\\left` must open `(`, `[` or `\\{` here")
            }
            position += 1
            let inner = try sum()
            guard current == .command("right") else {
                throw fail("`\\left` at column \(column) is not closed by `\\right`")
            }
            position += 1
            guard current == closing else { throw fail("`\\right` must close with `\(closing.text)`") }
            position += 1
            return inner
        }

        /// A braced argument `{ … }` as its text of letters (for `\operatorname{tr}`, `\mathbf{X}`).
        mutating func bracedLetters(after command: String) throws(MathExpressionError) -> (String, Int) {
            let opening = self.column
            guard current == .symbol("{") else { throw fail("`\\\(command)` needs a braced argument") }
            position += 1
            let column = self.column ?? 0
            var word = ""
            while case .letter(let letter) = current {
                word.append(letter)
                position += 1
            }
            if word.isEmpty, case .command(let name) = current, LaTeXReader.greek.contains(name) {
                word = name
                position += 1
            }
            guard !word.isEmpty else { throw fail("`\\\(command){…}` must hold a name") }
            try expect("}", closing: opening)
            return (word, column)
        }

        mutating func command(_ name: String, column: Int) throws(MathExpressionError) -> MathExpression {
            switch name {
            case "frac", "dfrac", "tfrac":
                let numerator = try braced(after: name)
                let denominator = try braced(after: name)
                return .binary(.divide, numerator, denominator, column: column)
            case "sqrt":
                if current == .symbol("[") { throw fail("only square roots are read; `\\sqrt[n]` is not") }
                return .call("sqrt", [try braced(after: name)], column: column)
            case "left":
                return try leftRight(column: column)
            case "{":
                let inner = try sum()
                guard current == .command("}") else { throw fail("`\\{` at column \(column) is not closed by `\\}`") }
                position += 1
                return inner
            case "mathbf", "boldsymbol", "bm", "vec", "mathit", "mathrm", "mathsf", "text", "textrm", "operatorname",
                "mathbb", "mathcal":
                let (word, wordColumn) = try bracedLetters(after: name)
                if let function = LaTeXReader.functionNames[word], !variables.contains(word) {
                    return try application(function, written: word, column: wordColumn)
                }
                return try variable(word, column: wordColumn)
            case "sigma":
                if variables.contains("sigma") || (anyName && !startsArgument) { return .name("sigma", column: column) }
                if current == .symbol("'") {
                    throw fail(
                        "a derivative (`\\sigma'`) is not read: write it out, `\\sigma(z)(1 - \\sigma(z))`", at: column)
                }
                guard startsArgument else {
                    throw fail(
                        """
                        `\\sigma` reads as the sigmoid function or as a variable `sigma`, and this part has no \
                        variable `sigma`: apply it, `\\sigma(z)`
                        """, at: column)
                }
                return try application("sigmoid", written: "\\sigma", column: column)
            default:
                if let function = LaTeXReader.functionCommands[name] {
                    return try application(function, written: "\\" + name, column: column)
                }
                if LaTeXReader.greek.contains(name) { return try variable(name, column: column) }
                throw fail("`\\\(name)` is not supported in a formula", at: column)
            }
        }

        mutating func braced(after command: String) throws(MathExpressionError) -> MathExpression {
            let opening = self.column
            guard current == .symbol("{") else { throw fail("`\\\(command)` needs a braced argument `{…}`") }
            position += 1
            let inner = try sum()
            try expect("}", closing: opening)
            return inner
        }

        /// Whether an argument follows: a parenthesis, `\left`, or a brace group.
        var startsArgument: Bool {
            current == .symbol("(") || current == .command("left") || current == .symbol("{")
                || current == .symbol("[")
        }

        /// Sums separated by commas, up to the closing bracket.
        mutating func argumentList() throws(MathExpressionError) -> [MathExpression] {
            var arguments = [try sum()]
            while current == .symbol(",") {
                position += 1
                arguments.append(try sum())
            }
            return arguments
        }

        /// `function` applied to what follows: a parenthesised argument list, else the next factor (`\log x`).
        mutating func application(_ function: String, written: String, column: Int) throws(MathExpressionError)
            -> MathExpression
        {
            if current == .symbol("^") {
                // `\sigma^2(z)` would be read as its own square; nothing is guessed.
                throw fail("`\(written)^…` is ambiguous (a power of the value or of the function); use parentheses")
            }
            var arguments: [MathExpression] = []
            switch current {
            case .symbol("("), .symbol("["):
                let opening = self.column
                let closing: Character = current == .symbol("(") ? ")" : "]"
                position += 1
                arguments = try argumentList()
                try expect(closing, closing: opening)
            case .command("left"):
                // `\left( a, b \right)`: an argument list, as `\max\left(a, b\right)` is written back.
                let opening = self.column ?? column
                position += 1
                guard current == .symbol("(") else { throw fail("`\\left` must open `(` here") }
                position += 1
                arguments = try argumentList()
                guard current == .command("right") else {
                    throw fail("`\\left` at column \(opening) is not closed by `\\right`")
                }
                position += 1
                try expect(")", closing: opening)
            case .symbol("{"):
                arguments.append(try braced(after: written))
            case nil:
                throw fail("`\(written)` needs an argument", at: column)
            default:
                arguments.append(try postfix())
            }
            // The evaluator's own arity: what reads is what evaluates, and what is written back reads again.
            if let arity = MathEvaluator.functions.first(where: { $0.name == function })?.arity,
                !arity.contains(arguments.count)
            {
                let wanted = arity.count == 1 ? "\(arity.lowerBound)" : "\(arity.lowerBound) or \(arity.upperBound)"
                throw fail("`\(written)` takes \(wanted) argument\(wanted == "1" ? "" : "s")", at: column)
            }
            return .call(function, arguments, column: column)
        }

        /// A name: a declared variable, `I`, or `e` (Euler's number) when it is no variable.
        func variable(_ name: String, column: Int) throws(MathExpressionError) -> MathExpression {
            if variables.contains(name) || name == "I" || anyName { return .name(name, column: column) }
            throw fail(
                "`\(name)` is not one of the part's variables (\(variables.joined(separator: ", ")))", at: column)
        }

        /// A run of letters: a function before its argument, one declared variable, or variables side by side.
        mutating func letters() throws(MathExpressionError) -> MathExpression {
            var run: [(Character, Int)] = []
            while case .letter(let letter) = current, let column = self.column,
                run.isEmpty || column == run.last!.1 + 1
            {
                run.append((letter, column))
                position += 1
            }
            let word = String(run.map(\.0))
            let column = run[0].1
            if let function = LaTeXReader.functionNames[word], !variables.contains(word), startsArgument {
                return try application(function, written: word, column: column)
            }
            if word == "e", !variables.contains("e"), !anyName, current == .symbol("^") {
                position += 1
                let exponent = current == .symbol("{") ? try braced(after: "e^") : try primary()
                return .call("exp", [exponent], column: column)
            }
            let readings = splits(word)
            let names = variables.joined(separator: ", ")
            guard let first = readings.first else {
                throw fail("`\(word)` is not one of the part's variables (\(names)), nor a product of them", at: column)
            }
            if readings.count > 1 {
                let both = readings.prefix(2).map { "`\($0.joined(separator: " "))`" }.joined(separator: " or ")
                throw fail("`\(word)` reads as \(both): separate the factors with `\\cdot`", at: column)
            }
            var offset = 0
            var result: MathExpression?
            for name in first {
                let factor = MathExpression.name(name, column: column + offset)
                result = result.map { .binary(.multiply, $0, factor, column: column + offset) } ?? factor
                offset += name.count
            }
            return result!
        }

        /// The ways `word` splits into the part's names (a declared name that is the whole word is its only reading).
        func splits(_ word: String) -> [[String]] {
            if anyName { return [word.map(String.init)] }
            let names = variables + (variables.contains("I") ? [] : ["I"])
            if names.contains(word) { return [[word]] }
            let letters = Array(word)
            guard letters.count <= 64 else { return [] }
            // Readings of each suffix, at most two kept: one to use, a second to report an ambiguity.
            var readings = [[[String]]](repeating: [], count: letters.count + 1)
            readings[letters.count] = [[]]
            for start in stride(from: letters.count - 1, through: 0, by: -1) {
                for name in names where name.count <= letters.count - start {
                    guard String(letters[start..<start + name.count]) == name else { continue }
                    for rest in readings[start + name.count] where readings[start].count < 2 {
                        readings[start].append([name] + rest)
                    }
                }
            }
            return readings[0]
        }
    }
}
