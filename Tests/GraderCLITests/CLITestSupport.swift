import Foundation
import GraderCore
import Synchronization
import Testing

/// Runs the built `grader` binary and reads what it wrote, for the end-to-end suites.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let fixtures = root + "/Tests/GraderCLITests/Fixtures"

    /// The hostile snippet `name` of `Fixtures/snippets/`. Its files end in `.swift-fixture`, not `.swift`: they are
    /// student code as a student writes it, templates with `@@...@@` holes among them, which the formatter must
    /// neither lint nor rewrite.
    static func snippet(_ name: String) -> String { "\(fixtures)/snippets/\(name).swift-fixture" }
    /// The cache the suites share, so the references are compiled once per test run.
    static let cache = NSTemporaryDirectory() + "grader-tests-cache-\(getuid())"

    /// The `grader` executable built next to this test bundle.
    static var binary: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("grader").path
    }

    /// The grader and its launcher copied into `folder`, for a run as another user (`nobody`) who may not reach
    /// the build folder: a clone inside a private folder (root's home, any `mktemp -d`) is out of its reach.
    /// Returns the copied grader; the grader finds the launcher beside itself.
    static func reachableBinary(in folder: String) throws -> String {
        let bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let built = URL(fileURLWithPath: binary).deletingLastPathComponent()
        for name in ["grader", "grader-launch"] {
            try FileManager.default.copyItem(atPath: built.appendingPathComponent(name).path, toPath: "\(bin)/\(name)")
        }
        chmod(bin, 0o755)
        return bin + "/grader"
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
        /// The grader's own peak resident memory (VmHWM), sampled while it ran; its children are not included.
        let peakKilobytes: Int
        /// The largest resident memory of the grader and all its descendants together (the compiler, bubblewrap,
        /// the launcher, the student's processes), sampled every 20 ms from `/proc`.
        let peakTreeKilobytes: Int
    }

    /// The resident memory (VmRSS, KB) of `root` and every process descended from it, read from `/proc`.
    static func treeResidentKilobytes(of root: pid_t) -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var parents: [pid_t: pid_t] = [:]
        for entry in entries {
            guard let pid = pid_t(entry), let stat = FileManager.default.contents(atPath: "/proc/\(entry)/stat") else {
                continue
            }
            let text = String(decoding: stat, as: UTF8.self)
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 2, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        var total = 0
        for pid in parents.keys {
            var cursor = pid
            var depth = 0
            while cursor != root, let parent = parents[cursor], parent > 1, depth < 64 {
                cursor = parent
                depth += 1
            }
            guard cursor == root,
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                let value = Int(line.split(separator: " ").dropFirst().first ?? "")
            else { continue }
            total += value
        }
        return total
    }

    /// Runs the grader with `arguments` from the package root; `prefix` runs it through another program (setpriv);
    /// `inTerminal` gives it a controlling terminal (util-linux `script`), as a grader started by hand has.
    static func grader(
        _ arguments: [String], environment: [String: String] = [:], prefix: [String] = [], inTerminal: Bool = false,
        executable: String? = nil
    ) throws -> Run {
        let process = Process()
        var command = prefix + [executable ?? binary] + arguments
        if inTerminal {
            let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(
                separator: " ")
            command = ["/usr/bin/script", "-qec", quoted, "/dev/null"]
        }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var env = ProcessInfo.processInfo.environment
        env["GRADER_CACHE"] = cache
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Files rather than pipes: nothing can block on a full pipe while the memory is sampled.
        let out = temporary("out-\(UUID().uuidString)")
        let err = temporary("err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardOutput = outHandle
        process.standardError = errHandle
        let start = Date()
        try process.run()
        var peak = 0
        var treePeak = 0
        while process.isRunning {
            treePeak = max(treePeak, treeResidentKilobytes(of: process.processIdentifier))
            if let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let value = Int(line.split(separator: " ").dropFirst().first ?? "")
            {
                peak = max(peak, value)
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try outHandle.close()
        try errHandle.close()
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self), seconds: seconds,
            peakKilobytes: peak, peakTreeKilobytes: treePeak)
    }

    /// A path in this test run's scratch folder.
    static func temporary(_ name: String) -> String {
        let folder = NSTemporaryDirectory() + "grader-e2e-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/" + name
    }

    /// The project's own JUnit schema, which every report the grader writes must satisfy.
    static let schema = root + "/docs/junit.xsd"
    /// Jenkins' `junit-10.xsd`, checked as well when `GRADER_JENKINS_SCHEMA` names it (the project's CI sets it).
    static let jenkinsSchema = ProcessInfo.processInfo.environment["GRADER_JENKINS_SCHEMA"].flatMap {
        $0.isEmpty ? nil : $0
    }
    private static let validators: Result<[XMLSchemaValidator], Error> = Result {
        try ([schema] + (jenkinsSchema.map { [$0] } ?? [])).map { try XMLSchemaValidator(schemaPath: $0) }
    }

    /// Whether `junit` validates against `docs/junit.xsd` (and Jenkins' schema when given), with libxml2 in process;
    /// each problem found is recorded as an issue naming the schema.
    static func validate(_ junit: String) throws -> Bool {
        var valid = true
        for validator in try validators.get() {
            let problems = validator.problems(inFile: junit)
            if !problems.isEmpty {
                valid = false
                Issue.record(
                    """
                    \(junit) does not validate against \
                    \(validator.schemaPath):\n\(problems.prefix(10).joined(separator: "\n"))
                    """
                )
            }
        }
        return valid
    }

    /// Fails the calling test, naming the tool and its install command, when `command` is not on PATH.
    static func requireTool(_ command: String, install: String, for purpose: String) throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let found = path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(command)")
        }
        try #require(
            found,
            """
            \(command) is not installed, and \(purpose) needs it. Install it with `\(install)` (scripts/test.sh \
            does this as root).
            """
        )
    }

    /// Fails the calling test unless bubblewrap is installed, which the namespace sandbox needs.
    static func requireBubblewrap() throws {
        try requireTool("bwrap", install: "sudo apt-get install bubblewrap", for: "the namespace sandbox")
    }

    /// Fails the calling test unless the kernel offers Landlock with TCP rules (ABI 4, Linux 6.7), which the fallback
    /// without namespaces confines student code with.
    static func requireLandlock() throws {
        let launcher = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("grader-launch")
            .path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        process.arguments = ["--landlock-abi"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let abi =
            Int(
                String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines)) ?? 0
        try #require(
            abi >= 4,
            """
            this kernel offers Landlock ABI \(abi); the fallback tests expect 4 or later (Linux 6.7), as on the \
            project's CI machines
            """
        )
    }

    /// The results JSON at `path`.
    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// The parts of a results JSON by `problem.part`.
    static func parts(_ json: [String: Any]) -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for problem in json["problems"] as! [[String: Any]] {
            for part in problem["parts"] as! [[String: Any]] {
                result["\(problem["id"]!).\(part["id"]!)"] = part
            }
        }
        return result
    }

    /// A copy of the bundled `problems/` at `folder` (a fresh scratch folder named after `name` when `nil`), with
    /// `problem`'s `problem.yaml` rewritten by `edit`; returns the folder.
    static func problemsCopy(
        _ name: String, at folder: String? = nil, assignment: String = "hw6", editing problem: String,
        _ edit: (String) -> String
    ) throws -> String {
        let problems = folder ?? temporary("\(name)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: root + "/problems/\(assignment)", toPath: problems)
        try editDefinition(of: problem, in: problems, edit)
        return problems
    }

    /// Rewrites the `problem.yaml` of `problem` in the folder of problems `problems` with `edit`.
    static func editDefinition(of problem: String, in problems: String, _ edit: (String) -> String) throws {
        let definition = problems + "/\(problem)/problem.yaml"
        try edit(try String(contentsOfFile: definition, encoding: .utf8)).write(
            toFile: definition, atomically: true, encoding: .utf8)
    }

    /// Copies `submissions/hw6/reference` to `folder` with the answer key of the student the folder names (a batch's
    /// id) as its answers.yaml, so that the copy gets full marks as that student in the variant of `problems`.
    static func fullMarksCopy(at folder: String, problems: String = root + "/problems/hw6") throws {
        try FileManager.default.copyItem(atPath: root + "/submissions/hw6/reference", toPath: folder)
        let student = (folder as NSString).lastPathComponent
        let sheet: String
        if let known = answerSheets.withLock({ $0[problems + "\u{0}" + student] }) {
            sheet = known
        } else {
            let key = try grader(["answers", "--student", student, "--problems", problems])
            guard key.status == 0 else {
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: key.stderr])
            }
            sheet = key.stdout
            answerSheets.withLock { $0[problems + "\u{0}" + student] = sheet }
        }
        try sheet.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
    }

    /// Answer sheets already printed, by problems folder and student.
    private static let answerSheets = Mutex([String: String]())

    /// A copy of `submissions/hw6/reference` in a fresh folder whose name ends with `name`.
    static func referenceCopy(_ name: String) throws -> String {
        let folder = temporary("\(name)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: root + "/submissions/hw6/reference", toPath: folder)
        return folder
    }
}
