/// Reading a snippet part's keys: the signature, the trials and how their inputs are drawn, written-out trials,
/// a gradient check and a property check.
extension SnippetKind {
    static func readSnippet(_ fields: inout YAMLFields, partID: String, problemID: String, tolerance: Tolerance?) throws
        -> SnippetSpec
    {
        let signatureText = try fields.requireString("signature")
        let signature: FunctionSignature
        do { signature = try FunctionSignature(parsing: signatureText) } catch let error as SignatureParseError {
            throw fields.error("part `\(partID)`: \(error)")
        }
        guard signature.name == partID else {
            throw fields.error("part `\(partID)`: a snippet part's id must be its function's name, `\(signature.name)`")
        }
        let trials = try fields.int("trials") ?? 10
        guard (1...1000).contains(trials) else {
            throw fields.error("part `\(partID)`: `trials` must be between 1 and 1000")
        }
        let dimensions = try DefinitionReading.dimensions(&fields)
        let generator = try fields.string("generator")
        var inputs: [String: InputSpec] = [:]
        if let node = fields.node("inputs") {
            guard case .mapping(let entries, _) = node else {
                throw fields.error("`inputs` must map parameter names to specs", line: node.line)
            }
            for entry in entries {
                guard let parameter = signature.parameters.first(where: { $0.name == entry.key }) else {
                    throw fields.error(
                        "`inputs` names `\(entry.key)`, which is not a parameter of \(signature.name)", line: entry.line
                    )
                }
                inputs[entry.key] = try readInput(
                    entry.value, file: fields.file, parameter: parameter, dimensions: dimensions,
                    generated: generator != nil)
            }
        }
        if let generator {
            guard InputGenerators.named[generator] != nil else {
                let known = InputGenerators.named.keys.sorted().joined(separator: ", ")
                throw fields.error("part `\(partID)`: unknown generator `\(generator)` (known: \(known))")
            }
        } else {
            for parameter in signature.parameters where inputs[parameter.name] == nil {
                throw fields.error("part `\(partID)`: `inputs` says nothing about parameter `\(parameter.name)`")
            }
        }
        let seed = try DefinitionReading.seed(&fields, problemID: problemID, partID: partID)
        // As many hidden trials as public ones by default: final grading sees twice the inputs a student has seen.
        let hiddenTrials = try fields.int("hidden-trials") ?? trials
        guard (0...1000).contains(hiddenTrials) else {
            throw fields.error("part `\(partID)`: `hidden-trials` must be between 0 and 1000")
        }
        var spec = SnippetSpec(
            signature: signature, trials: trials, tolerance: tolerance ?? Tolerance(rtol: 1e-9, atol: 1e-12),
            dimensions: dimensions, inputs: inputs, generator: generator, seed: seed)
        spec.hiddenTrials = hiddenTrials
        if let node = fields.node("stability-trials") {
            spec.stabilityTrials = try readExplicitTrials(node, fields: fields, signature: signature, partID: partID)
        }
        if let node = fields.node("gradient-of") {
            spec.gradientOf = try readGradientCheck(node, file: fields.file, signature: signature, partID: partID)
        }
        if let check = try fields.string("check") {
            guard DefinitionReading.isName(check) else {
                throw fields.error("part `\(partID)`: `check` names a function of reference.swift, found `\(check)`")
            }
            spec.propertyCheck = check
        }
        if spec.gradientOf != nil, spec.propertyCheck != nil {
            throw fields.error("part `\(partID)`: give `gradient-of` or `check`, not both")
        }
        return spec
    }

    /// `stability-trials:`, a list of inputs written out, each mapping every parameter to its value.
    static func readExplicitTrials(_ node: YAMLTree, fields: YAMLFields, signature: FunctionSignature, partID: String)
        throws -> [[SnippetValue]]
    {
        guard case .sequence(let items, _) = node, !items.isEmpty, items.count <= 100 else {
            throw fields.error(
                """
                part `\(partID)`: `stability-trials` must list 1 to 100 inputs, each mapping parameter names to \
                values
                """,
                line: node.line)
        }
        return try items.map { item in
            var trial = try YAMLFields(item, file: fields.file, what: "a stability trial")
            let values = try signature.parameters.map { parameter -> SnippetValue in
                guard let valueNode = trial.node(parameter.name) else {
                    throw trial.error(
                        "part `\(partID)`: a stability trial gives no `\(parameter.name)`", line: item.line)
                }
                // A function's input may be a list of layers of different sizes: rows of any lengths.
                switch AnswerParser.parse(valueNode, as: parameter.type, rectangular: false) {
                case .success(let value): return value
                case .failure(let problem):
                    throw trial.error(
                        "part `\(partID)`: stability trial `\(parameter.name)` \(problem.message)", line: valueNode.line
                    )
                }
            }
            try trial.rejectUnknownKeys()
            return values
        }
    }

    /// `gradient-of: {function: f, with-respect-to: [a, b]}`: the named arguments must be parameters whose types are
    /// the snippet's returned gradients, in order (a tuple of them, or the one gradient).
    static func readGradientCheck(_ node: YAMLTree, file: String, signature: FunctionSignature, partID: String) throws
        -> GradientCheck
    {
        var fields = try YAMLFields(node, file: file, what: "`gradient-of`")
        let function = try fields.requireString("function")
        guard DefinitionReading.isName(function) else {
            throw fields.error("part `\(partID)`: `gradient-of.function` must be a function name, found `\(function)`")
        }
        guard let arguments = try fields.strings("with-respect-to"), !arguments.isEmpty else {
            throw fields.error(
                """
                part `\(partID)`: `gradient-of.with-respect-to` lists the parameters the gradient is taken with \
                respect to
                """
            )
        }
        var check = GradientCheck(function: function, arguments: arguments)
        if let step = try fields.double("step") {
            guard step > 0, step <= 1e-2 else {
                throw fields.error("part `\(partID)`: `gradient-of.step` must be in (0, 0.01]")
            }
            check.relativeStep = step
        }
        try fields.rejectUnknownKeys()
        let returned: [SwiftType]
        if case .tuple(let elements) = signature.returnType {
            returned = elements.map(\.type)
        } else {
            returned = [signature.returnType]
        }
        guard returned.count == arguments.count else {
            throw fields.error(
                """
                part `\(partID)`: `with-respect-to` names \(arguments.count) \
                parameter\(arguments.count == 1 ? "" : "s") but \(signature.name) returns \(returned.count) \
                value\(returned.count == 1 ? "" : "s")
                """
            )
        }
        for (argument, type) in zip(arguments, returned) {
            guard let parameter = signature.parameters.first(where: { $0.name == argument }) else {
                throw fields.error(
                    """
                    part `\(partID)`: `with-respect-to` names `\(argument)`, which is not a parameter of \
                    \(signature.name)
                    """
                )
            }
            guard parameter.type == type, GradientCheck.isDifferentiable(type) else {
                throw fields.error(
                    """
                    part `\(partID)`: the gradient with respect to `\(argument)` (\(parameter.type)) must have \
                    its shape, but \(signature.name) returns \(type) in its place
                    """
                )
            }
        }
        return check
    }

    static func readInput(
        _ node: YAMLTree, file: String, parameter: FunctionSignature.Parameter,
        dimensions: [(name: String, range: ClosedRange<Int>)],
        generated: Bool = false
    ) throws -> InputSpec {
        var fields = try YAMLFields(node, file: file, what: "input `\(parameter.name)`")
        let known = Set(dimensions.map(\.name))
        func expression(_ text: String, line: Int) throws -> DimensionExpression {
            let expression = DimensionExpression(text)
            if let factor = expression.unknownFactor(known: known) {
                throw fields.error(
                    "input `\(parameter.name)`: `\(factor)` is neither a number nor a dimension", line: line)
            }
            return expression
        }
        var shape: [DimensionExpression] = []
        if let shapeNode = fields.node("shape") {
            guard case .sequence(let items, _) = shapeNode else {
                throw fields.error("`shape` must be a list", line: shapeNode.line)
            }
            shape = try items.map { item in
                guard case .scalar(let text, _, _) = item else {
                    throw fields.error("`shape` entries are names or numbers", line: item.line)
                }
                return try expression(text, line: item.line)
            }
        }
        // A named generator draws the shapes itself; its inputs give ranges and choices only.
        guard shape.count == parameter.type.rank || (generated && shape.isEmpty) else {
            throw fields.error(
                """
                input `\(parameter.name)` is \(parameter.type) and needs a `shape` with \(parameter.type.rank) \
                entries, found \(shape.count)
                """
            )
        }
        var range = 0.0...1.0
        if let rangeNode = fields.node("range") {
            guard let read = DefinitionReading.realRange(rangeNode) else {
                throw fields.error("`range` must be [low, high] with finite low <= high", line: rangeNode.line)
            }
            range = read
        }
        let value = try fields.string("value").map { try expression($0, line: fields.line) }
        let probability = try fields.double("probability") ?? 0.5
        guard (0...1).contains(probability) else { throw fields.error("`probability` must be between 0 and 1") }
        var scalar = parameter.type
        while case .array(let element) = scalar { scalar = element }
        var choices: [SnippetValue] = []
        if let choicesNode = fields.node("choices") {
            guard case .sequence(let items, _) = choicesNode, !items.isEmpty, !scalar.isTuple else {
                throw fields.error(
                    "input `\(parameter.name)`: `choices` must be a non-empty list of \(scalar) values",
                    line: choicesNode.line)
            }
            choices = try items.map { item in
                switch AnswerParser.parse(item, as: scalar) {
                case .success(let value): return value
                case .failure(let problem):
                    throw fields.error("input `\(parameter.name)`: a choice \(problem.message)", line: item.line)
                }
            }
        }
        let below = try fields.string("below").map { try expression($0, line: fields.line) }
        if below != nil, scalar != .int {
            throw fields.error("input `\(parameter.name)`: `below` is for integers (a label below a dimension)")
        }
        if scalar == .string, choices.isEmpty {
            throw fields.error(
                "input `\(parameter.name)` is text and needs `choices` (for example `choices: [linear, relu, tanh]`)")
        }
        try fields.rejectUnknownKeys()
        var input = InputSpec(shape: shape, range: range, value: value, probability: probability)
        input.choices = choices
        input.below = below
        return input
    }
}
