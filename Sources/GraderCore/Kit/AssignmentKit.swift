import Foundation
import ZIPFoundation

/// `grader assign`: from the instructor's problems, the three folders of an assignment (DESIGN section 4c).
///
/// - `student/`: a problems folder for students: handout, signatures, answer kinds, public trials with their
///   expected outputs. No reference code, no answer key (unless a part opts in to immediate feedback), no mistake
///   expression, no secret.
/// - `autograder/`: the full problems and the secret that seeds the hidden trials, for final grading.
/// - `gradescope/autograder.zip`: the autograder folder, the grader's source, `setup.sh` and `run_autograder`.
public struct AssignmentKit {
    /// What `write` produced.
    public struct Written: Sendable {
        public var student: String
        public var autograder: String
        public var gradescopeZip: String?
        /// Whether the secret of an earlier kit (or of the problems folder) was kept, so hidden trials did not change.
        public var keptSecret: Bool
        public var publicTrials = 0
        public var hiddenTrials = 0
        /// Answer parts graded at final grading, and those whose key the kit holds (immediate feedback).
        public var withheldParts = 0
        public var immediateParts = 0
    }

    public let session: GradingSession
    /// The grader's package (its `Package.swift` and `Sources/`), zipped for Gradescope; `nil` writes no zip.
    public var graderSource: String?

    public init(session: GradingSession, graderSource: String?) {
        self.session = session
        self.graderSource = graderSource
    }

    /// The package this grader was built from, when it is still where it was built.
    public static func defaultGraderSource() -> String? {
        var url = URL(fileURLWithPath: #filePath)  // <package>/Sources/GraderCore/Kit/AssignmentKit.swift
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) ? url.path : nil
    }

    /// Writes the kit into `folder`, replacing an earlier kit only when `force` is set.
    ///
    /// The kit is built in a temporary folder beside `folder` and moved into place at the end, so a failure leaves
    /// an earlier kit as it was. The secret of an earlier kit is kept: rebuilding after a typo fix keeps the
    /// hidden trials of grades already given.
    public func write(to folder: String, force: Bool) throws -> Written {
        let problems = session.problems
        guard problems.role != .student else {
            throw GraderError.usage(
                "\(problems.directory) is a student kit; `grader assign` needs the instructor's problems folder")
        }
        let fileManager = FileManager.default
        let existing = (try? fileManager.contentsOfDirectory(atPath: folder)) ?? []
        if !existing.isEmpty && !force {
            throw GraderError.usage(
                """
                \(folder) already exists; pass --force to rebuild the kit (its secret, and so its hidden trials, \
                are kept)
                """
            )
        }
        var earlierSecret: String?
        if fileManager.fileExists(atPath: folder + "/autograder/" + ProblemLoader.secretFileName) {
            do {
                earlierSecret = try ProblemLoader.readSecret(directory: folder + "/autograder", role: .autograder)
            } catch let error as ProblemDefinitionError {
                // A new secret would silently change the hidden trials of grades already given.
                throw GraderError.usage("the earlier kit's secret cannot be kept: \(error); fix or remove it")
            }
        }
        let secret = earlierSecret ?? problems.secret ?? Self.newSecret()
        let staging = "\(folder).assign-\(getpid())"
        try? fileManager.removeItem(atPath: staging)
        defer { try? fileManager.removeItem(atPath: staging) }
        var written = Written(
            student: folder + "/student", autograder: folder + "/autograder", gradescopeZip: nil,
            keptSecret: earlierSecret != nil || problems.secret != nil)
        let assignment = try assignmentTree()

        try writeStudentKit(to: "\(staging)/student", assignment: assignment, counting: &written)
        try writeAutograder(to: "\(staging)/autograder", assignment: assignment, secret: secret)

        if let graderSource {
            try GradescopePackage(autograder: "\(staging)/autograder", graderSource: graderSource)
                .write(to: "\(staging)/gradescope/autograder.zip")
            written.gradescopeZip = folder + "/gradescope/autograder.zip"
        }

        // Into place: the earlier kit goes only once the new one is complete.
        if fileManager.fileExists(atPath: folder) {
            for name in ["student", "autograder", "gradescope"] {
                try? fileManager.removeItem(atPath: "\(folder)/\(name)")
            }
        } else {
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for name in try fileManager.contentsOfDirectory(atPath: staging) {
            try fileManager.moveItem(atPath: "\(staging)/\(name)", toPath: "\(folder)/\(name)")
        }
        return written
    }

    /// Writes the student kit into `folder`: each problem without reference code or keys, its public trials, the
    /// kit's `assignment.yaml` and `HANDOUT.md`; counts what it holds into `written`.
    func writeStudentKit(to folder: String, assignment: YAMLTree, counting written: inout Written) throws {
        let problems = session.problems
        for problem in problems.problems {
            let reference = try session.referenceResults(for: problem)
            let target = "\(folder)/\(problem.id)"
            try Reporters.write(
                try studentDefinition(problem, reference: reference).yamlText(), to: target + "/problem.yaml")
            if problem.hasSnippetParts {
                try Reporters.write(
                    try PublicTrials.render(reference, problem: problem), to: "\(target)/\(PublicTrials.fileName)")
            }
            for part in problem.parts {
                if let spec = part.kind.snippet {
                    written.publicTrials += spec.trials + spec.stabilityTrials.count
                    written.hiddenTrials += spec.hiddenTrials
                } else if part.immediateFeedback {
                    written.immediateParts += 1
                } else {
                    written.withheldParts += 1
                }
            }
        }
        try Reporters.write(
            try assignment.updating(setting: [("kit", .plain("student"))]).yamlText(), to: "\(folder)/assignment.yaml")
        let kit = try Self.load(folder, as: "student kit")
        for problem in kit.problems { _ = try PublicTrials.load(problem: problem) }
        let handouts = kit.problems.map { Handout.markdown($0, limits: SandboxLimits().applying($0.limits)) }
        try Reporters.write(handouts.joined(separator: "\n"), to: "\(folder)/HANDOUT.md")
    }

    /// Writes the autograder folder: the instructor's problem folders as they are, and the secret; then computes
    /// the hidden trials' expected outputs with it, so that a reference that fails on them stops `assign`.
    func writeAutograder(to folder: String, assignment: YAMLTree, secret: String) throws {
        let problems = session.problems
        let fileManager = FileManager.default
        for problem in problems.problems {
            let source = (problem.definitionPath as NSString).deletingLastPathComponent
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try fileManager.copyItem(atPath: source, toPath: "\(folder)/\(problem.id)")
        }
        try Reporters.write(
            try assignment.updating(setting: [("kit", .plain("autograder"))]).yamlText(),
            to: "\(folder)/assignment.yaml")
        let secretPath = "\(folder)/\(ProblemLoader.secretFileName)"
        try Reporters.write(secret + "\n", to: secretPath)
        chmod(secretPath, 0o600)
        _ = try Self.load(folder, as: "autograder folder")
        // The hidden trials' expected outputs, computed now with the kit's secret: a reference that fails on them
        // must stop `assign`, not every submission on Gradescope.
        var options = session.options
        options.problemsDirectory = folder
        options.only = nil
        let final = try GradingSession(options: options)
        defer { final.close() }
        for problem in final.problems.problems { _ = try final.referenceResults(for: problem) }
    }

    /// 32 random bytes from the system's generator, as hex.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    /// Loads a folder the kit just wrote, so that a kit the grader cannot read is never handed out.
    static func load(_ folder: String, as what: String) throws -> ProblemSet {
        do {
            return try ProblemLoader.load(directory: folder)
        } catch let error as ProblemDefinitionError {
            throw GraderError.io(path: folder, reason: "the \(what) written does not load (a grader bug): \(error)")
        }
    }

    /// The assignment's `assignment.yaml`, or one that lists the problems in order.
    func assignmentTree() throws -> YAMLTree {
        let problems = session.problems
        let path = (problems.directory as NSString).appendingPathComponent("assignment.yaml")
        if FileManager.default.fileExists(atPath: path),
            let tree = try YAMLReader.parse(try ProblemLoader.readText(path), file: path)
        {
            return tree.updating(removing: ["kit"])
        }
        return .mapping(
            [
                ("title", .scalar(problems.title, quoted: true, line: 0), 0),
                ("problems", .sequence(problems.problems.map { .plain($0.id) }, line: 0), 0),
            ], line: 0)
    }

    /// `problem`'s definition as the student kit holds it: every key, hint and public input spec, but no answer
    /// key (unless the part asks for immediate feedback, when the computed key is written as a value) and no
    /// known mistake (a snippet part's mistakes live on as outputs in the public trials file).
    func studentDefinition(_ problem: Problem, reference: ReferenceResults) throws -> YAMLTree {
        guard
            let tree = try YAMLReader.parse(
                try ProblemLoader.readText(problem.definitionPath), file: problem.definitionPath),
            case .sequence(let partNodes, let line)? = tree["parts"]
        else { throw GraderError.io(path: problem.definitionPath, reason: "cannot be read again") }
        let parts = zip(partNodes, problem.parts).map { node, part in
            part.kind.studentDefinition(node, of: part, key: reference.answerKeys[part.id])
        }
        return tree.updating(setting: [("parts", .sequence(parts, line: line))])
    }
}
