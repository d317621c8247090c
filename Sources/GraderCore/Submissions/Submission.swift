import Foundation

/// A student's folder as the grader sees it: the answers read from `answers.yaml` and where the Swift files are.
public struct Submission: Sendable {
    public static let answersFileName = "answers.yaml"
    /// Files larger than this are refused rather than read: no honest answer or snippet file comes close.
    public static let maxFileBytes = 1 << 20

    public let folder: String
    /// Answers by problem id and part id; empty when the file is missing or unreadable.
    public let answers: [String: [String: YAMLTree]]
    /// Why `answers.yaml` could not be used, if it could not (shown on every answer part).
    public let answersProblem: String?
    public let warnings: [Diagnostic]
    /// The student this submission is graded as, which picks the variant of the numbers: `--student`, else
    /// `student:` in `answers.yaml`; in a batch, the folder's name.
    public var student: String?
    /// What `student:` in `answers.yaml` says, if anything.
    public var declaredStudent: String?
    /// Whether `student` was given from outside the folder (`--student`, a batch folder's name, Gradescope's
    /// roster) rather than read from `answers.yaml`.
    public var studentFromOutside = false
    /// The folder's files as this run read them (`file(named:)`), shared by copies of this submission.
    let snapshot = FileSnapshot()

    /// The bytes of `name` in the folder as this submission value (or a copy of it) first read them: the cache key,
    /// the compile, the grade's recorded inputs and the similarity report all see the same bytes, even when the file
    /// is saved mid-run (a grade computed from one version and kept under another's key would be served for the
    /// wrong file). A run loads its submissions afresh; the bytes stay in memory as long as the value does.
    public func file(named name: String) -> Result<[UInt8], FileProblem> { snapshot.read(name, in: folder) }

    /// Each file of a submission read once, by name.
    final class FileSnapshot: Sendable {
        private let files = Locked([String: Result<[UInt8], FileProblem>]())

        func read(_ name: String, in folder: String) -> Result<[UInt8], FileProblem> {
            if let known = files.withLock({ $0[name] }) { return known }
            let read = Submission.readFile(named: name, in: folder)
            // Two threads reading at once keep the first result stored: every reader sees one version.
            return files.withLock { files in
                if let first = files[name] { return first }
                files[name] = read
                return read
            }
        }
    }

    /// Reads the submission in `folder`, checking its answers against the problems' ids.
    public static func load(folder: String, problems: ProblemSet) -> Submission {
        switch readFile(named: answersFileName, in: folder) {
        case .failure(let failure):
            return Submission(
                folder: folder, answers: [:], answersProblem: failure.message, warnings: [], student: nil,
                declaredStudent: nil)
        case .success(let bytes):
            return parse(answers: bytes, folder: folder, problems: problems)
        }
    }

    /// The submission whose `answers.yaml` holds `bytes`: never throws, whatever the bytes; what cannot be used is
    /// said in `answersProblem` and the warnings.
    public static func parse(answers bytes: [UInt8], folder: String, problems: ProblemSet) -> Submission {
        var warnings: [Diagnostic] = []
        var answers: [String: [String: YAMLTree]] = [:]
        var problem: String?
        var declared: String?
        do {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw YAMLReadError(file: answersFileName, line: nil, message: "is not UTF-8 text")
            }
            if let tree = try YAMLReader.parse(text, file: answersFileName) {
                answers = try organise(tree, problems: problems, warnings: &warnings, student: &declared)
            } else {
                problem = "\(answersFileName) is empty"
            }
        } catch let error as YAMLReadError {
            problem = error.description
        } catch {
            problem = "\(answersFileName): \(error)"
        }
        return Submission(
            folder: folder, answers: answers, answersProblem: problem, warnings: warnings, student: declared,
            declaredStudent: declared)
    }

    /// The key in `answers.yaml` that names the student, whose variant of the numbers the answers are for.
    public static let studentKey = "student"

    private static func organise(
        _ tree: YAMLTree, problems: ProblemSet, warnings: inout [Diagnostic], student: inout String?
    ) throws -> [String: [String: YAMLTree]] {
        guard case .mapping(let entries, _) = tree else {
            throw YAMLReadError(
                file: answersFileName, line: tree.line,
                message:
                    """
                    must map problem ids to their answers (`parameter-counts:` then `  mlp: 4353`), found \
                    \(tree.kindDescription)
                    """
            )
        }
        var result: [String: [String: YAMLTree]] = [:]
        for entry in entries {
            if entry.key == studentKey, problems.problem(entry.key) == nil {
                if case .scalar(let text, _, _) = entry.value, case let id = text.trimmingWhitespace(),
                    Self.isStudentID(id)
                {
                    student = id
                } else {
                    warnings.append(
                        Diagnostic(
                            .warning, file: answersFileName, line: entry.line,
                            """
                            `student:` must be your student id (at most 100 characters, no control characters, no \
                            `/`); ignored
                            """
                        ))
                }
                continue
            }
            guard let problem = problems.problem(entry.key) else {
                let known = problems.problems.map(\.id).joined(separator: ", ")
                warnings.append(
                    Diagnostic(
                        .warning, file: answersFileName, line: entry.line,
                        "unknown problem `\(entry.key)` ignored (problems: \(known))"))
                continue
            }
            guard case .mapping(let parts, _) = entry.value else {
                if !entry.value.isNull {
                    warnings.append(
                        Diagnostic(
                            .warning, file: answersFileName, line: entry.line,
                            "`\(entry.key)` must map part ids to answers, found \(entry.value.kindDescription); ignored"
                        ))
                }
                continue
            }
            var byPart: [String: YAMLTree] = [:]
            for part in parts {
                guard let definition = problem.parts.first(where: { $0.id == part.key }) else {
                    let known = problem.answerParts.map(\.id).joined(separator: ", ")
                    warnings.append(
                        Diagnostic(
                            .warning, file: answersFileName, line: part.line,
                            "unknown part `\(entry.key).\(part.key)` ignored (parts: \(known))"))
                    continue
                }
                if definition.isSnippet {
                    warnings.append(
                        Diagnostic(
                            .warning, file: answersFileName, line: part.line,
                            """
                            `\(part.key)` is a function; it is graded from \(problem.snippetFileName), not \
                            answers.yaml
                            """
                        ))
                    continue
                }
                byPart[part.key] = part.value
            }
            result[entry.key] = byPart
        }
        return result
    }

    /// Whether `text` can be a student id: 1 to 100 characters, none of them a control character or a `/`, and
    /// no space at either end (a batch takes folder names as ids, so the same rule as for file names, nearly).
    public static func isStudentID(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last, !first.isWhitespace, !last.isWhitespace, text.count <= 100,
            text != ".", text != ".."
        else { return false }
        return text.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control && $0 != "/" }
    }

    /// Why a file of the submission could not be read.
    public struct FileProblem: Error, Sendable {
        public let missing: Bool
        public let message: String
    }

    /// The bytes of `name` in the folder, refusing links that leave it, directories, and oversized files.
    public static func readFile(named name: String, in folder: String) -> Result<[UInt8], FileProblem> {
        let path = (folder as NSString).appendingPathComponent(name)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return .failure(FileProblem(missing: true, message: "\(name) is missing from the submission folder"))
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard target.hasPrefix(root + "/") else {
                return .failure(
                    FileProblem(
                        missing: false,
                        message: "\(name) is a symbolic link to a file outside the submission folder; it was not read"))
            }
            guard stat(path, &info) == 0 else {
                return .failure(FileProblem(missing: true, message: "\(name) is a broken symbolic link"))
            }
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return .failure(FileProblem(missing: false, message: "\(name) is a folder, expected a file"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(FileProblem(missing: false, message: "\(name) is not a regular file"))
        }
        if Int(info.st_size) > maxFileBytes {
            return .failure(
                FileProblem(
                    missing: false,
                    message:
                        "\(name) is \(info.st_size) bytes, over the \(maxFileBytes / 1024) KiB limit; it was not read"))
        }
        // O_NONBLOCK: should the file be swapped for a FIFO after the checks above, opening it must not hang.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(
                FileProblem(missing: false, message: "\(name) cannot be read: \(String(cString: strerror(errno)))"))
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(FileProblem(missing: false, message: "\(name) is not a regular file"))
        }
        let data = (try? handle.read(upToCount: maxFileBytes + 1)) ?? Data()
        if data.count > maxFileBytes {
            return .failure(
                FileProblem(
                    missing: false, message: "\(name) is over the \(maxFileBytes / 1024) KiB limit; it was not read"))
        }
        return .success([UInt8](data))
    }
}
