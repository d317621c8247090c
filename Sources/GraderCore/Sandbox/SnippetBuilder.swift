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

    /// Flags for every compile of student or reference code (module `Submission`).
    ///
    /// `MemberImportVisibility`: a file sees the members of only the modules it imports itself, so in a shared
    /// compile one student's `import Foundation` cannot make another's file compile. Every compile of this code is
    /// whole-module (`-wmo`), so one compiler job reports the errors of every file, the student's first.
    static let flags = [
        "-Onone", "-swift-version", "5", "-module-name", "Submission",
        "-enable-upcoming-feature", "MemberImportVisibility",
        "-Xfrontend", "-solver-expression-time-threshold=5", "-Xfrontend", "-solver-memory-threshold=536870912",
    ]

    /// Flags for a harness, which is compiled from generated code only, never with student code, as its own module.
    static let harnessFlags = ["-Onone", "-swift-version", "5", "-module-name", "GraderHarness"]

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

    /// Compiles `source` (named `fileName` in messages) in its own module with shims that export `entries`, links it
    /// with a harness compiled separately from generated code, and returns the binary, or the cached result.
    ///
    /// Student code never shares a module with the harness (see `EntryShims`), whether it is graded alone or in a
    /// shared batch compile: one set of rules for both. Compiler errors in the file carry its line; errors in a shim
    /// carry the entry whose function does not exist or does not match.
    ///
    /// - Parameter timeLimit: The compiler's wall-clock limit in seconds; `nil` takes the builder's default.
    public func build(fileName: String, source: [UInt8], entries: [HarnessEntry], timeLimit: Double? = nil) throws -> BuildResult {
        let compileSeconds = timeLimit ?? self.compileSeconds
        let symbol = { (index: Int) in "grader_entry_\(index)" }
        let shims = EntryShims.source(for: entries, symbol: symbol)
        let calls = EntryShims.harnessEntries(for: entries, symbol: symbol)
        let harness = Harness(entries: calls.entries, declarations: calls.declarations)
        let arguments = Self.flags + ["-parse-as-library", "-wmo", "-c", fileName, Self.shimFileName, "-o", "unit.o"]
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        hasher.update(field: arguments.joined(separator: " "))
        hasher.update(source)
        hasher.update([0])
        hasher.update(field: shims.text)
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
        // The file exactly as written, and the shims in a second file of the same module: an unclosed brace in the
        // file is reported in the file, never in a shim.
        _ = FileManager.default.createFile(atPath: "\(work.path)/\(fileName)", contents: Data(source))
        _ = FileManager.default.createFile(atPath: "\(work.path)/\(Self.shimFileName)", contents: Data(shims.text.utf8))
        let outcome = try runCompiler(arguments, in: work.path, seconds: compileSeconds)
        if outcome.timedOut { return .timedOut(seconds: compileSeconds) }
        var log = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self).replacingOccurrences(of: work.path + "/", with: "")
        var diagnostics: [CompilerDiagnostic] = []
        if outcome.succeeded, FileManager.default.fileExists(atPath: "\(work.path)/unit.o") {
            let harnessObject = try harnessObject(harness)
            if try link(objects: [harnessObject, "\(work.path)/unit.o"], definitions: [], output: "\(work.path)/snippet", in: work.path),
                FileManager.default.isExecutableFile(atPath: "\(work.path)/snippet")
            {
                // rename() is atomic: a concurrent grader sees either no binary or the whole one.
                if rename("\(work.path)/snippet", binary) != 0 {
                    throw GraderError.io(path: binary, reason: String(cString: strerror(errno)))
                }
                return .built(binary: binary)
            }
            // The file compiled but does not link with the harness: it defines `main`, or a symbol the harness has.
            log = "\(fileName) compiled, but could not be linked into a program with the grader's harness: does it define `main` (`@main`) or a C symbol (`@_cdecl`, `@c`, `@_silgen_name`) the program already has?"
        } else {
            diagnostics = Self.parseDiagnostics(log, fileName: fileName, shimLines: shims.lines, entries: entries)
        }
        let result = CachedFailure(diagnostics: diagnostics, log: log)
        if !outcome.outputLimitExceeded, let data = try? JSONEncoder().encode(result) {
            try? data.write(to: URL(fileURLWithPath: failure), options: .atomic)
        }
        return .failed(diagnostics: diagnostics, log: log)
    }

    /// The object of `harness`, compiled alone as module `GraderHarness` and cached by its source.
    func harnessObject(_ harness: Harness) throws -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        hasher.update(field: Self.harnessFlags.joined(separator: " "))
        hasher.update(field: harness.source)
        let folder = cacheDirectory + "/obj"
        let path = "\(folder)/harness-\(hasher.hexDigest().prefix(32)).o"
        if FileManager.default.fileExists(atPath: path) { return path }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let work = try TemporaryDirectory(prefix: "harness", parent: cacheDirectory + "/tmp")
        defer { work.remove() }
        _ = FileManager.default.createFile(atPath: work.path + "/main.swift", contents: Data(harness.source.utf8))
        let outcome = try runCompiler(Self.harnessFlags + ["-c", "main.swift", "-o", "harness.o"], in: work.path, seconds: 120)
        guard outcome.succeeded, rename(work.path + "/harness.o", path) == 0 else {
            throw GraderError.io(path: path, reason: "the grader's harness does not compile: \(String(decoding: outcome.stderr, as: UTF8.self).prefix(2000))")
        }
        return path
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

    /// The file that holds the entry shims next to the compiled file.
    static let shimFileName = "__grader_entries.swift"

    /// Extracts `file:line:col: error: message` lines: the compiled file's own, with their line, and the shim file's,
    /// attributed to the entry whose shim holds the line.
    static func parseDiagnostics(_ log: String, fileName: String, shimLines: [ClosedRange<Int>], entries: [HarnessEntry]) -> [CompilerDiagnostic] {
        var diagnostics: [CompilerDiagnostic] = []
        for rawLine in log.split(separator: "\n") {
            for (file, isShim) in [(fileName, false), (shimFileName, true)] where rawLine.hasPrefix(file + ":") {
                let pieces = rawLine.dropFirst(file.count + 1).split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
                guard pieces.count == 4, let lineNumber = Int(pieces[0]), let column = Int(pieces[1]),
                    pieces[2].trimmingCharacters(in: .whitespaces) == "error"
                else { continue }
                let message = pieces[3].trimmingCharacters(in: .whitespaces)
                if isShim {
                    let shim = shimLines.firstIndex { $0.contains(lineNumber) }
                    diagnostics.append(CompilerDiagnostic(
                        line: nil, column: nil, severity: "error", message: message, entry: shim.map { entries[$0].name }))
                } else {
                    diagnostics.append(CompilerDiagnostic(line: lineNumber, column: column, severity: "error", message: message, entry: nil))
                }
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
