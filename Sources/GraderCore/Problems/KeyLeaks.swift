/// Finds texts a student sees that state a part's answer key: a formula key written in a statement, a prompt, a
/// hint, a mistake's feedback or an example, as the instructor would write it in prose (`2 X^T`, `X^T (s - y)`).
///
/// Which texts count: what the student kit shows before any grading (statements, prompts, examples, and the hints
/// and feedback of snippet parts and practice parts, which the kit keeps) must state no part's key; a part's own
/// hint and mistake feedback, shown only once that part is graded wrong, must state no other part's key.
///
/// Formulas in prose are the longest runs of up to `longestFormula` words that parse with adjacent operands
/// multiplied (`2 X^T` is `2*X^T`) and trailing punctuation dropped, use only formula parts' variables and the
/// functions, and are more than a lone name or number (so `2 X^T w` is one formula, not `2 X^T` followed by `w`).
/// A run states a part's key when it uses only that part's variables and equals the key at its trial points.
/// Index notation (`sum_i (f_i - y_i) x_i`) is not read.
enum KeyLeaks {
    /// The most words a formula in prose spans.
    static let longestFormula = 12

    /// One text a student may see, with where it is and which part it belongs to.
    struct Text {
        let text: String
        let line: Int
        /// The part whose hint or feedback this is, shown only once that part is graded wrong; `nil` for a text
        /// the student kit shows to everyone.
        let shownAfterGrading: String?
    }

    /// A warning for each text that states a formula part's key.
    static func find(in problems: ProblemSet) -> [Diagnostic] {
        let formulas = problems.problems.flatMap { problem in
            problem.parts.compactMap { part in
                (part.kind as? FormulaKind).map { (problem: problem, part: part, kind: $0) }
            }
        }
        guard formulas.contains(where: { $0.kind.spec.answer != nil }) else { return [] }
        let names = Set(
            formulas.flatMap { $0.kind.spec.variables.map(\.name) } + ["I"] + MathEvaluator.functions.map(\.name))
        var found: [Diagnostic] = []
        for problem in problems.problems {
            for text in texts(of: problem) {
                let written = Self.formulas(in: text.text, names: names)
                for formula in formulas where formula.kind.spec.answer != nil {
                    let qualified = "\(formula.problem.id).\(formula.part.id)"
                    if text.shownAfterGrading == qualified { continue }
                    guard let written = written.first(where: formula.kind.isAnswer) else { continue }
                    let shown =
                        text.shownAfterGrading == nil
                        ? "the student kit shows it to everyone"
                        : "a student sees it once `\(text.shownAfterGrading!)` is graded"
                    found.append(
                        Diagnostic(
                            .warning, file: problem.definitionPath, line: text.line,
                            "this text states `\(written)`, the answer of `\(qualified)`; \(shown)"))
                }
            }
        }
        return found
    }

    /// The texts of `problem` a student may see.
    static func texts(of problem: Problem) -> [Text] {
        var texts = [Text(text: problem.statement, line: 1, shownAfterGrading: nil)]
        for part in problem.parts {
            let kept = part.isSnippet || part.immediateFeedback
            let owner = kept ? nil : "\(problem.id).\(part.id)"
            texts.append(Text(text: part.prompt, line: part.line, shownAfterGrading: nil))
            if let example = part.kind.example(of: part) {
                texts.append(Text(text: example.flowText, line: part.line, shownAfterGrading: nil))
            }
            if let hint = part.hint { texts.append(Text(text: hint, line: part.line, shownAfterGrading: owner)) }
            for mistake in part.mistakes {
                texts.append(Text(text: mistake.feedback, line: mistake.line, shownAfterGrading: owner))
            }
        }
        return texts
    }

    /// The formulas written in `text`: the longest runs of words that parse as a formula in `names` (every
    /// formula part's variables, `I` and the functions) and are more than a lone name or number.
    static func formulas(in text: String, names: Set<String>) -> [String] {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0 == "`" || $0 == "\"" }).map(String.init)
        var found: [String] = []
        var start = 0
        while start < words.count {
            var longest: (end: Int, text: String)?
            for end in start..<min(words.count, start + longestFormula) {
                let candidate = joined(words[start...end])
                guard candidate.contains(where: { "+-*/^'(".contains($0) }),
                    let expression = try? MathExpression(parsing: candidate),
                    !expression.names.isEmpty, expression.names.allSatisfy(names.contains)
                else { continue }
                longest = (end, candidate)
            }
            if let longest {
                found.append(longest.text)
                start = longest.end + 1
            } else {
                start += 1
            }
        }
        return found
    }

    /// Words joined into one formula: a `*` between two operands, trailing punctuation dropped.
    static func joined(_ words: ArraySlice<String>) -> String {
        var result = ""
        for word in words {
            if let last = result.last, let first = word.first,
                last.isLetter || last.isNumber || last == ")" || last == "'" || last == "_",
                first.isLetter || first.isNumber || first == "("
            {
                result += "*"
            } else if !result.isEmpty {
                result += " "
            }
            result += word
        }
        while let last = result.last, ".,;:".contains(last) { result.removeLast() }
        return result
    }
}
