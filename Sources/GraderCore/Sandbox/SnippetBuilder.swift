import Foundation

/// One compiler message about a line of the file being compiled.
public struct CompilerDiagnostic: Sendable, Equatable, Codable {
    /// `nil` when the message is about the generated harness rather than the submitted file.
    public let line: Int?
    public let column: Int?
    public let severity: String
    public let message: String
    /// For harness messages: the entry (function) whose call failed to compile.
    public let entry: String?
}

/// The result of compiling one Swift file with a harness.
public enum BuildResult: Sendable {
    case built(binary: String)
    /// The compiler rejected the code; `diagnostics` holds its errors, `log` its full output with paths cleaned.
    case failed(diagnostics: [CompilerDiagnostic], log: String)
    /// The compiler ran longer than its limit (the type checker is untrusted input too).
    case timedOut(seconds: Double)
}

/// Compiles a student's or reference file together with a generated harness, caching binaries by content hash.
public struct SnippetBuilder: Sendable {
    public let swiftc: String
    public let cacheDirectory: String
    /// Identifies the compiler in cache keys so that a toolchain upgrade rebuilds everything.
    public let compilerVersion: String
    public let compileSeconds: Double
    /// util-linux `prlimit`, which puts memory, file-size and core limits on the compiler when it is installed.
    private let prlimit = ProcessRunner.which("prlimit")

    /// Limits on the compiler process (besides its wall clock): 3 GB of address space (a normal compile peaks near
    /// 130 MB resident), 256 MB per written file, no core dumps.
    static let compilerLimits = ["--as=\(3 << 30)", "--fsize=\(256 << 20)", "--core=0"]

    /// `-continue-building-after-errors`: without it the driver stops at the first file that fails, so a harness
    /// error ("cannot find 'f' in scope") could hide the student's own syntax error that caused it.
    static let flags = [
        "-Onone", "-swift-version", "5", "-module-name", "Submission", "-continue-building-after-errors",
        "-Xfrontend", "-solver-expression-time-threshold=5", "-Xfrontend", "-solver-memory-threshold=536870912",
    ]

    /// `swiftc` on `PATH`.
    public static func findCompiler() throws -> String {
        guard let compiler = ProcessRunner.which("swiftc") else {
            throw GraderError.toolMissing(name: "swiftc", hint: "install Swift 6 and put swiftc on PATH")
        }
        return compiler
    }

    /// The folder of the Swift runtime libraries a snippet compiled by `swiftc` loads.
    public static func runtimeLibraryDirectory(of swiftc: String) -> String {
        let resolved = URL(fileURLWithPath: swiftc).resolvingSymlinksInPath()
        return resolved.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lib/swift/linux").path
    }

    /// Finds `swiftc` and prepares the cache folder, readable and writable by this user only (the sandbox user, and
    /// other users of the machine, must not read reference binaries or change what is cached).
    public init(cacheDirectory: String, compileSeconds: Double, swiftc: String? = nil) throws {
        let compiler = try swiftc ?? Self.findCompiler()
        self.swiftc = compiler
        self.cacheDirectory = cacheDirectory
        self.compileSeconds = compileSeconds
        let existed = FileManager.default.fileExists(atPath: cacheDirectory)
        try FileManager.default.createDirectory(atPath: cacheDirectory + "/bin", withIntermediateDirectories: true)
        if !existed { chmod(cacheDirectory, 0o700) }
        var request = ProcessRequest(executable: compiler, arguments: ["--version"])
        request.environment = Self.environment(temporary: NSTemporaryDirectory())
        request.wallSeconds = 30
        let outcome = try ProcessRunner.run(request)
        compilerVersion = String(decoding: outcome.stdout + outcome.stderr, as: UTF8.self)
    }

    /// The folder of the Swift runtime libraries a dynamically linked snippet loads.
    public var runtimeLibraryDirectory: String { Self.runtimeLibraryDirectory(of: swiftc) }

    /// Compiles `source` (named `fileName` in messages) with `harness`, or returns the cached result.
    ///
    /// - Parameter timeLimit: The compiler's wall-clock limit in seconds; `nil` takes the builder's default.
    public func build(fileName: String, source: [UInt8], harness: Harness, timeLimit: Double? = nil) throws -> BuildResult {
        let compileSeconds = timeLimit ?? self.compileSeconds
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        hasher.update(field: Self.flags.joined(separator: " "))
        hasher.update(field: fileName)
        hasher.update(source)
        hasher.update([0])
        hasher.update(field: harness.source)
        let key = hasher.hexDigest()
        let binary = "\(cacheDirectory)/bin/\(key)"
        let failure = binary + ".failed.json"
        if FileManager.default.isExecutableFile(atPath: binary) { return .built(binary: binary) }
        if let data = FileManager.default.contents(atPath: failure),
            let cached = try? JSONDecoder().decode(CachedFailure.self, from: data)
        {
            return .failed(diagnostics: cached.diagnostics, log: cached.log)
        }

        let work = try TemporaryDirectory(prefix: "build", parent: cacheDirectory + "/tmp")
        defer { work.remove() }
        let sourcePath = "\(work.path)/\(fileName)"
        let harnessPath = "\(work.path)/main.swift"
        _ = FileManager.default.createFile(atPath: sourcePath, contents: Data(source))
        _ = FileManager.default.createFile(atPath: harnessPath, contents: Data(harness.source.utf8))
        let outcome = try runCompiler(
            Self.flags + ["-o", "\(work.path)/snippet", harnessPath, sourcePath], in: work.path, seconds: compileSeconds)
        if outcome.timedOut { return .timedOut(seconds: compileSeconds) }
        if outcome.succeeded, FileManager.default.isExecutableFile(atPath: "\(work.path)/snippet") {
            // rename() is atomic: a concurrent grader sees either no binary or the whole one.
            if rename("\(work.path)/snippet", binary) != 0 {
                throw GraderError.io(path: binary, reason: String(cString: strerror(errno)))
            }
            return .built(binary: binary)
        }
        let log = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self)
            .replacingOccurrences(of: work.path + "/", with: "")
        let diagnostics = Self.parseDiagnostics(log, fileName: fileName, harness: harness)
        let result = CachedFailure(diagnostics: diagnostics, log: log)
        if !outcome.outputLimitExceeded, let data = try? JSONEncoder().encode(result) {
            try? data.write(to: URL(fileURLWithPath: failure), options: .atomic)
        }
        return .failed(diagnostics: diagnostics, log: log)
    }

    /// Runs `swiftc` with `arguments` in `folder`: a clean environment, the shared module cache, the memory and
    /// file limits of `prlimit` when it is installed, and a wall-clock limit.
    func runCompiler(_ arguments: [String], in folder: String, seconds: Double) throws -> ProcessOutcome {
        let compile = [swiftc] + arguments + ["-module-cache-path", "\(cacheDirectory)/module-cache"]
        let command = prlimit.map { [$0] + Self.compilerLimits + ["--"] + compile } ?? compile
        var request = ProcessRequest(executable: command[0], arguments: Array(command.dropFirst()))
        request.environment = Self.environment(temporary: folder)
        request.workingDirectory = folder
        request.wallSeconds = seconds
        request.outputLimit = 16 << 20
        request.keptOutput = 256 << 10
        return try ProcessRunner.run(request)
    }

    /// Links `objects` into an executable at `output`, defining each `alias=symbol` of `definitions`; false when
    /// the link fails. Calls `ld.lld` directly when its command line could be derived from the driver (about 0.05 s
    /// against 0.4 s through `swiftc`), else links through `swiftc`.
    func link(objects: [String], definitions: [String], output: String, in folder: String) throws -> Bool {
        if let linker = linkCommand {
            let autolink = folder + "/autolink.txt"
            var extract = ProcessRequest(executable: linker.autolinkExtract, arguments: objects + ["-o", autolink])
            extract.wallSeconds = 60
            guard try ProcessRunner.run(extract).succeeded else { return false }
            let arguments = linker.arguments(objects: objects, autolinkFile: autolink, output: output) + definitions.map { "--defsym=\($0)" }
            var request = ProcessRequest(executable: linker.executable, arguments: arguments)
            request.workingDirectory = folder
            request.wallSeconds = 60
            return try ProcessRunner.run(request).succeeded
        }
        let arguments = objects + definitions.flatMap { ["-Xlinker", "--defsym=\($0)"] } + ["-o", output]
        return try runCompiler(arguments, in: folder, seconds: 120).succeeded
    }

    /// The direct linker command, derived once from `swiftc -###` and `clang -###`; `nil` where that fails.
    var linkCommand: LinkCommand? { linkCommandStore.value(swiftc: swiftc) }
    private let linkCommandStore = LazyLinkCommand()

    private struct CachedFailure: Codable {
        let diagnostics: [CompilerDiagnostic]
        let log: String
    }

    static func environment(temporary: String) -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return ["PATH=\(path)", "HOME=\(temporary)", "TMPDIR=\(temporary)", "LANG=C.UTF-8"]
    }

    /// Extracts `file:line:col: error: message` lines, keeping the submitted file's and attributing harness ones.
    static func parseDiagnostics(_ log: String, fileName: String, harness: Harness) -> [CompilerDiagnostic] {
        var diagnostics: [CompilerDiagnostic] = []
        for rawLine in log.split(separator: "\n") {
            let line = String(rawLine)
            for (file, isHarness) in [(fileName, false), ("main.swift", true)] {
                guard line.hasPrefix(file + ":") else { continue }
                let rest = line.dropFirst(file.count + 1)
                let pieces = rest.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
                guard pieces.count == 4, let lineNumber = Int(pieces[0]), let column = Int(pieces[1]) else { continue }
                let severity = pieces[2].trimmingCharacters(in: .whitespaces)
                guard severity == "error" else { continue }
                let message = pieces[3].trimmingCharacters(in: .whitespaces)
                diagnostics.append(
                    CompilerDiagnostic(
                        line: isHarness ? nil : lineNumber, column: isHarness ? nil : column, severity: severity,
                        message: message, entry: isHarness ? harness.entry(atLine: lineNumber) : nil))
            }
        }
        return diagnostics
    }
}

/// A temporary folder removed when the work is done.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// Creates a fresh, private folder under `parent` (created if needed).
    public init(prefix: String, parent: String = NSTemporaryDirectory()) throws {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw GraderError.io(path: parent, reason: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
