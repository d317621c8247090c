import Foundation

/// A problem definition that cannot be used, with the file and line to fix.
public struct ProblemDefinitionError: Error, CustomStringConvertible, Sendable {
    public let messages: [String]
    public var description: String { messages.joined(separator: "\n") }
}

/// Reads a problems folder: `assignment.yaml` (optional) and one `<problem-id>/problem.yaml` + `reference.swift` each.
public enum ProblemLoader {
    /// The largest `problem.yaml` read; definitions are small and this bounds a mistaken path to a huge file.
    static let maxDefinitionBytes = 1 << 20

    /// Loads and validates every problem under `directory`, collecting every error before throwing.
    public static func load(directory: String) throws -> ProblemSet {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProblemDefinitionError(messages: ["\(directory): no problems folder here (pass --problems DIR)"])
        }
        var title = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        var order: [String]?
        var declaredPoints: (value: Double, line: Int)?
        var role = ProblemSet.Role.instructor
        let assignmentPath = (directory as NSString).appendingPathComponent("assignment.yaml")
        if fileManager.fileExists(atPath: assignmentPath) {
            let tree = try YAMLReader.parse(try readText(assignmentPath), file: assignmentPath)
            if let tree {
                var fields = try YAMLFields(tree, file: assignmentPath, what: "assignment.yaml")
                title = try fields.string("title") ?? title
                order = try fields.strings("problems")
                declaredPoints = try fields.double("points").map { ($0, fields.node("points")?.line ?? 0) }
                if let kit = try fields.string("kit") {
                    guard let named = ProblemSet.Role(rawValue: kit), named != .instructor else {
                        throw fields.error("`kit: \(kit)` is neither `student` nor `autograder` (`grader assign` writes it)", line: fields.line(of: "kit"))
                    }
                    role = named
                }
                try fields.rejectUnknownKeys()
            }
        }
        let present = try fileManager.contentsOfDirectory(atPath: directory).sorted().filter { name in
            var isFolder: ObjCBool = false
            let path = (directory as NSString).appendingPathComponent(name)
            return !name.hasPrefix(".") && fileManager.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
                && fileManager.fileExists(atPath: (path as NSString).appendingPathComponent("problem.yaml"))
        }
        let folders = order ?? present
        var problems: [Problem] = []
        var errors: [String] = []
        for folder in folders {
            do {
                problems.append(try loadProblem(folder: (directory as NSString).appendingPathComponent(folder), id: folder, role: role))
            } catch let error as YAMLReadError {
                errors.append(error.description)
            } catch let error as ProblemDefinitionError {
                errors.append(contentsOf: error.messages)
            }
        }
        if problems.isEmpty && errors.isEmpty { errors.append("\(directory): no problem folders (each needs a problem.yaml)") }
        guard errors.isEmpty else { throw ProblemDefinitionError(messages: errors) }
        var set = ProblemSet(title: title, directory: directory, problems: problems)
        set.declaredPoints = declaredPoints
        set.unlisted = present.filter { !folders.contains($0) }
        set.role = role
        set.secret = try readSecret(directory: directory, role: role)
        return set
    }

    /// The name of the file that holds the hidden-trial secret, in an autograder or instructor problems folder.
    public static let secretFileName = "secret"

    /// The secret in `directory`, if there is one: at least 32 hex digits on one line. A student kit must not
    /// hold one, and an autograder folder must.
    static func readSecret(directory: String, role: ProblemSet.Role) throws -> String? {
        let path = (directory as NSString).appendingPathComponent(secretFileName)
        guard FileManager.default.fileExists(atPath: path) else {
            if role == .autograder {
                throw ProblemDefinitionError(messages: ["\(path): missing; an autograder folder needs the secret `grader assign` wrote"])
            }
            return nil
        }
        if role == .student {
            throw ProblemDefinitionError(messages: ["\(path): a student kit must not hold the secret; remove it and share only what `grader assign` wrote into student/"])
        }
        let text = try readText(path).trimmingWhitespace()
        guard text.count >= 32, text.count <= 256, text.allSatisfy(\.isHexDigit) else {
            throw ProblemDefinitionError(messages: ["\(path): the secret must be 32 to 256 hex digits on one line"])
        }
        return text.lowercased()
    }

    static func readText(_ path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maxDefinitionBytes {
            throw ProblemDefinitionError(messages: ["\(path): \(size) bytes is too large for a definition file"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProblemDefinitionError(messages: ["\(path): cannot be read"])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProblemDefinitionError(messages: ["\(path): is not UTF-8 text"])
        }
        return text
    }

    /// Loads one problem folder.
    public static func loadProblem(folder: String, id: String, role: ProblemSet.Role = .instructor) throws -> Problem {
        let file = (folder as NSString).appendingPathComponent("problem.yaml")
        let reference = (folder as NSString).appendingPathComponent("reference.swift")
        guard FileManager.default.fileExists(atPath: file) else {
            throw ProblemDefinitionError(messages: ["\(folder): missing problem.yaml"])
        }
        guard let tree = try YAMLReader.parse(try readText(file), file: file) else {
            throw ProblemDefinitionError(messages: ["\(file): the file is empty"])
        }
        var fields = try YAMLFields(tree, file: file, what: "a problem definition")
        if let declared = try fields.string("id"), declared != id {
            throw fields.error("`id: \(declared)` does not match its folder name `\(id)`")
        }
        let title = try fields.requireString("title")
        let statement = try fields.string("statement") ?? ""
        let declaredPoints = try fields.double("points").map { ($0, fields.node("points")?.line ?? 0) }
        let limits = try fields.node("limits").map { try readLimits($0, file: file) } ?? LimitOverrides()
        let parameters = try readParameters(&fields)
        let partsNode = try fields.require("parts")
        try fields.rejectUnknownKeys()
        guard case .sequence(let partNodes, _) = partsNode, !partNodes.isEmpty else {
            throw fields.error("`parts` must be a non-empty list", line: partsNode.line)
        }
        var parts: [Part] = []
        for node in partNodes {
            let part = try readPart(node, file: file, problemID: id, role: role)
            if parts.contains(where: { $0.id == part.id }) {
                throw YAMLReadError(file: file, line: node.line, message: "two parts have the id `\(part.id)`")
            }
            parts.append(part)
        }
        if role == .student {
            if FileManager.default.fileExists(atPath: reference) {
                throw ProblemDefinitionError(messages: ["\(reference): a student kit must not hold reference code"])
            }
            let trials = (folder as NSString).appendingPathComponent(PublicTrials.fileName)
            if parts.contains(where: \.kind.isSnippet), !FileManager.default.fileExists(atPath: trials) {
                throw ProblemDefinitionError(messages: ["\(folder): missing \(PublicTrials.fileName) (the public trials `grader assign` wrote)"])
            }
        } else if parts.contains(where: { $0.kind.isSnippet || $0.needsReference }), !FileManager.default.fileExists(atPath: reference) {
            throw ProblemDefinitionError(messages: ["\(folder): missing reference.swift (needed by its snippet and expression parts)"])
        }
        var problem = Problem(
            id: id, title: title, statement: statement, definitionPath: file, referencePath: reference, parts: parts, limits: limits)
        problem.declaredPoints = declaredPoints
        problem.parameters = parameters
        try checkPlaceholders(problem, fields: fields)
        for part in parts where part.immediateFeedback && part.expressions.contains(where: { parameters.isUsed(in: $0) }) {
            throw YAMLReadError(file: file, line: part.line, message: "part `\(part.id)`: a practice part (`immediate-feedback`) cannot have an expression answer in a problem whose numbers vary per student: the kit would give every student the same key")
        }
        return problem
    }

    /// Reads `parameters:` (name -> generator) and `constraints:` (conditions every variant meets).
    static func readParameters(_ fields: inout YAMLFields) throws -> ParameterSpace {
        var space = ParameterSpace()
        if let node = fields.node("parameters") {
            guard case .mapping(let entries, _) = node else {
                throw fields.error("`parameters` must map names to generators (`x: {real: [-2, 2], step: 0.5, shape: [2], default: [1, -1]}`)", line: node.line)
            }
            for entry in entries {
                guard isParameterName(entry.key) else {
                    throw fields.error("parameter `\(entry.key)`: a name is letters, digits and `_`, starting with a letter; not `I` or `T` (identity, transpose) and not a Swift keyword or standard type", line: entry.line)
                }
                guard !space.parameters.contains(where: { $0.name == entry.key }) else {
                    throw fields.error("parameter `\(entry.key)` is declared twice", line: entry.line)
                }
                var parameter = try readParameter(entry.value, name: entry.key, file: fields.file, earlier: space.parameters.map(\.name))
                parameter.line = entry.line
                space.parameters.append(parameter)
            }
        }
        if let node = fields.node("constraints") {
            guard case .sequence(let items, _) = node else { throw fields.error("`constraints` must be a list of conditions", line: node.line) }
            for item in items {
                guard case .scalar(let text, _, _) = item else { throw fields.error("a constraint is one condition, such as `min(v) < 0`", line: item.line) }
                let expression: MathExpression
                do { expression = try MathExpression(parsing: text) } catch {
                    throw fields.error("constraint `\(text)`: \(error)", line: item.line)
                }
                for name in expression.names where !space.parameters.contains(where: { $0.name == name }) {
                    throw fields.error("constraint `\(text)`: `\(name)` is not a parameter", line: item.line)
                }
                space.constraints.append(ParameterConstraint(text: text, expression: expression, line: item.line))
            }
            if space.isEmpty, !items.isEmpty { throw fields.error("`constraints` without `parameters` constrain nothing", line: node.line) }
        }
        if !space.isEmpty {
            do { _ = try space.defaults() } catch { throw fields.error("the parameters' default values: \(error)", line: fields.line(of: "parameters")) }
        }
        return space
    }

    /// Names a parameter may not take: `I` and `T` mean the identity and the transpose in math expressions, and
    /// each parameter becomes a Swift constant of its name.
    static let reservedNames: Set<String> = [
        "I", "T", "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "deinit", "do",
        "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func", "guard", "if", "import", "in", "init",
        "inout", "internal", "is", "let", "nil", "open", "operator", "private", "protocol", "public", "repeat", "rethrows",
        "return", "self", "Self", "static", "struct", "subscript", "super", "switch", "throw", "throws", "true", "try",
        "typealias", "var", "where", "while", "Any", "Int", "Double", "Bool", "String", "Array", "Swift", "some", "any",
    ]

    static func isParameterName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter, first.isASCII, !reservedNames.contains(name), !name.hasPrefix("__") else { return false }
        return name.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    static func readParameter(_ node: YAMLTree, name: String, file: String, earlier: [String]) throws -> ProblemParameter {
        var fields = try YAMLFields(node, file: file, what: "parameter `\(name)`")
        let what = "parameter `\(name)`"
        if let text = try fields.string("value") {
            let expression: MathExpression
            do { expression = try MathExpression(parsing: text) } catch { throw fields.error("\(what): `value` \(error)") }
            for used in expression.names where !earlier.contains(used) {
                throw fields.error("\(what): `value` uses `\(used)`, which is not a parameter declared before it")
            }
            let typeName = try fields.string("type") ?? "real"
            guard typeName == "integer" || typeName == "real" else { throw fields.error("\(what): `type` is `integer` or `real`") }
            try fields.rejectUnknownKeys()
            return ProblemParameter(
                name: name, type: typeName == "integer" ? .int : .double,
                source: .derived(expression, integer: typeName == "integer"), shape: [], nonzero: false, defaultValue: nil)
        }
        var shape: [Int] = []
        if let shapeNode = fields.node("shape") {
            guard case .sequence(let items, _) = shapeNode, (1...2).contains(items.count),
                case let sizes = items.compactMap({ YAMLScalars.double($0).flatMap { Int(exactly: $0) } }), sizes.count == items.count,
                sizes.allSatisfy({ (1...64).contains($0) })
            else { throw fields.error("\(what): `shape` is [n] for a vector or [rows, columns] for a matrix, sizes 1 to 64", line: shapeNode.line) }
            shape = sizes
        }
        func range(_ key: String) throws -> ClosedRange<Double>? {
            guard let rangeNode = fields.node(key) else { return nil }
            guard let range = realRange(rangeNode) else {
                throw fields.error("\(what): `\(key)` must be [low, high] with finite low <= high", line: rangeNode.line)
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
            guard integers.lowerBound == integers.lowerBound.rounded(), integers.upperBound == integers.upperBound.rounded(),
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
            throw fields.error("\(what) needs a generator: `choices: [...]`, `integer: [low, high]`, `real: [low, high]` (with `step`), or `value: <expression>`")
        }
        let nonzero = try fields.bool("nonzero") ?? false
        if nonzero, case .choices(let options) = source, options.allSatisfy({ $0.number == 0 }) {
            throw fields.error("\(what): `nonzero` leaves no choice")
        }
        if nonzero, case .integers(let range) = source, range.lowerBound == 0, range.upperBound == 0 {
            throw fields.error("\(what): `nonzero` leaves no value in the range")
        }
        let type = shape.reduce(scalar) { type, _ in .array(type) }
        guard let defaultNode = fields.node("default") else {
            throw fields.error("\(what) needs `default`: the handout's own value, which the student id `reference` gets")
        }
        let defaultValue: SnippetValue
        switch AnswerParser.parse(defaultNode, as: type) {
        case .success(let value): defaultValue = value
        case .failure(let problem): throw fields.error("\(what): `default` \(problem.message)", line: defaultNode.line)
        }
        guard Self.shape(of: defaultValue) == shape else {
            throw fields.error("\(what): `default` must have shape \(shape), found \(Self.shape(of: defaultValue))", line: defaultNode.line)
        }
        try fields.rejectUnknownKeys()
        return ProblemParameter(name: name, type: type, source: source, shape: shape, nonzero: nonzero, defaultValue: defaultValue)
    }

    /// The sizes of the array levels of a value (the first element's, for nested arrays).
    static func shape(of value: SnippetValue) -> [Int] {
        guard case .array(let items) = value else { return [] }
        return [items.count] + (items.first.map(shape(of:)) ?? [])
    }

    /// Every `{{name}}` in the texts of a problem must name one of its parameters.
    static func checkPlaceholders(_ problem: Problem, fields: YAMLFields) throws {
        var texts: [(String, Int)] = [(problem.statement, fields.line(of: "statement"))]
        for part in problem.parts {
            texts.append((part.prompt, part.line))
            if let hint = part.hint { texts.append((hint, part.line)) }
            if part.kind.isSnippet {
                // A snippet's mistakes are matched on random trials, not on the student's numbers.
                for mistake in part.mistakes where !Variants.placeholders(in: mistake.feedback).isEmpty {
                    throw fields.error("part `\(part.id)`: a function's mistake feedback cannot use `{{...}}`: its trials are not the student's numbers", line: mistake.line)
                }
            } else {
                texts += part.mistakes.map { ($0.feedback, $0.line) }
            }
        }
        let names = Set(problem.parameters.parameters.map(\.name))
        for (text, line) in texts {
            for name in Variants.placeholders(in: text) where !names.contains(name) {
                let known = names.isEmpty ? "this problem has no `parameters`" : "parameters: " + names.sorted().joined(separator: ", ")
                throw fields.error("`{{\(name)}}` names no parameter (\(known); write the name alone between the braces, no spaces)", line: line)
            }
        }
    }

    /// Every key a part may have, whatever its kind.
    static let partKeys: Set<String> = [
        "id", "kind", "points", "prompt", "hint", "rtol", "atol", "significant-figures", "answer", "expression", "options",
        "mistakes", "signature", "trials", "dimensions", "inputs", "generator", "seed", "hidden-trials", "immediate-feedback", "shape",
        "variables", "gradient-of", "check", "stability-trials",
    ]

    static func readLimits(_ node: YAMLTree, file: String) throws -> LimitOverrides {
        var fields = try YAMLFields(node, file: file, what: "`limits`")
        var limits = LimitOverrides()
        limits.wallSeconds = try fields.double("wall-seconds")
        limits.cpuSeconds = try fields.int("cpu-seconds")
        limits.memoryMegabytes = try fields.int("memory-mb")
        limits.outputKilobytes = try fields.int("output-kb")
        limits.compileSeconds = try fields.double("compile-seconds")
        try fields.rejectUnknownKeys()
        for (key, value) in limits.valuesByKey {
            if let problem = LimitOverrides.problem(key: key, value: value, name: "`limits.\(key)`") {
                throw fields.error(problem, line: fields.line(of: key))
            }
        }
        return limits
    }

    static func readPart(_ node: YAMLTree, file: String, problemID: String, role: ProblemSet.Role = .instructor) throws -> Part {
        var fields = try YAMLFields(node, file: file, what: "a part")
        // Unknown keys first: a misspelt `tolerance` explains the errors that would follow from its absence.
        try fields.rejectUnknownKeys(allowed: partKeys, markUsed: false)
        let id = try fields.requireString("id")
        let kindName = try fields.requireString("kind")
        let points = try fields.double("points") ?? 1
        guard points > 0, points.isFinite else { throw fields.error("part `\(id)`: `points` must be a positive number") }
        let prompt = try fields.string("prompt") ?? ""
        let hint = try fields.string("hint")
        let tolerance = try readTolerance(&fields)
        let immediate = try fields.bool("immediate-feedback") ?? false
        if immediate, kindName == "snippet" {
            throw fields.error("part `\(id)`: `immediate-feedback` is for answer parts; a snippet part always has public trials")
        }
        // In a student kit, an answer part without a key is checked for form now and graded at final grading.
        let withheld = role == .student && kindName != "snippet" && !immediate && fields.node("answer") == nil
            && fields.node("expression") == nil
        let kind: PartKind
        switch kindName {
        case "integer", "real", "vector", "matrix":
            let expected = withheld ? .withheld : try readExpected(&fields, kind: kindName, partID: id)
            var spec = NumericSpec(expected: expected, tolerance: tolerance ?? .exact)
            if let shapeNode = fields.node("shape") {
                guard case .sequence(let items, _) = shapeNode, items.count == (kindName == "vector" ? 1 : 2),
                    case let sizes = items.compactMap({ YAMLScalars.double($0).flatMap { Int(exactly: $0) } }), sizes.count == items.count,
                    sizes.allSatisfy({ $0 >= 0 })
                else {
                    throw fields.error("part `\(id)`: `shape` must list \(kindName == "vector" ? "one size" : "two sizes (rows, columns)") for a \(kindName) part", line: shapeNode.line)
                }
                spec.shape = sizes
            }
            switch kindName {
            case "integer": kind = .integer(spec)
            case "real":
                guard tolerance != nil else { throw fields.error("part `\(id)`: a real part needs `rtol`, `atol` or `significant-figures`") }
                kind = .real(spec)
            case "vector": kind = .vector(spec)
            default: kind = .matrix(spec)
            }
        case "choice", "multiple-choice":
            guard let options = try fields.strings("options"), options.count >= 2 else {
                throw fields.error("part `\(id)`: `options` must list at least two choices")
            }
            guard Set(options).count == options.count else { throw fields.error("part `\(id)`: `options` repeats a choice") }
            let answerNode = withheld ? YAMLTree.sequence([], line: node.line) : try fields.require("answer")
            let correct: [String]
            switch answerNode {
            case .scalar(let text, _, _): correct = [text]
            case .sequence:
                correct = try fields.strings("answer") ?? []
            default: throw fields.error("part `\(id)`: `answer` must be an option or a list of options", line: answerNode.line)
            }
            for answer in correct where !options.contains(answer) {
                throw fields.error("part `\(id)`: answer `\(answer)` is not one of the options", line: answerNode.line)
            }
            if kindName == "choice" {
                guard correct.count == 1 || withheld else { throw fields.error("part `\(id)`: a choice part has exactly one answer") }
                kind = .choice(ChoiceSpec(options: options, correct: correct))
            } else {
                kind = .multipleChoice(ChoiceSpec(options: options, correct: correct))
            }
        case "formula":
            kind = .formula(try readFormula(&fields, partID: id, problemID: problemID, tolerance: tolerance, withheld: withheld))
        case "snippet":
            kind = .snippet(try readSnippet(&fields, partID: id, problemID: problemID, tolerance: tolerance))
        default:
            throw fields.error(
                "part `\(id)`: unknown kind `\(kindName)` (integer, real, vector, matrix, choice, multiple-choice, formula, snippet)")
        }
        let mistakes = try fields.node("mistakes").map { try readMistakes($0, file: file, kind: kind, partID: id) } ?? []
        try fields.rejectUnknownKeys()
        var part = Part(id: id, prompt: prompt, points: points, kind: kind, mistakes: mistakes, hint: hint, line: node.line)
        part.immediateFeedback = immediate
        part.answerWithheld = withheld
        return part
    }

    static func readTolerance(_ fields: inout YAMLFields) throws -> Tolerance? {
        let rtol = try fields.double("rtol")
        let atol = try fields.double("atol")
        let figures = try fields.int("significant-figures")
        if rtol == nil && atol == nil && figures == nil { return nil }
        for (name, value) in [("rtol", rtol), ("atol", atol)] {
            if let value, !(value >= 0 && value.isFinite && value < 1e6) {
                throw fields.error("`\(name)` must be a finite number at least 0, found \(value)")
            }
        }
        if let figures, !(1...17).contains(figures) { throw fields.error("`significant-figures` must be between 1 and 17") }
        return Tolerance(rtol: rtol ?? 0, atol: atol ?? 0, significantFigures: figures, appliesToIntegers: true)
    }

    static func readExpected(_ fields: inout YAMLFields, kind: String, partID: String) throws -> ExpectedValue {
        let answer = fields.node("answer")
        let expression = try fields.string("expression")
        switch (answer, expression) {
        case (nil, let expression?): return .expression(expression)
        case (let answer?, nil):
            let type: SwiftType = ["integer": .int, "real": .double, "vector": .array(.double)][kind] ?? .array(.array(.double))
            switch AnswerParser.parse(answer, as: type) {
            case .success(let value): return .literal(value)
            case .failure(let problem): throw fields.error("part `\(partID)`: `answer` \(problem.message)", line: answer.line)
            }
        case (_?, _?): throw fields.error("part `\(partID)`: give either `answer` or `expression`, not both")
        case (nil, nil): throw fields.error("part `\(partID)`: needs `answer` (a value) or `expression` (Swift, evaluated with reference.swift)")
        }
    }

    static func readMistakes(_ node: YAMLTree, file: String, kind: PartKind, partID: String) throws -> [KnownMistake] {
        guard case .sequence(let items, _) = node else {
            throw YAMLReadError(file: file, line: node.line, message: "part `\(partID)`: `mistakes` must be a list")
        }
        return try items.map { item in
            var fields = try YAMLFields(item, file: file, what: "a mistake")
            let feedback = try fields.requireString("feedback")
            let match: KnownMistake.Match
            if case .snippet = kind {
                if try fields.bool("non-finite") == true {
                    match = .nonFinite
                } else {
                    guard let function = try fields.string("implementation") else {
                        throw fields.error("part `\(partID)`: a function's mistake needs `implementation: <function in reference.swift>` or `non-finite: true`")
                    }
                    match = .implementation(function)
                }
            } else if case .formula(let spec) = kind {
                let text = try fields.requireString("formula")
                do { _ = try FormulaParsing.formula(text, variables: spec.variables) } catch {
                    throw fields.error("part `\(partID)`: mistake `\(text)`: \(error)", line: item.line)
                }
                match = .formula(text)
            } else if case .choice = kind {
                throw fields.error("part `\(partID)`: choice parts explain mistakes per option; use `hint`")
            } else if case .multipleChoice = kind {
                throw fields.error("part `\(partID)`: choice parts explain mistakes per option; use `hint`")
            } else {
                match = .value(try readExpected(&fields, kind: kind.name, partID: partID))
            }
            try fields.rejectUnknownKeys()
            return KnownMistake(match: match, feedback: feedback, line: item.line)
        }
    }

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
        guard (1...1000).contains(trials) else { throw fields.error("part `\(partID)`: `trials` must be between 1 and 1000") }
        let dimensions = try readDimensions(&fields)
        let generator = try fields.string("generator")
        var inputs: [String: InputSpec] = [:]
        if let node = fields.node("inputs") {
            guard case .mapping(let entries, _) = node else { throw fields.error("`inputs` must map parameter names to specs", line: node.line) }
            for entry in entries {
                guard let parameter = signature.parameters.first(where: { $0.name == entry.key }) else {
                    throw fields.error("`inputs` names `\(entry.key)`, which is not a parameter of \(signature.name)", line: entry.line)
                }
                inputs[entry.key] = try readInput(entry.value, file: fields.file, parameter: parameter, dimensions: dimensions, generated: generator != nil)
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
        let seed = try fields.int("seed").map { UInt64(bitPattern: Int64($0)) } ?? defaultSeed(problemID, partID)
        // As many hidden trials as public ones by default: final grading sees twice the inputs a student has seen.
        let hiddenTrials = try fields.int("hidden-trials") ?? trials
        guard (0...1000).contains(hiddenTrials) else { throw fields.error("part `\(partID)`: `hidden-trials` must be between 0 and 1000") }
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
            guard isParameterName(check) else { throw fields.error("part `\(partID)`: `check` names a function of reference.swift, found `\(check)`") }
            spec.propertyCheck = check
        }
        if spec.gradientOf != nil, spec.propertyCheck != nil {
            throw fields.error("part `\(partID)`: give `gradient-of` or `check`, not both")
        }
        return spec
    }

    /// The size names of `dimensions:`, each with its inclusive range.
    static func readDimensions(_ fields: inout YAMLFields) throws -> [(name: String, range: ClosedRange<Int>)] {
        var dimensions: [(name: String, range: ClosedRange<Int>)] = []
        if let node = fields.node("dimensions") {
            guard case .mapping(let entries, _) = node else { throw fields.error("`dimensions` must map names to [low, high]", line: node.line) }
            for entry in entries {
                guard let range = intRange(entry.value), range.lowerBound >= 0 else {
                    throw fields.error("dimension `\(entry.key)` must be [low, high] with 0 <= low <= high", line: entry.line)
                }
                dimensions.append((entry.key, range))
            }
        }
        return dimensions
    }

    /// `stability-trials:`, a list of inputs written out, each mapping every parameter to its value.
    static func readExplicitTrials(_ node: YAMLTree, fields: YAMLFields, signature: FunctionSignature, partID: String) throws -> [[SnippetValue]] {
        guard case .sequence(let items, _) = node, !items.isEmpty, items.count <= 100 else {
            throw fields.error("part `\(partID)`: `stability-trials` must list 1 to 100 inputs, each mapping parameter names to values", line: node.line)
        }
        return try items.map { item in
            var trial = try YAMLFields(item, file: fields.file, what: "a stability trial")
            let values = try signature.parameters.map { parameter -> SnippetValue in
                guard let valueNode = trial.node(parameter.name) else {
                    throw trial.error("part `\(partID)`: a stability trial gives no `\(parameter.name)`", line: item.line)
                }
                switch AnswerParser.parse(valueNode, as: parameter.type) {
                case .success(let value): return value
                case .failure(let problem): throw trial.error("part `\(partID)`: stability trial `\(parameter.name)` \(problem.message)", line: valueNode.line)
                }
            }
            try trial.rejectUnknownKeys()
            return values
        }
    }

    /// `gradient-of: {function: f, with-respect-to: [a, b]}`: the named arguments must be parameters whose types are
    /// the snippet's returned gradients, in order (a tuple of them, or the one gradient).
    static func readGradientCheck(_ node: YAMLTree, file: String, signature: FunctionSignature, partID: String) throws -> GradientCheck {
        var fields = try YAMLFields(node, file: file, what: "`gradient-of`")
        let function = try fields.requireString("function")
        guard isParameterName(function) else { throw fields.error("part `\(partID)`: `gradient-of.function` must be a function name, found `\(function)`") }
        guard let arguments = try fields.strings("with-respect-to"), !arguments.isEmpty else {
            throw fields.error("part `\(partID)`: `gradient-of.with-respect-to` lists the parameters the gradient is taken with respect to")
        }
        var check = GradientCheck(function: function, arguments: arguments)
        if let step = try fields.double("step") {
            guard step > 0, step <= 1e-2 else { throw fields.error("part `\(partID)`: `gradient-of.step` must be in (0, 0.01]") }
            check.relativeStep = step
        }
        try fields.rejectUnknownKeys()
        let returned: [SwiftType]
        if case .tuple(let elements) = signature.returnType { returned = elements.map(\.type) } else { returned = [signature.returnType] }
        guard returned.count == arguments.count else {
            throw fields.error("part `\(partID)`: `with-respect-to` names \(arguments.count) parameter\(arguments.count == 1 ? "" : "s") but \(signature.name) returns \(returned.count) value\(returned.count == 1 ? "" : "s")")
        }
        for (argument, type) in zip(arguments, returned) {
            guard let parameter = signature.parameters.first(where: { $0.name == argument }) else {
                throw fields.error("part `\(partID)`: `with-respect-to` names `\(argument)`, which is not a parameter of \(signature.name)")
            }
            guard parameter.type == type, GradientCheck.isDifferentiable(type) else {
                throw fields.error("part `\(partID)`: the gradient with respect to `\(argument)` (\(parameter.type)) must have its shape, but \(signature.name) returns \(type) in its place")
            }
        }
        return check
    }

    /// Reads a formula part: `variables` with shapes, `dimensions`, `answer` (a formula), `trials`.
    static func readFormula(_ fields: inout YAMLFields, partID: String, problemID: String, tolerance: Tolerance?, withheld: Bool) throws -> FormulaSpec {
        let dimensions = try readDimensions(&fields)
        guard let node = fields.node("variables"), case .mapping(let entries, _) = node, !entries.isEmpty else {
            throw fields.error("part `\(partID)`: a formula part needs `variables`, mapping each name to its shape (`X: {shape: [n, n]}`)")
        }
        let known = Set(dimensions.map(\.name))
        var variables: [FormulaSpec.Variable] = []
        for entry in entries {
            var variable = try YAMLFields(entry.value, file: fields.file, what: "variable `\(entry.key)`")
            guard isParameterName(entry.key), !MathEvaluator.functions.contains(where: { $0.name == entry.key }) else {
                throw fields.error("part `\(partID)`: variable `\(entry.key)` must be a name (letters, digits, `_`), not `I`, `T` or a function", line: entry.line)
            }
            let shapeTexts = try variable.strings("shape") ?? []
            guard shapeTexts.count <= 2 else { throw variable.error("variable `\(entry.key)`: `shape` is [] (scalar), [n] (column vector) or [m, n] (matrix)") }
            let shape = try shapeTexts.map { text -> DimensionExpression in
                let expression = DimensionExpression(text)
                if let factor = expression.unknownFactor(known: known) {
                    throw variable.error("variable `\(entry.key)`: `\(factor)` is neither a number nor one of the part's `dimensions`")
                }
                return expression
            }
            var range = -2.0...2.0
            if let rangeNode = variable.node("range") {
                guard let read = realRange(rangeNode) else {
                    throw variable.error("variable `\(entry.key)`: `range` must be [low, high] with finite low <= high", line: rangeNode.line)
                }
                range = read
            }
            var choices: [Double] = []
            if let choicesNode = variable.node("choices") {
                guard case .sequence(let items, _) = choicesNode, !items.isEmpty,
                    case let numbers = items.compactMap(YAMLScalars.double), numbers.count == items.count, numbers.allSatisfy(\.isFinite)
                else { throw variable.error("variable `\(entry.key)`: `choices` must be a non-empty list of numbers", line: choicesNode.line) }
                choices = numbers
            }
            try variable.rejectUnknownKeys()
            variables.append(FormulaSpec.Variable(name: entry.key, shape: shape, range: range, choices: choices))
        }
        var answer: MathExpression?
        var answerText: String?
        if !withheld {
            let text = try fields.requireString("answer")
            do { answer = try FormulaParsing.formula(text, variables: variables) } catch {
                throw fields.error("part `\(partID)`: `answer` \(error)", line: fields.line(of: "answer"))
            }
            answerText = text
        }
        let trials = try fields.int("trials") ?? 8
        guard (1...100).contains(trials) else { throw fields.error("part `\(partID)`: `trials` must be between 1 and 100") }
        let seed = try fields.int("seed").map { UInt64(bitPattern: Int64($0)) } ?? defaultSeed(problemID, partID)
        return FormulaSpec(variables: variables, dimensions: dimensions, answer: answer, answerText: answerText, trials: trials,
                           tolerance: tolerance ?? FormulaSpec.defaultTolerance, seed: seed)
    }

    static func defaultSeed(_ problemID: String, _ partID: String) -> UInt64 {
        var generator = SeededGenerator(seed: 2026, salt: "\(problemID)/\(partID)")
        return generator.next()
    }

    /// `[low, high]` with finite numbers, low <= high; `nil` for anything else.
    static func realRange(_ node: YAMLTree) -> ClosedRange<Double>? {
        guard case .sequence(let items, _) = node, items.count == 2, let low = YAMLScalars.double(items[0]),
            let high = YAMLScalars.double(items[1]), low.isFinite, high.isFinite, low <= high
        else { return nil }
        return low...high
    }

    static func intRange(_ node: YAMLTree) -> ClosedRange<Int>? {
        guard case .sequence(let items, _) = node, items.count == 2,
            case .scalar(let low, _, _) = items[0], case .scalar(let high, _, _) = items[1],
            let lowValue = Int(low), let highValue = Int(high), lowValue <= highValue
        else { return nil }
        return lowValue...highValue
    }

    static func readInput(
        _ node: YAMLTree, file: String, parameter: FunctionSignature.Parameter, dimensions: [(name: String, range: ClosedRange<Int>)],
        generated: Bool = false
    ) throws -> InputSpec {
        var fields = try YAMLFields(node, file: file, what: "input `\(parameter.name)`")
        let known = Set(dimensions.map(\.name))
        func expression(_ text: String, line: Int) throws -> DimensionExpression {
            let expression = DimensionExpression(text)
            if let factor = expression.unknownFactor(known: known) {
                throw fields.error("input `\(parameter.name)`: `\(factor)` is neither a number nor a dimension", line: line)
            }
            return expression
        }
        var shape: [DimensionExpression] = []
        if let shapeNode = fields.node("shape") {
            guard case .sequence(let items, _) = shapeNode else { throw fields.error("`shape` must be a list", line: shapeNode.line) }
            shape = try items.map { item in
                guard case .scalar(let text, _, _) = item else { throw fields.error("`shape` entries are names or numbers", line: item.line) }
                return try expression(text, line: item.line)
            }
        }
        // A named generator draws the shapes itself; its inputs give ranges and choices only.
        guard shape.count == parameter.type.rank || (generated && shape.isEmpty) else {
            throw fields.error(
                "input `\(parameter.name)` is \(parameter.type) and needs a `shape` with \(parameter.type.rank) entries, found \(shape.count)")
        }
        var range = 0.0...1.0
        if let rangeNode = fields.node("range") {
            guard let read = realRange(rangeNode) else { throw fields.error("`range` must be [low, high] with finite low <= high", line: rangeNode.line) }
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
                throw fields.error("input `\(parameter.name)`: `choices` must be a non-empty list of \(scalar) values", line: choicesNode.line)
            }
            choices = try items.map { item in
                switch AnswerParser.parse(item, as: scalar) {
                case .success(let value): return value
                case .failure(let problem): throw fields.error("input `\(parameter.name)`: a choice \(problem.message)", line: item.line)
                }
            }
        }
        let below = try fields.string("below").map { try expression($0, line: fields.line) }
        if below != nil, scalar != .int { throw fields.error("input `\(parameter.name)`: `below` is for integers (a label below a dimension)") }
        if scalar == .string, choices.isEmpty {
            throw fields.error("input `\(parameter.name)` is text and needs `choices` (for example `choices: [linear, relu, tanh]`)")
        }
        try fields.rejectUnknownKeys()
        var input = InputSpec(shape: shape, range: range, value: value, probability: probability)
        input.choices = choices
        input.below = below
        return input
    }
}

extension Part {
    /// The Swift expressions of the part's answer and known mistakes.
    var expressions: [String] {
        var texts: [String] = []
        switch kind {
        case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec):
            if case .expression(let text) = spec.expected { texts.append(text) }
        default: break
        }
        for mistake in mistakes { if case .value(.expression(let text)) = mistake.match { texts.append(text) } }
        return texts
    }

    /// Whether checking this part needs the reference implementation (an expression answer or mistake).
    var needsReference: Bool {
        let numeric: NumericSpec?
        switch kind {
        case .integer(let spec), .real(let spec), .vector(let spec), .matrix(let spec): numeric = spec
        default: numeric = nil
        }
        if case .expression = numeric?.expected { return true }
        if answerWithheld { return false }
        return mistakes.contains { mistake in
            if case .value(.expression) = mistake.match { return true }
            return false
        }
    }
}
