import Foundation

/// A problem definition that cannot be used: every error found, each with the file and line to fix.
public struct ProblemDefinitionError: Error, CustomStringConvertible, Sendable {
    public let diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// One error about `file` as a whole.
    init(file: String, _ message: String) { diagnostics = [Diagnostic(.error, file: file, message)] }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
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
            throw ProblemDefinitionError(file: directory, "no problems folder here (pass --problems DIR)")
        }
        var title = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        var order: [String]?
        var declaredPoints: (value: Double, line: Int)?
        var role = ProblemSet.Role.instructor
        var latePolicy: LatePolicy?
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
                        throw fields.error(
                            "`kit: \(kit)` is neither `student` nor `autograder` (`grader assign` writes it)",
                            line: fields.line(of: "kit"))
                    }
                    role = named
                }
                latePolicy = try LatePolicy.read(&fields)
                try fields.rejectUnknownKeys()
            }
        }
        let present = try fileManager.contentsOfDirectory(atPath: directory).sorted().filter { name in
            var isFolder: ObjCBool = false
            let path = (directory as NSString).appendingPathComponent(name)
            return !name.hasPrefix(".") && fileManager.fileExists(atPath: path, isDirectory: &isFolder)
                && isFolder.boolValue
                && fileManager.fileExists(atPath: (path as NSString).appendingPathComponent("problem.yaml"))
        }
        let folders = order ?? present
        var problems: [Problem] = []
        var errors = Diagnostics()
        for folder in folders {
            do {
                problems.append(
                    try loadProblem(
                        folder: (directory as NSString).appendingPathComponent(folder), id: folder, role: role))
            } catch let error as YAMLReadError {
                errors.append(error.diagnostic)
            } catch let error as ProblemDefinitionError {
                errors.append(contentsOf: error.diagnostics)
            }
        }
        if problems.isEmpty && !errors.hasErrors {
            errors.error("no problem folders (each needs a problem.yaml)", file: directory)
        }
        guard !errors.hasErrors else { throw ProblemDefinitionError(diagnostics: errors.all) }
        var set = ProblemSet(title: title, directory: directory, problems: problems)
        set.declaredPoints = declaredPoints
        set.unlisted = present.filter { !folders.contains($0) }
        set.role = role
        set.latePolicy = latePolicy
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
                throw ProblemDefinitionError(
                    file: path, "missing; an autograder folder needs the secret `grader assign` wrote")
            }
            return nil
        }
        if role == .student {
            throw ProblemDefinitionError(
                file: path,
                """
                a student kit must not hold the secret; remove it and share only what `grader assign` wrote into \
                student/
                """
            )
        }
        let text = try readText(path).trimmingWhitespace()
        guard text.count >= 32, text.count <= 256, text.allSatisfy(\.isHexDigit) else {
            throw ProblemDefinitionError(file: path, "the secret must be 32 to 256 hex digits on one line")
        }
        return text.lowercased()
    }

    static func readText(_ path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maxDefinitionBytes {
            throw ProblemDefinitionError(file: path, "\(size) bytes is too large for a definition file")
        }
        guard let data = FileBytes.read(path) else {
            throw ProblemDefinitionError(file: path, "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProblemDefinitionError(file: path, "is not UTF-8 text")
        }
        return text
    }

    /// Loads one problem folder.
    public static func loadProblem(folder: String, id: String, role: ProblemSet.Role = .instructor) throws -> Problem {
        let file = (folder as NSString).appendingPathComponent("problem.yaml")
        let reference = (folder as NSString).appendingPathComponent("reference.swift")
        guard FileManager.default.fileExists(atPath: file) else {
            throw ProblemDefinitionError(file: folder, "missing problem.yaml")
        }
        guard let tree = try YAMLReader.parse(try readText(file), file: file) else {
            throw ProblemDefinitionError(file: file, "the file is empty")
        }
        var fields = try YAMLFields(tree, file: file, what: "a problem definition")
        if let declared = try fields.string("id"), declared != id {
            throw fields.error("`id: \(declared)` does not match its folder name `\(id)`")
        }
        let title = try fields.requireString("title")
        let statement = try fields.string("statement") ?? ""
        let declaredPoints = try fields.double("points").map { ($0, fields.node("points")?.line ?? 0) }
        let limits = try fields.node("limits").map { try readLimits($0, file: file) } ?? LimitOverrides()
        let parameters = try ParameterReader.read(&fields)
        let partsNode = try fields.require("parts")
        try fields.rejectUnknownKeys()
        guard case .sequence(let partNodes, _) = partsNode, !partNodes.isEmpty else {
            throw fields.error("`parts` must be a non-empty list", line: partsNode.line)
        }
        var parts: [Part] = []
        for node in partNodes {
            let part = try PartReader.read(node, file: file, problemID: id, role: role)
            if parts.contains(where: { $0.id == part.id }) {
                throw YAMLReadError(file: file, line: node.line, message: "two parts have the id `\(part.id)`")
            }
            parts.append(part)
        }
        if role == .student {
            if FileManager.default.fileExists(atPath: reference) {
                throw ProblemDefinitionError(file: reference, "a student kit must not hold reference code")
            }
            let trials = (folder as NSString).appendingPathComponent(PublicTrials.fileName)
            if parts.contains(where: \.isSnippet), !FileManager.default.fileExists(atPath: trials) {
                throw ProblemDefinitionError(
                    file: folder, "missing \(PublicTrials.fileName) (the public trials `grader assign` wrote)")
            }
        } else if parts.contains(where: { $0.isSnippet || $0.needsReference }),
            !FileManager.default.fileExists(atPath: reference)
        {
            throw ProblemDefinitionError(
                file: folder, "missing reference.swift (needed by its snippet and expression parts)")
        }
        var problem = Problem(
            id: id, title: title, statement: statement, definitionPath: file, referencePath: reference, parts: parts,
            limits: limits)
        problem.declaredPoints = declaredPoints
        problem.parameters = parameters
        try checkPlaceholders(problem, fields: fields)
        for part in parts
        where part.immediateFeedback && part.expressions.contains(where: { parameters.isUsed(in: $0) }) {
            throw YAMLReadError(
                file: file, line: part.line,
                message:
                    """
                    part `\(part.id)`: a practice part (`immediate-feedback`) cannot have an expression answer in \
                    a problem whose numbers vary per student: the kit would give every student the same key
                    """
            )
        }
        return problem
    }

    /// Every `{{name}}` in the texts of a problem must name one of its parameters.
    static func checkPlaceholders(_ problem: Problem, fields: YAMLFields) throws {
        var texts: [(String, Int)] = [(problem.statement, fields.line(of: "statement"))]
        for part in problem.parts {
            texts.append((part.prompt, part.line))
            if let hint = part.hint { texts.append((hint, part.line)) }
            if part.isSnippet {
                // A snippet's mistakes are matched on random trials, not on the student's numbers.
                for mistake in part.mistakes where !Variants.placeholders(in: mistake.feedback).isEmpty {
                    throw fields.error(
                        """
                        part `\(part.id)`: a function's mistake feedback cannot use `{{...}}`: its trials are not \
                        the student's numbers
                        """,
                        line: mistake.line)
                }
            } else {
                texts += part.mistakes.map { ($0.feedback, $0.line) }
            }
        }
        let names = Set(problem.parameters.parameters.map(\.name))
        for (text, line) in texts {
            for name in Variants.placeholders(in: text) where !names.contains(name) {
                let known =
                    names.isEmpty
                    ? "this problem has no `parameters`" : "parameters: " + names.sorted().joined(separator: ", ")
                throw fields.error(
                    "`{{\(name)}}` names no parameter (\(known); write the name alone between the braces, no spaces)",
                    line: line)
            }
        }
    }

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

}
