/// Why an answer in `answers.yaml` could not be read as the kind the part expects.
public struct AnswerProblem: Error, Sendable, Equatable {
    /// Completes "the answer ..." (for example "must be a whole number, found `abc`").
    public let message: String
}

/// Turns the YAML of one answer into a value of the part's type, saying exactly what is wrong when it does not fit.
public enum AnswerParser {
    /// Reads `node` as `type` (`Int`, `Double`, `[Double]` or `[[Double]]`).
    ///
    /// `rectangular`: arrays of arrays are matrices, whose rows have one length (answers); without it, lists of
    /// rows of any lengths (a network's bias vectors, its layers' weight matrices) are read as written.
    public static func parse(_ node: YAMLTree, as type: SwiftType, rectangular: Bool = true)
        -> Result<SnippetValue, AnswerProblem>
    {
        do { return .success(try value(node, type, path: "", rectangular: rectangular)) } catch let problem
            as AnswerProblem
        {
            return .failure(problem)
        } catch {
            return .failure(AnswerProblem(message: "\(error)"))
        }
    }

    private static func value(_ node: YAMLTree, _ type: SwiftType, path: String, rectangular: Bool = true) throws
        -> SnippetValue
    {
        let place = path.isEmpty ? "" : " at \(path)"
        switch type {
        case .int, .uint64:
            guard case .scalar(let raw, _, _) = node, !node.isNull else {
                throw AnswerProblem(message: "must be a whole number\(place), found \(node.kindDescription)")
            }
            let text = raw.trimmingWhitespace().filter { $0 != "_" }
            if let value = Int(text) { return .int(value) }
            if let value = YAMLScalars.double(node) {
                if !value.isFinite {
                    throw AnswerProblem(message: "must be a finite whole number\(place), found `\(raw)`")
                }
                if value == value.rounded(), abs(value) < 9.0e15 { return .int(Int(value)) }
                if value == value.rounded() {
                    throw AnswerProblem(message: "\(raw) is too large for a whole number\(place)")
                }
                throw AnswerProblem(message: "must be a whole number\(place), found `\(raw)`")
            }
            if text.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }) && text.contains(where: \.isNumber) {
                throw AnswerProblem(message: "\(raw) is too large for a whole number\(place)")
            }
            throw AnswerProblem(message: "must be a whole number\(place), found \(node.kindDescription)")
        case .double:
            guard let value = YAMLScalars.double(node) else {
                throw AnswerProblem(message: "must be a number\(place), found \(node.kindDescription)")
            }
            return .double(value)
        case .bool:
            guard case .scalar(let text, _, _) = node, ["true", "false"].contains(text.lowercased()) else {
                throw AnswerProblem(message: "must be true or false\(place), found \(node.kindDescription)")
            }
            return .bool(text.lowercased() == "true")
        case .string:
            guard case .scalar(let text, _, _) = node, !node.isNull else {
                throw AnswerProblem(message: "must be text\(place), found \(node.kindDescription)")
            }
            return .string(text)
        case .array(let element):
            guard case .sequence(let items, _) = node else {
                let noun = element.rank > 0 ? "a list of rows" : "a list"
                throw AnswerProblem(
                    message: "must be \(noun) like \(example(type)), found \(node.kindDescription)\(place)")
            }
            var values: [SnippetValue] = []
            if case .array = element,
                let index = items.firstIndex(where: { if case .sequence = $0 { return false } else { return true } })
            {
                throw AnswerProblem(
                    message:
                        """
                        must be a list of rows like \(example(type)), but row \(path)[\(index)] is \
                        \(items[index].kindDescription)
                        """
                )
            }
            for (index, item) in items.enumerated() {
                values.append(try value(item, element, path: path + "[\(index)]", rectangular: rectangular))
            }
            if rectangular, case .array = element {
                let lengths = values.map { value -> Int in
                    if case .array(let row) = value { return row.count }
                    return 0
                }
                if let first = lengths.first, let bad = lengths.firstIndex(where: { $0 != first }) {
                    throw AnswerProblem(
                        message:
                            "is ragged: row \(path)[0] has \(first) entries but row \(path)[\(bad)] has \(lengths[bad])"
                    )
                }
            }
            return .array(values)
        case .tuple:
            throw AnswerProblem(message: "cannot be given in answers.yaml")
        }
    }

    private static func example(_ type: SwiftType) -> String {
        type.rank >= 2 ? "[[1.0, 2.0], [3.0, 4.0]]" : "[1.0, 2.0]"
    }
}
