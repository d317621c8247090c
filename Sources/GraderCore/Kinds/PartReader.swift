/// Reads one entry of a problem's `parts:`: the keys every part has, then its kind's own keys through the kind
/// `AnswerKinds` registers under its `kind:` name, then its known mistakes.
enum PartReader {
    static func read(_ node: YAMLTree, file: String, problemID: String, role: ProblemSet.Role = .instructor) throws
        -> Part
    {
        var fields = try YAMLFields(node, file: file, what: "a part")
        // Unknown keys first: a misspelt `tolerance` explains the errors that would follow from its absence.
        try fields.rejectUnknownKeys(allowed: AnswerKinds.allKeys, markUsed: false)
        let id = try fields.requireString("id")
        let kindName = KindName(rawValue: try fields.requireString("kind"))
        guard let kindType = AnswerKinds.type(named: kindName) else {
            let known = AnswerKinds.names.map(\.rawValue).joined(separator: ", ")
            throw fields.error("part `\(id)`: unknown kind `\(kindName)` (\(known))", line: fields.line(of: "kind"))
        }
        let points = try fields.double("points") ?? 1
        guard points > 0, points.isFinite else {
            throw fields.error("part `\(id)`: `points` must be a positive number")
        }
        let prompt = try fields.string("prompt") ?? ""
        let hint = try fields.string("hint")
        let tolerance = try readTolerance(&fields)
        let immediate = try fields.bool("immediate-feedback") ?? false
        let answeredInCode = kindType.answeredInCode
        if immediate, answeredInCode {
            throw fields.error(
                "part `\(id)`: `immediate-feedback` is for answer parts; a snippet part always has public trials")
        }
        // In a student kit, an answer part without a key is checked for form now and graded at final grading.
        let withheld =
            role == .student && !answeredInCode && !immediate && fields.node("answer") == nil
            && fields.node("expression") == nil
        var definition = PartDefinition(
            fields: fields, id: id, problemID: problemID, kind: kindName, tolerance: tolerance, withheld: withheld,
            line: node.line, role: role)
        let kind = try kindType.decode(&definition)
        // A kind's own promise, which `isSnippet` relies on: a programming error of the kind's, not the file's.
        precondition(
            (kind.snippet != nil) == answeredInCode,
            "kind \(kindName): `answeredInCode` must say whether `snippet` is set")
        fields = definition.fields
        let mistakes =
            try fields.node("mistakes").map { try readMistakes($0, file: file, kind: kind, partID: id) } ?? []
        try fields.rejectUnknownKeys()
        var part = Part(
            id: id, prompt: prompt, points: points, kind: kind, mistakes: mistakes, hint: hint, line: node.line)
        part.immediateFeedback = immediate
        part.answerWithheld = withheld
        return part
    }

    /// `rtol`, `atol` and `significant-figures`; `nil` when the part gives none.
    static func readTolerance(_ fields: inout YAMLFields) throws -> Tolerance? {
        let rtol = try fields.double("rtol")
        let atol = try fields.double("atol")
        let figures = try fields.int("significant-figures")
        if rtol == nil && atol == nil && figures == nil { return nil }
        for (name, value) in [("rtol", rtol), ("atol", atol)] {
            if let value, !(value >= 0 && value.isFinite && value < 1e6) {
                throw fields.error("`\(name)` must be a number from 0 up to (not including) 1e6, found \(value)")
            }
        }
        if let figures, !(1...17).contains(figures) {
            throw fields.error("`significant-figures` must be between 1 and 17")
        }
        return Tolerance(rtol: rtol ?? 0, atol: atol ?? 0, significantFigures: figures, appliesToIntegers: true)
    }

    /// `mistakes:`, each a `feedback` and what it matches, read by the part's kind.
    static func readMistakes(_ node: YAMLTree, file: String, kind: any AnswerKind, partID: String) throws
        -> [KnownMistake]
    {
        guard case .sequence(let items, _) = node else {
            throw YAMLReadError(file: file, line: node.line, message: "part `\(partID)`: `mistakes` must be a list")
        }
        return try items.map { item in
            var fields = try YAMLFields(item, file: file, what: "a mistake")
            let feedback = try fields.requireString("feedback")
            let match = try kind.readMistake(&fields, partID: partID)
            try fields.rejectUnknownKeys()
            return KnownMistake(match: match, feedback: feedback, line: item.line)
        }
    }
}

extension Part {
    /// The Swift expressions of the part's answer and known mistakes.
    var expressions: [String] { kind.referenceExpressions(of: self).map(\.expression) }

    /// Whether checking this part needs the reference implementation (an expression answer or mistake).
    var needsReference: Bool { !expressions.isEmpty }
}
