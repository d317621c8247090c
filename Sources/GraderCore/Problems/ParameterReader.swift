/// Reads a problem's `parameters:` and `constraints:`: the numbers that differ per student.
enum ParameterReader {
    /// Reads `parameters:` (name -> generator) and `constraints:` (conditions every variant meets).
    static func read(_ fields: inout YAMLFields) throws -> ParameterSpace {
        var space = ParameterSpace()
        if let node = fields.node("parameters") {
            guard case .mapping(let entries, _) = node else {
                throw fields.error(
                    """
                    `parameters` must map names to generators (`x: {real: [-2, 2], step: 0.5, shape: [2], \
                    default: [1, -1]}`)
                    """,
                    line: node.line)
            }
            for entry in entries {
                guard DefinitionReading.isName(entry.key) else {
                    throw fields.error(
                        """
                        parameter `\(entry.key)`: a name is letters, digits and `_`, starting with a letter; not \
                        `I` or `T` (identity, transpose) and not a Swift keyword or standard type
                        """,
                        line: entry.line)
                }
                guard !space.parameters.contains(where: { $0.name == entry.key }) else {
                    throw fields.error("parameter `\(entry.key)` is declared twice", line: entry.line)
                }
                var parameter = try readParameter(
                    entry.value, name: entry.key, file: fields.file, earlier: space.parameters.map(\.name))
                parameter.line = entry.line
                space.parameters.append(parameter)
            }
        }
        if let node = fields.node("constraints") {
            guard case .sequence(let items, _) = node else {
                throw fields.error("`constraints` must be a list of conditions", line: node.line)
            }
            for item in items {
                guard case .scalar(let text, _, _) = item else {
                    throw fields.error("a constraint is one condition, such as `min(v) < 0`", line: item.line)
                }
                let expression: MathExpression
                do { expression = try MathExpression(parsing: text) } catch {
                    throw fields.error("constraint `\(text)`: \(error)", line: item.line)
                }
                for name in expression.names where !space.parameters.contains(where: { $0.name == name }) {
                    throw fields.error("constraint `\(text)`: `\(name)` is not a parameter", line: item.line)
                }
                space.constraints.append(ParameterConstraint(text: text, expression: expression, line: item.line))
            }
            if space.isEmpty, !items.isEmpty {
                throw fields.error("`constraints` without `parameters` constrain nothing", line: node.line)
            }
        }
        if !space.isEmpty {
            do { _ = try space.defaults() } catch {
                throw fields.error("the parameters' default values: \(error)", line: fields.line(of: "parameters"))
            }
        }
        return space
    }

    static func readParameter(_ node: YAMLTree, name: String, file: String, earlier: [String]) throws
        -> ProblemParameter
    {
        var fields = try YAMLFields(node, file: file, what: "parameter `\(name)`")
        let what = "parameter `\(name)`"
        if let text = try fields.string("value") {
            let expression: MathExpression
            do { expression = try MathExpression(parsing: text) } catch {
                throw fields.error("\(what): `value` \(error)")
            }
            for used in expression.names where !earlier.contains(used) {
                throw fields.error("\(what): `value` uses `\(used)`, which is not a parameter declared before it")
            }
            let typeName = try fields.string("type") ?? "real"
            guard typeName == "integer" || typeName == "real" else {
                throw fields.error("\(what): `type` is `integer` or `real`")
            }
            try fields.rejectUnknownKeys()
            return ProblemParameter(
                name: name, type: typeName == "integer" ? .int : .double,
                source: .derived(expression, integer: typeName == "integer"), shape: [], nonzero: false,
                defaultValue: nil)
        }
        var shape: [Int] = []
        if let shapeNode = fields.node("shape") {
            guard let sizes = DefinitionReading.sizes(shapeNode, count: 1...2, minimum: 1, maximum: 64) else {
                throw fields.error(
                    "\(what): `shape` is [n] for a vector or [rows, columns] for a matrix, sizes 1 to 64",
                    line: shapeNode.line)
            }
            shape = sizes
        }
        let (source, scalar) = try readSource(&fields, what: what)
        let nonzero = try fields.bool("nonzero") ?? false
        if nonzero, case .choices(let options) = source, options.allSatisfy({ $0.number == 0 }) {
            throw fields.error("\(what): `nonzero` leaves no choice")
        }
        if nonzero, case .integers(let range) = source, range.lowerBound == 0, range.upperBound == 0 {
            throw fields.error("\(what): `nonzero` leaves no value in the range")
        }
        let type = shape.reduce(scalar) { type, _ in .array(type) }
        guard let defaultNode = fields.node("default") else {
            throw fields.error(
                "\(what) needs `default`: the handout's own value, which the student id `reference` gets")
        }
        let defaultValue: SnippetValue
        switch AnswerParser.parse(defaultNode, as: type) {
        case .success(let value): defaultValue = value
        case .failure(let problem): throw fields.error("\(what): `default` \(problem.message)", line: defaultNode.line)
        }
        guard Self.shape(of: defaultValue) == shape else {
            throw fields.error(
                "\(what): `default` must have shape \(shape), found \(Self.shape(of: defaultValue))",
                line: defaultNode.line)
        }
        try fields.rejectUnknownKeys()
        return ProblemParameter(
            name: name, type: type, source: source, shape: shape, nonzero: nonzero, defaultValue: defaultValue)
    }

    /// The generator of a drawn parameter: `choices`, `integer: [low, high]` or `real: [low, high]` with `step`;
    /// with the scalar type it draws.
    static func readSource(_ fields: inout YAMLFields, what: String) throws -> (ProblemParameter.Source, SwiftType) {
        func range(_ key: String) throws -> ClosedRange<Double>? {
            guard let rangeNode = fields.node(key) else { return nil }
            guard let range = DefinitionReading.realRange(rangeNode) else {
                throw fields.error(
                    "\(what): `\(key)` must be [low, high] with finite low <= high", line: rangeNode.line)
            }
            return range
        }
        let source: ProblemParameter.Source
        let scalar: SwiftType
        if let choicesNode = fields.node("choices") {
            guard case .sequence(let items, _) = choicesNode, !items.isEmpty else {
                throw fields.error("\(what): `choices` must be a non-empty list of numbers", line: choicesNode.line)
            }
            let numbers = try items.map { item -> Double in
                guard let number = YAMLScalars.double(item), number.isFinite else {
                    throw fields.error("\(what): every choice must be a finite number", line: item.line)
                }
                return number
            }
            let whole = numbers.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
            scalar = whole ? .int : .double
            source = .choices(numbers.map { whole ? .int(Int($0)) : .double($0) })
        } else if let integers = try range("integer") {
            guard integers.lowerBound == integers.lowerBound.rounded(),
                integers.upperBound == integers.upperBound.rounded(),
                abs(integers.lowerBound) < 1e15, abs(integers.upperBound) < 1e15
            else { throw fields.error("\(what): `integer` must be [low, high] with whole numbers") }
            scalar = .int
            source = .integers(Int(integers.lowerBound)...Int(integers.upperBound))
        } else if let reals = try range("real") {
            let step = try fields.double("step") ?? 1.0 / 64
            guard step > 0, step.isFinite, (reals.upperBound - reals.lowerBound) / step <= 1e9 else {
                throw fields.error("\(what): `step` must be positive and leave at most 10^9 values in the range")
            }
            scalar = .double
            source = .reals(reals, step: step)
            if try fields.bool("nonzero") == true, reals.lowerBound == 0, reals.upperBound < step {
                throw fields.error("\(what): `nonzero` leaves no value in the range (its only multiple of `step` is 0)")
            }
        } else {
            throw fields.error(
                """
                \(what) needs a generator: `choices: [...]`, `integer: [low, high]`, `real: [low, high]` (with \
                `step`), or `value: <expression>`
                """
            )
        }
        return (source, scalar)
    }

    /// The sizes of the array levels of a value (the first element's, for nested arrays).
    static func shape(of value: SnippetValue) -> [Int] {
        guard case .array(let items) = value else { return [] }
        return [items.count] + (items.first.map(shape(of:)) ?? [])
    }
}
