/// `kind: snippet`: a function in the problem's Swift file, compiled in the sandbox and run on random trials
/// (`SnippetChecker`), judged against `reference.swift`, central differences (`gradient-of`) or a property
/// (`check`); known mistakes are functions of `reference.swift` or an overflow (`non-finite: true`).
struct SnippetKind: AnswerKind {
    static let names: [KindName] = [.snippet]
    static let keys: Set<String> = [
        "signature", "trials", "dimensions", "inputs", "generator", "seed", "hidden-trials", "gradient-of", "check",
        "stability-trials",
    ]

    static let answeredInCode = true

    let spec: SnippetSpec

    var name: KindName { .snippet }
    var snippet: SnippetSpec? { spec }
    var tolerance: Tolerance? { spec.tolerance }

    static func decode(_ definition: inout PartDefinition) throws -> SnippetKind {
        SnippetKind(
            spec: try readSnippet(
                &definition.fields, partID: definition.id, problemID: definition.problemID,
                tolerance: definition.tolerance))
    }

    func readMistake(_ fields: inout YAMLFields, partID: String) throws -> KnownMistake.Match {
        if try fields.bool("non-finite") == true { return .nonFinite }
        guard let function = try fields.string("implementation") else {
            throw fields.error(
                """
                part `\(partID)`: a function's mistake needs `implementation: <function in reference.swift>` or \
                `non-finite: true`
                """
            )
        }
        return .implementation(function)
    }

    // MARK: What students see

    func form(of part: Part, key: AnswerKey?) -> String { "`\(spec.signature.text)`" }

    func handout(of part: Part, in problem: Problem) -> [String] {
        var lines = ["Implement in `\(problem.snippetFileName)`, with exactly this signature:"]
        lines += ["", "```swift", spec.signature.text, "```", ""]
        if let gradient = spec.gradientOf {
            let arguments = gradient.arguments.map { "`\($0)`" }.joined(separator: " and ")
            lines.append(
                "It is judged against central differences of the loss with respect to \(arguments) (step "
                    + """
                    \(NumberFormatting.compact(gradient.relativeStep)) times max(1, |entry|)), so any correct \
                    derivation 
                    """
                    + "passes; the tolerance is relative to the largest entry of each gradient.")
        }
        if spec.propertyCheck != nil {
            lines.append(
                """
                At final grading it is accepted by a check of what the output must satisfy, not by comparison \
                with one 
                """
                    + "answer; public checks compare with the reference's output.")
        }
        if !spec.stabilityTrials.isEmpty {
            lines.append(
                """
                Public checks include \(spec.stabilityTrials.count) inputs with extreme values, on which the \
                result must 
                """
                    + "stay finite and accurate.")
        }
        let judge = spec.gradientOf != nil ? "central differences" : "the reference"
        let inputs =
            spec.stabilityTrials.isEmpty
            ? "\(spec.trials) random inputs"
            : "\(spec.trials) random and \(spec.stabilityTrials.count) written-out inputs"
        if spec.hiddenTrials > 0 {
            lines.append(
                """
                It must match \(judge) to \(spec.tolerance). Public checks run it on \(inputs), shown with their \
                expected 
                """
                    + "outputs when they fail; final grading adds \(spec.hiddenTrials) hidden inputs, never shown. "
                    + SnippetChecker.rule)
        } else {
            lines.append("It runs on \(inputs) and must match \(judge) to \(spec.tolerance); credit is per input.")
        }
        return lines
    }

    /// Never called: a snippet is graded by compiling and running it (`SnippetChecker`), not from `answers.yaml`.
    func check(problem: String, part: Part, answer: YAMLTree?, key: AnswerKey) -> PartGrade {
        PartGrade(
            problem: problem, part: part, status: .error, score: 0,
            message: "a function is graded from \(problem).swift, not from answers.yaml")
    }

    // MARK: Keys

    /// The function itself, or the function it is the gradient of; the property check; each mistake's function.
    func referenceEntries(of part: Part, bindings: [FunctionSignature.Parameter], reference: String) throws
        -> [HarnessEntry]
    {
        let named = [spec.gradientOf.map { ("gradient-of", $0.function) }, spec.propertyCheck.map { ("check", $0) }]
        for case (let key, let function)? in named
        where SnippetChecker.declarationLine(of: function, in: reference) == nil {
            throw ReferenceEntryMissing(
                detail: "part `\(part.id)`: `\(key)` names `\(function)`, which reference.swift does not define")
        }
        var entries: [HarnessEntry] = []
        if let gradient = spec.gradientOf {
            entries.append(
                HarnessEntry(
                    name: ReferenceRunner.lossEntry(part.id), parameters: spec.signature.parameters,
                    returnType: .double,
                    expression: nil, function: gradient.function))
        } else {
            entries.append(.call(spec.signature))
        }
        if let check = spec.propertyCheck {
            let output = FunctionSignature.Parameter(label: "output", name: "output", type: spec.signature.returnType)
            entries.append(
                HarnessEntry(
                    name: ReferenceRunner.checkEntry(part.id), parameters: spec.signature.parameters + [output],
                    returnType: .string, expression: nil, function: check))
        }
        for mistake in part.mistakes {
            if case .implementation(let function) = mistake.match {
                entries.append(.call(spec.signature, function: function))
            }
        }
        return entries
    }

    /// A function's expected outputs are per trial (`SnippetExpectation`), not one key.
    func answerKeys(
        of part: Part, variants: [ParameterValues],
        evaluate: (_ entry: String, _ type: SwiftType) throws -> [SnippetValue]
    ) throws -> [AnswerKey] {
        []
    }

    /// `grader answers` prints answers.yaml's parts only; a function's key is `reference.swift`.
    func answerKeyText(of part: Part, key: AnswerKey?) -> String? { nil }

    /// An overflow's feedback names no function of the reference and gives no answer away: it stays, so that
    /// public checks explain inf and NaN on the extreme inputs. The other mistakes live on as outputs in the
    /// public trials file.
    func studentDefinition(_ node: YAMLTree, of part: Part, key: AnswerKey?) -> YAMLTree {
        var overflow: [YAMLTree] = []
        if case .sequence(let items, _)? = node["mistakes"] {
            overflow = items.filter { item in
                if case .scalar(let flag, _, _)? = item["non-finite"] { return flag == "true" }
                return false
            }
        }
        return node.updating(
            removing: ["mistakes"], setting: overflow.isEmpty ? [] : [("mistakes", .sequence(overflow, line: 0))])
    }

    // MARK: Validation

    func validate(_ part: Part, in context: KindValidation) -> [Diagnostic] {
        var found: [Diagnostic] = []
        if spec.hiddenTrials == 0, context.gradesFinally {
            found.append(
                context.warning(
                    part.line,
                    """
                    part `\(part.id)`: `hidden-trials: 0`, so final grades rest on the public trials alone, whose \
                    expected outputs the student kit holds: a table of them earns full marks
                    """
                ))
        }
        guard let expectation = context.reference.snippets[part.id] else { return found }
        let hiddenDrawn = expectation.trials.count - expectation.publicCount
        if context.gradesFinally, hiddenDrawn < spec.hiddenTrials {
            found.append(
                context.warning(
                    part.line,
                    """
                    part `\(part.id)`: only \(hiddenDrawn) of \(spec.hiddenTrials) hidden trials could be drawn \
                    unlike every public trial: the inputs' space is nearly exhausted, so the public trials' \
                    outputs are nearly the whole answer
                    """
                ))
        }
        for (trial, value) in expectation.expected.enumerated() {
            if let problem = ProblemValidator.nonFinite(value) {
                found.append(
                    context.error(
                        part.line,
                        """
                        part `\(part.id)`: the reference returns \(problem) on trial \(trial + 1); no student \
                        output can match it
                        """
                    ))
                break
            }
        }
        found += validateJudge(part, expectation: expectation, in: context)
        found += validateMistakes(part, expectation: expectation, in: context)
        return found
    }

    /// The property check accepts the reference's outputs and rejects degenerate ones; the tolerance is not loose.
    private func validateJudge(_ part: Part, expectation: SnippetExpectation, in context: KindValidation)
        -> [Diagnostic]
    {
        var found: [Diagnostic] = []
        let session = context.session
        let problem = context.problem
        if let check = spec.propertyCheck, context.gradesFinally {
            do {
                let messages = try ReferenceRunner(session: session, problem: problem)
                    .propertyCheck(part, trials: expectation.trials, outputs: expectation.expected)
                if let trial = messages.firstIndex(where: { $0 != "" }) {
                    found.append(
                        context.error(
                            part.line,
                            """
                            part `\(part.id)`: the check `\(check)` rejects the reference's own output on trial \
                            \(trial + 1): \(messages[trial] ?? "no message")
                            """
                        ))
                }
                if let accepted = try ProblemValidator.degenerateAccepted(
                    by: part, expectation: expectation, session: session, problem: problem)
                {
                    found.append(
                        context.error(
                            part.line,
                            """
                            part `\(part.id)`: the check `\(check)` accepts \(accepted); it must treat non-finite \
                            or overflowing intermediates (a norm, a tolerance) as a failure
                            """
                        ))
                }
            } catch {
                found.append(
                    context.error(part.line, "part `\(part.id)`: the check `\(check)` could not run: \(error)"))
            }
        }
        if spec.gradientOf != nil,
            let accepted = try? ProblemValidator.degenerateAccepted(
                by: part, expectation: expectation, session: session, problem: problem)
        {
            found.append(context.error(part.line, "part `\(part.id)`: its tolerance accepts \(accepted)"))
        }
        let type = spec.signature.returnType
        for (trial, expected) in expectation.expected.enumerated() {
            guard let looseness = ProblemValidator.looseness(expected: expected, tolerance: spec.tolerance) else {
                continue
            }
            found.append(
                context.error(
                    part.line,
                    """
                    part `\(part.id)`: \(spec.tolerance) \(looseness) on trial \(trial + 1) (expected \
                    \(expected.literal(as: type)))
                    """
                ))
            break
        }
        return found
    }

    /// Every known mistake fails some trial.
    private func validateMistakes(_ part: Part, expectation: SnippetExpectation, in context: KindValidation)
        -> [Diagnostic]
    {
        let implementations = part.mistakes.compactMap { mistake -> (KnownMistake, String)? in
            if case .implementation(let function) = mistake.match { return (mistake, function) }
            return nil
        }
        return zip(implementations, expectation.mistakes).compactMap { known, outputs in
            let caught = zip(expectation.expected, outputs.outputs).contains { expected, got in
                guard let got else { return true }
                return !ValueComparison.matches(expected: expected, got: got, tolerance: spec.tolerance)
            }
            guard !caught else { return nil }
            return context.error(
                known.0.line,
                """
                part `\(part.id)`: the mistake `\(known.1)` gives the reference's outputs on all \
                \(ProblemValidator.trialCount(expectation)); the trials never exercise it or the tolerance \
                accepts it
                """
            )
        }
    }
}

/// A function a snippet part names (`gradient-of`, `check`) that `reference.swift` does not define.
struct ReferenceEntryMissing: Error {
    let detail: String
}
