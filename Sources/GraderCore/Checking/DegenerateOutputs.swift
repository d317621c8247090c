/// Outputs no correct function returns, shaped like a right one: what a student who knows nothing could hand in to a
/// check or a tolerance that grows with the output, to see whether overflow lets it through.
///
/// Every check (`check:`) and every comparison must reject each of them; `grader validate` and the tests try them
/// all on every trial of every property-checked and gradient-checked part.
enum DegenerateOutputs {
    /// The numbers put in every entry: overflow to infinity on squaring, underflow to zero, and not numbers at all.
    static let fills: [(name: String, value: Double)] = [
        ("1e200", 1e200), ("-1e200", -1e200), ("1e-300", 1e-300), ("nan", .nan), ("inf", .infinity),
        ("-inf", -.infinity),
    ]

    /// Degenerate outputs like `expected`, each with words for it: every number replaced by each of `fills`, every
    /// array emptied, and the first array one entry short and one entry long.
    static func all(like expected: SnippetValue) -> [(description: String, value: SnippetValue)] {
        var outputs = fills.map { fill in
            ("\(fill.name) in every entry", replacingNumbers(in: expected, with: fill.value))
        }
        outputs.append(("every array empty", emptied(expected)))
        if let shorter = resized(expected, by: -1) { outputs.append(("the first array one entry short", shorter)) }
        if let longer = resized(expected, by: 1) { outputs.append(("the first array one entry long", longer)) }
        return outputs
    }

    /// `value` with every Double replaced by `number` (integers, Booleans and strings stay).
    static func replacingNumbers(in value: SnippetValue, with number: Double) -> SnippetValue {
        switch value {
        case .double: return .double(number)
        case .int, .bool, .string: return value
        case .array(let items): return .array(items.map { replacingNumbers(in: $0, with: number) })
        case .tuple(let items): return .tuple(items.map { replacingNumbers(in: $0, with: number) })
        }
    }

    /// `value` with every outermost array empty.
    static func emptied(_ value: SnippetValue) -> SnippetValue {
        switch value {
        case .array: return .array([])
        case .tuple(let items): return .tuple(items.map(emptied))
        default: return value
        }
    }

    /// `value` with its first non-empty array (depth first) shortened or lengthened by one entry; `nil` without one.
    static func resized(_ value: SnippetValue, by change: Int) -> SnippetValue? {
        switch value {
        case .array(let items) where !items.isEmpty:
            return .array(change < 0 ? Array(items.dropLast()) : items + [items[items.count - 1]])
        case .tuple(let items):
            for (index, item) in items.enumerated() {
                if let resizedItem = resized(item, by: change) {
                    var copy = items
                    copy[index] = resizedItem
                    return .tuple(copy)
                }
            }
            return nil
        default: return nil
        }
    }
}
