/// Draws the random arguments of one snippet trial.
public enum InputGenerators {
    /// Generators for arguments whose shapes depend on each other, referenced by name from `problem.yaml`.
    public static let named: [String: @Sendable (SnippetSpec, inout SeededGenerator, [String: Int]) -> [SnippetValue]] =
        [
            "residual-network": residualNetwork,
            "mlp": multilayerPerceptron,
        ]

    /// The arguments of every public trial of a snippet part, drawn from the part's seed (the same on every run).
    public static func trials(for spec: SnippetSpec) -> [[SnippetValue]] {
        var random = SeededGenerator(seed: spec.seed)
        return (0..<spec.trials).map { _ in trial(spec, &random) } + spec.stabilityTrials
    }

    /// The arguments of the hidden trials of part `part` of problem `problem`: drawn from `secret` (or, without
    /// one, from a built-in seed fit for practice only), and never equal to a public trial, so that final grading
    /// runs inputs no student has seen. Fewer than `spec.hiddenTrials` only when the inputs' space is nearly
    /// exhausted by the public trials.
    public static func hiddenTrials(for spec: SnippetSpec, problem: String, part: String, secret: String?)
        -> [[SnippetValue]]
    {
        guard spec.hiddenTrials > 0 else { return [] }
        var lines = Set(trials(for: spec).map(WireFormat.line))
        var drawn: [[SnippetValue]] = []
        for attempt in 0..<(spec.hiddenTrials * 20) where drawn.count < spec.hiddenTrials {
            // Each draw from its own SHA-256 of the secret: one hidden input, even if code leaks it, says nothing
            // about the generator's state, and so nothing about the other hidden inputs.
            var hasher = SHA256Hasher()
            hasher.update(field: secret ?? "grader: no secret, practice hidden trials")
            hasher.update(field: "hidden/\(problem)/\(part)/\(attempt)")
            var random = SeededGenerator(seed: hasher.leadingUInt64())
            let candidate = trial(spec, &random)
            if lines.insert(WireFormat.line(candidate)).inserted { drawn.append(candidate) }
        }
        return drawn
    }

    /// The arguments of one trial, drawn from `random`.
    static func trial(_ spec: SnippetSpec, _ random: inout SeededGenerator) -> [SnippetValue] {
        if let experiment = spec.experiment {
            // An experiment's trial is its seeds: the data set's, then one per run (`ExperimentSpec.seeds`).
            return (0...experiment.referenceRuns).map { _ in .int(Int(random.next() >> 1)) }
        }
        var dimensions: [String: Int] = [:]
        // In the order problem.yaml declares them; every value drawn through SeededGenerator's own mapping.
        for dimension in spec.dimensions { dimensions[dimension.name] = random.int(in: dimension.range) }
        if let name = spec.generator, let generator = named[name] {
            return generator(spec, &random, dimensions)
        }
        return spec.signature.parameters.map { parameter in
            draw(
                parameter.type, spec.inputs[parameter.name]!, shape: ArraySlice(spec.inputs[parameter.name]!.shape),
                dimensions: dimensions, random: &random)
        }
    }

    static func draw(
        _ type: SwiftType, _ input: InputSpec, shape: ArraySlice<DimensionExpression>, dimensions: [String: Int],
        random: inout SeededGenerator
    ) -> SnippetValue {
        if !input.choices.isEmpty, type.rank == 0, !type.isTuple {
            let choice = input.choices[random.int(in: 0...(input.choices.count - 1))]
            if type == .double, case .int(let whole) = choice { return .double(Double(whole)) }
            return choice
        }
        switch type {
        case .int:
            if let value = input.value?.evaluate(dimensions) { return .int(value) }
            if let below = input.below?.evaluate(dimensions) { return .int(random.int(in: 0...max(0, below - 1))) }
            let low = Int(input.range.lowerBound.rounded(.up))
            let high = max(low, Int(input.range.upperBound.rounded(.down)))
            return .int(random.int(in: low...high))
        case .uint64:
            return .int(Int(random.next() >> 1))
        case .double:
            return .double(roundedDraw(in: input.range, random: &random))
        case .bool:
            return .bool(random.unitInterval() < input.probability)
        case .string:
            return .string("")
        case .array(let element):
            let count = shape.first?.evaluate(dimensions) ?? 0
            return .array(
                (0..<count).map { _ in
                    draw(element, input, shape: shape.dropFirst(), dimensions: dimensions, random: &random)
                })
        case .tuple(let elements):
            return .tuple(elements.map { draw($0.type, input, shape: shape, dimensions: dimensions, random: &random) })
        }
    }

    /// A uniform draw rounded to 1/64, so that inputs print short in feedback and exactly in binary.
    static func roundedDraw(in range: ClosedRange<Double>, random: inout SeededGenerator) -> Double {
        let value = random.double(in: range)
        let rounded = (value * 64).rounded() / 64
        return min(max(rounded, range.lowerBound), range.upperBound)
    }

    /// A multilayer perceptron of DESIGN section 4b: `weights` and `biases` of `layers` layers (`weights[l]` maps
    /// layer l's outputs to layer l+1's, rows = outputs), `width` units in each hidden layer, an input `x` of
    /// `inputWidth` and a `target` of `outputWidth`. Every number is drawn at full precision from the range of
    /// `inputs.weights` (default [-1, 1]), not rounded, so that no pre-activation sits exactly on relu's kink, where
    /// central differences would be meaningless. Other parameters (the activation) are drawn from their `inputs`.
    /// With a `batch` dimension, `x` is a batch of that many scalar inputs instead (for networks of input width 1,
    /// as `mlpPredict` and `sgdStep` of the training assignment take them).
    static func multilayerPerceptron(_ spec: SnippetSpec, _ random: inout SeededGenerator, _ dimensions: [String: Int])
        -> [SnippetValue]
    {
        let layers = max(1, dimensions["layers"] ?? 2)
        let width = max(1, dimensions["width"] ?? 3)
        let inputWidth = max(1, dimensions["inputWidth"] ?? 2)
        let outputWidth = max(1, dimensions["outputWidth"] ?? 1)
        let range = spec.inputs["weights"]?.range ?? -1.0...1.0
        func vector(_ count: Int) -> SnippetValue { .array((0..<count).map { _ in .double(random.double(in: range)) }) }
        let sizes = [inputWidth] + Array(repeating: width, count: layers - 1) + [outputWidth]
        var weights: [SnippetValue] = []
        var biases: [SnippetValue] = []
        for layer in 0..<layers {
            weights.append(.array((0..<sizes[layer + 1]).map { _ in vector(sizes[layer]) }))
            biases.append(vector(sizes[layer + 1]))
        }
        return spec.signature.parameters.map { parameter in
            switch parameter.name {
            case "weights": return .array(weights)
            case "biases": return .array(biases)
            case "x": return vector(dimensions["batch"] ?? inputWidth)
            case "target": return vector(outputWidth)
            default:
                let input =
                    spec.inputs[parameter.name] ?? InputSpec(shape: [], range: range, value: nil, probability: 0.5)
                return draw(
                    parameter.type, input, shape: ArraySlice(input.shape), dimensions: dimensions, random: &random)
            }
        }
    }

    /// A residual network of DESIGN section 4: `x` of width `inputWidth`, layer 1 maps it to `width`, `depth - 2`
    /// residual layers of `width`, and a last layer to one output. Dimensions: `depth`, `width`, `inputWidth`.
    static func residualNetwork(_ spec: SnippetSpec, _ random: inout SeededGenerator, _ dimensions: [String: Int])
        -> [SnippetValue]
    {
        let depth = max(2, dimensions["depth"] ?? 3)
        let width = max(1, dimensions["width"] ?? 2)
        let inputWidth = max(1, dimensions["inputWidth"] ?? width)
        // The first parameter's range, in signature order (never a dictionary's order, which changes per process).
        let range = spec.signature.parameters.lazy.compactMap { spec.inputs[$0.name]?.range }.first ?? -1.0...1.0
        func matrix(_ rows: Int, _ columns: Int) -> SnippetValue {
            .array(
                (0..<rows).map { _ in
                    .array((0..<columns).map { _ in .double(roundedDraw(in: range, random: &random)) })
                })
        }
        func vector(_ count: Int) -> SnippetValue {
            .array((0..<count).map { _ in .double(roundedDraw(in: range, random: &random)) })
        }
        var weights: [SnippetValue] = [matrix(width, inputWidth)]
        var biases: [SnippetValue] = [vector(width)]
        for _ in 0..<(depth - 2) {
            weights.append(matrix(width, width))
            biases.append(vector(width))
        }
        weights.append(matrix(1, width))
        biases.append(vector(1))
        return [.array(weights), .array(biases), vector(inputWidth)]
    }
}
