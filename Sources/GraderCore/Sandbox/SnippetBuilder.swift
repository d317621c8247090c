import Foundation

/// One compiler message about a line of the file being compiled.
public struct CompilerDiagnostic: Sendable, Equatable, Codable {
    /// `nil` when the message is about the generated harness rather than the submitted file.
    public let line: Int?
    public let column: Int?
    public let severity: Diagnostic.Severity
    public let message: String
    /// For harness messages: the entry (function) whose call failed to compile.
    public let entry: String?

    /// The message as a diagnostic about `file`, the file compiled; a harness message names its entry instead.
    public func diagnostic(file: String) -> Diagnostic {
        guard let line else { return Diagnostic(severity, "in `\(entry ?? "harness")`: \(message)") }
        return Diagnostic(severity, file: file, line: line, message)
    }
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
///
/// Student code is compiled and linked in the sandbox (`Sandbox.runTool`): as an unprivileged uid of its own, in a
/// folder that holds only its source, its shims and the objects it links with, under time and memory limits, with
/// the toolchain and the module cache read-only and nothing else of the machine visible. The link command is the
/// grader's alone: the libraries come from the toolchain's own modules (`ToolchainCache`), never from the autolink
/// entries a module carries. Trusted code (references, the harness) is compiled directly, which also fills the
/// module cache student compiles read.
public struct SnippetBuilder: Sendable {
    public let swiftc: String
    public let cacheDirectory: String
    /// Identifies the compiler in cache keys so that a toolchain upgrade rebuilds everything.
    public let compilerVersion: String
    public let compileSeconds: Double
    let sandbox: Sandbox
    let toolchain: ToolchainCache

    /// Flags for every compile of student or reference code (module `Submission`).
    ///
    /// `MemberImportVisibility`: a file sees the members of only the modules it imports itself, so in a shared
    /// compile one student's `import Foundation` cannot make another's file compile. Every compile of this code is
    /// whole-module (`-wmo`), so one compiler job reports the errors of every file, the student's first, except the
    /// shared `-O` calls of `BatchCompiler`, one job with every file its own primary.
    static let flags = [
        "-Onone", "-swift-version", "5", "-module-name", "Submission",
        "-enable-upcoming-feature", "MemberImportVisibility",
        "-Xfrontend", "-solver-expression-time-threshold=5", "-Xfrontend", "-solver-memory-threshold=536870912",
    ]

    /// `flags` with `-O` for `-Onone`: for problems with experiments, whose runs are training loops.
    static let optimizedFlags = flags.map { $0 == "-Onone" ? "-O" : $0 }

    /// Flags for a harness, which is compiled from generated code only, never with student code, as its own module.
    static let harnessFlags = ["-Onone", "-swift-version", "5", "-module-name", "GraderHarness"]

    /// Flags for the harness runtime (`HarnessRuntime`), the module every harness imports.
    static let harnessRuntimeFlags = [
        "-Onone", "-swift-version", "5", "-parse-as-library", "-wmo", "-module-name", HarnessRuntime.moduleName,
    ]

    /// The rest of the harness runtime's compile: one frontend job for the object and the module (the driver's
    /// default is a second job after it), written into the work folder's `out` (`toolchainArtifact`).
    static let harnessRuntimeOutputs = [
        "-no-emit-module-separately-wmo", "-emit-module", "-emit-module-path",
        "out/\(HarnessRuntime.moduleName).swiftmodule", "-c", "runtime.swift", "-o", "out/runtime.o",
    ]

    /// What makes the harness runtime (its source and every argument of its compile) digested: every binary linked
    /// with it is cached under a key that holds this, and so is every grade.
    static let harnessRuntimeIdentity: String = {
        var hasher = SHA256Hasher()
        hasher.update(field: (harnessRuntimeFlags + harnessRuntimeOutputs).joined(separator: " "))
        hasher.update(field: HarnessRuntime.source)
        return hasher.hexDigest()
    }()

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
        return resolved.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "lib/swift/linux"
        ).path
    }

    /// The installation folder of `swiftc` (`/opt/swift/usr` for `/opt/swift/usr/bin/swiftc`): its tools, runtime
    /// and headers, which the compiler and the linker read.
    public static func toolchainDirectory(of swiftc: String) -> String {
        URL(fileURLWithPath: swiftc).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            .path
    }

    /// Finds `swiftc` and prepares the cache folder, readable and writable by this user only (the sandbox's uids,
    /// and other users of the machine, must not read reference binaries and outputs or change what is cached).
    ///
    /// - Parameters:
    ///   - cacheDirectory: Made private whoever created it; refused when it belongs to another user.
    ///   - toolchainFolder: Where the module cache, the library list, the compiled harness runtime and the batch's
    ///     support object live; `nil` takes the shared one for this user and compiler.
    public init(
        cacheDirectory: String, compileSeconds: Double, sandbox: Sandbox, swiftc: String? = nil,
        toolchainFolder: String? = nil
    ) throws {
        let compiler = try swiftc ?? Self.findCompiler()
        self.swiftc = compiler
        self.cacheDirectory = cacheDirectory
        self.compileSeconds = compileSeconds
        self.sandbox = sandbox
        try Self.makePrivate(cacheDirectory)
        try FileManager.default.createDirectory(atPath: cacheDirectory + "/bin", withIntermediateDirectories: true)
        compilerVersion = try Self.compilerVersion(of: compiler, cache: cacheDirectory)
        toolchain = ToolchainCache(
            folder: try toolchainFolder ?? ToolchainCache.sharedFolder(compilerVersion: compilerVersion))
        // The driver's plans depend on the toolchain and on how this grader reads them. They are run outside the
        // sandbox, so they are kept only where the link command is: in the private cache, when student code cannot
        // write it.
        frontendCommands = FrontendCommands(
            memoFolder: sandbox.keepsFilesFromStudents ? cacheDirectory : nil,
            identity: Self.toolchainIdentity(of: compiler) + " " + FileBytes.graderBuild)
    }

    /// What `swiftc --version` says, remembered in `cache` under the build identity (`FileBytes.buildIdentity`) of
    /// the driver and the frontend it runs: asking costs about 50 ms, most of a warm grading. A replaced or rebuilt
    /// toolchain has other files, so it is asked anew.
    ///
    /// It is asked in a folder of its own, removed after: the driver makes a `TemporaryDirectory.*` in `TMPDIR`
    /// and then turns into the frontend, so nothing removes that folder. In the system's temporary folder one was
    /// left behind for every new cache (about 1,900 a run of the tests).
    static func compilerVersion(of compiler: String, cache: String) throws -> String {
        let memo = "\(cache)/compiler-version-\(toolchainIdentity(of: compiler))"
        if let known = FileBytes.read(memo), !known.isEmpty { return String(decoding: known, as: UTF8.self) }
        let temporary = try TemporaryDirectory(prefix: "compiler-version", parent: cache + "/tmp")
        defer { temporary.remove() }
        var request = ProcessRequest(executable: compiler, arguments: ["--version"])
        request.environment = Self.environment(temporary: temporary.path)
        request.wallSeconds = 30
        let outcome = try ProcessRunner.run(request)
        let version = String(decoding: outcome.stdout + outcome.stderr, as: UTF8.self)
        if outcome.succeeded, !version.isEmpty {
            try? WorkFolder.writeAtomically(Array(version.utf8), to: memo, mode: 0o600)
        }
        return version
    }

    /// The build identities (`FileBytes.buildIdentity`) of the driver and the frontend it runs, digested: what names
    /// the memo files of the cache that stand for asking the toolchain.
    static func toolchainIdentity(of compiler: String) -> String {
        let driver = URL(fileURLWithPath: compiler).resolvingSymlinksInPath().path
        var identity = SHA256Hasher()
        for path in [driver, (driver as NSString).deletingLastPathComponent + "/swift-frontend"] {
            identity.update(field: path + " " + FileBytes.buildIdentity(of: path))
        }
        return String(identity.hexDigest().prefix(24))
    }

    /// Creates `folder` or checks that it is this user's own, then makes it private (mode 0700): whoever created
    /// it, no other uid may list or read what the grader caches there.
    static func makePrivate(_ folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var info = stat()
        guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw GraderError.io(path: folder, reason: "the grader's cache is not a folder")
        }
        guard info.st_uid == getuid() else {
            throw GraderError.io(
                path: folder,
                reason:
                    """
                    the grader's cache belongs to uid \(info.st_uid), not to this user (uid \(getuid())), so it \
                    cannot be kept private; give a folder of your own with --cache or GRADER_CACHE
                    """
            )
        }
        guard chmod(folder, 0o700) == 0 else {
            throw GraderError.io(
                path: folder, reason: "cannot make the grader's cache private: \(String(cString: strerror(errno)))")
        }
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
    /// - Parameters:
    ///   - owner: Whose code this is: a student's is compiled and linked in the sandbox.
    ///   - timeLimit: The compiler's wall-clock limit in seconds; `nil` takes the builder's default.
    ///   - optimized: Compiled with `-O`, for an experiment's training runs (seconds with it, minutes without).
    ///   - listed: The problem's harness entries (`ReferenceRunner.harnessEntries`): when they hold every one of
    ///     `entries`, the binary links that harness, which the reference's and every student's binary of the
    ///     problem share (compiled once), with the entries it lacks linked to `grader_missing`.
    public func build(
        fileName: String, source: [UInt8], entries: [HarnessEntry], owner: CodeOwner, timeLimit: Double? = nil,
        optimized: Bool = false, harness listed: [HarnessEntry]? = nil
    ) throws -> BuildResult {
        let compileSeconds = timeLimit ?? self.compileSeconds
        let (shims, harness, arguments, binary, definitions) = plan(
            fileName: fileName, source: source, entries: entries, optimized: optimized, harness: listed)
        let failure = binary + ".failed.json"
        if FileManager.default.isExecutableFile(atPath: binary) { return .built(binary: binary) }
        if let data = FileBytes.read(failure),
            let cached = try? JSONText.decode(CachedFailure.self, from: data)
        {
            return .failed(diagnostics: cached.diagnostics, log: cached.log)
        }

        let space = try buildSpace(for: owner, prefix: "build")
        defer { space.close() }
        // The file exactly as written, and the shims in a second file of the same module: an unclosed brace in the
        // file is reported in the file, never in a shim.
        try space.add(fileName, bytes: source)
        try space.add(Self.shimFileName, bytes: Array(shims.text.utf8))
        // On a first build, the harness runtime compiles and the link command is asked for beside the file's
        // compile, rather than after it (each once; later builds find them known).
        let compiled = parallelMap(count: 3, width: 3) { job -> Result<ProcessOutcome, Error>? in
            switch job {
            case 1:
                _ = try? harnessRuntime()
                return nil
            case 2:
                _ = linkCommand
                return nil
            default: break
            }
            return Result {
                try TimeLedger.shared.measure("compile: a file alone \(optimized ? "with -O" : "without -O")") {
                    try compile(arguments, in: space, seconds: compileSeconds)
                }
            }
        }
        guard let compiledFile = compiled[0] else { preconditionFailure("the file's compile is job 0") }
        let outcome = try compiledFile.get()
        if outcome.timedOut { return .timedOut(seconds: compileSeconds) }
        var log = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self).replacingOccurrences(
            of: space.path + "/", with: "")
        var diagnostics: [CompilerDiagnostic] = []
        if outcome.succeeded, space.hasFile("unit.o") {
            let harnessObjects = try harnessObjects(harness)
            for (index, object) in harnessObjects.enumerated() { try space.copy(object, as: "harness-\(index).o") }
            let linked = try linkOutcome(
                objects: harnessObjects.indices.map { "harness-\($0).o" } + ["unit.o"], definitions: definitions,
                output: "snippet", in: space)
            if linked.succeeded, try space.collect("snippet", to: binary, executable: true) {
                return .built(binary: binary)
            }
            if let fault = Self.writeFault(String(decoding: linked.stderr + linked.stdout, as: UTF8.self)) {
                throw GraderError.io(path: space.path, reason: "the linker could not write its output: \(fault)")
            }
            // The file compiled but does not link with the harness: it defines `main`, or a symbol the harness has.
            log =
                """
                \(fileName) compiled, but could not be linked into a program with the grader's harness: does it \
                define `main` (`@main`) or a C symbol (`@_cdecl`, `@c`, `@_silgen_name`) the program already has, \
                or import a module the grader does not link?
                """
        } else {
            diagnostics = Self.parseDiagnostics(log, fileName: fileName, shimLines: shims.lines, entries: entries)
            // Not the code's fault, and never cached as its failure: the disk was full or the folder read-only.
            if !diagnostics.contains(where: { $0.line != nil }), let fault = Self.writeFault(log) {
                throw GraderError.io(path: space.path, reason: "the compiler could not write its output: \(fault)")
            }
        }
        let result = CachedFailure(diagnostics: diagnostics, log: log)
        if !outcome.outputLimitExceeded, let data = try? JSONEncoder().encode(result) {
            try? data.write(to: URL(fileURLWithPath: failure), options: .atomic)
        }
        return .failed(diagnostics: diagnostics, log: log)
    }

    /// What `build` compiles for `entries` of `source`: the shims, the harness, the compiler's arguments, where
    /// the binary is cached, and the linker's `--defsym` definitions.
    ///
    /// With `listed` holding every entry (by name, with the same types), the harness is `listed`'s, each shim is
    /// exported under its entry's place in `listed`, and the places no shim fills are linked to `grader_missing`
    /// (`Harness.missingEntry`): a call to one of them fails the run, and no student file is built with them.
    func plan(
        fileName: String, source: [UInt8], entries: [HarnessEntry], optimized: Bool, harness listed: [HarnessEntry]?
    ) -> (
        shims: (text: String, lines: [ClosedRange<Int>]), harness: Harness, arguments: [String], binary: String,
        definitions: [String]
    ) {
        let symbol = { (index: Int) in "grader_entry_\(index)" }
        // Without a list that holds them all, the harness is the entries' own, each in its own place.
        let shared = listed.flatMap { listed in Self.places(of: entries, in: listed).map { (listed, $0) } }
        let (harnessEntries, places) = shared ?? (entries, Array(entries.indices))
        let shims = EntryShims.source(for: entries, symbol: { symbol(places[$0]) })
        let calls = EntryShims.harnessEntries(for: harnessEntries, symbol: symbol)
        let harness = Harness(
            entries: calls.entries, declarations: (shared == nil ? [] : Harness.missingEntry) + calls.declarations)
        let definitions = harnessEntries.indices.filter { !places.contains($0) }.map {
            "\(symbol($0))=grader_missing"
        }
        let arguments =
            (optimized ? Self.optimizedFlags : Self.flags)
            + ["-parse-as-library", "-wmo", "-c", fileName, Self.shimFileName, "-o", "unit.o"]
        let key = Self.binaryKey(
            compilerVersion: compilerVersion, arguments: arguments, source: source, shims: shims.text,
            harness: harness.source, runtime: Self.harnessRuntimeIdentity)
        return (shims, harness, arguments, "\(cacheDirectory)/bin/\(key)", definitions)
    }

    /// The place in `listed` of each of `entries`: the entry of the same name, which must take the same types (the
    /// harness decodes and encodes them); `nil` when one has no such entry.
    static func places(of entries: [HarnessEntry], in listed: [HarnessEntry]) -> [Int]? {
        var places: [Int] = []
        for entry in entries {
            guard
                let place = listed.firstIndex(where: {
                    $0.name == entry.name && $0.returnType == entry.returnType
                        && $0.parameters.map(\.type) == entry.parameters.map(\.type)
                }), !places.contains(place)
            else { return nil }
            places.append(place)
        }
        return places
    }

    /// The cache key of a binary built by `build`: everything that goes into it, the harness runtime's identity
    /// included (a harness's own source only imports the runtime).
    static func binaryKey(
        compilerVersion: String, arguments: [String], source: [UInt8], shims: String, harness: String, runtime: String
    ) -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        hasher.update(field: arguments.joined(separator: " "))
        hasher.update(source)
        hasher.update([0])
        hasher.update(field: shims)
        hasher.update(field: harness)
        hasher.update(field: runtime)
        return hasher.hexDigest()
    }

    /// A folder to build `owner`'s code in: in the sandbox for a student's, a private one of the grader's otherwise.
    func buildSpace(for owner: CodeOwner, prefix: String) throws -> BuildSpace {
        switch owner {
        case .student: return .confined(try sandbox.workFolder(for: .student, prefix: prefix), sandbox)
        case .trusted: return .trusted(try TemporaryDirectory(prefix: prefix, parent: cacheDirectory + "/tmp"))
        }
    }

    /// Runs the compiler with `arguments` in `space` and the shared module cache. A student's compile that finds
    /// the module cache wanting (a module it must not write) has the cache warmed again and runs once more.
    func compile(_ arguments: [String], in space: BuildSpace, seconds: Double) throws -> ProcessOutcome {
        _ = try toolchain.libraries(self)
        let full = arguments + ["-module-cache-path", toolchain.moduleCache]
        let run = { try space.run($0, readable: [self.toolchain.moduleCache], seconds: seconds) }
        let outcome = try runCompiler(full, run)
        guard case .confined = space, !outcome.succeeded, !outcome.timedOut,
            String(decoding: outcome.stderr, as: UTF8.self).contains(toolchain.moduleCache)
        else { return outcome }
        try toolchain.refresh(self)
        return try runCompiler(full, run)
    }

    /// The objects of `harness`: the runtime's (`harnessRuntime`), then its own `main.swift`'s, compiled alone as
    /// module `GraderHarness` against the runtime's module and cached by its source.
    func harnessObjects(_ harness: Harness) throws -> [String] {
        let runtime = try harnessRuntime()
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        hasher.update(field: Self.harnessFlags.joined(separator: " "))
        hasher.update(field: runtime.digest)
        hasher.update(field: harness.source)
        let folder = cacheDirectory + "/obj"
        let path = "\(folder)/harness-\(hasher.hexDigest().prefix(32)).o"
        if FileManager.default.fileExists(atPath: path) { return [runtime.object, path] }
        // A problem's reference and its students' files share one harness, and may be built side by side: the
        // second waits for the first's compile rather than compiling it again.
        let lock = harnessLocks.withLock { locks in
            if let known = locks[path] { return known }
            let made = NSLock()
            locks[path] = made
            return made
        }
        lock.lock()
        defer { lock.unlock() }
        if FileManager.default.fileExists(atPath: path) { return [runtime.object, path] }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let work = try TemporaryDirectory(prefix: "harness", parent: cacheDirectory + "/tmp")
        defer { work.remove() }
        guard FileManager.default.createFile(atPath: work.path + "/main.swift", contents: Data(harness.source.utf8))
        else {
            throw GraderError.io(
                path: work.path + "/main.swift",
                reason: "cannot write the harness's source\(FileBytes.lowSpaceNote(work.path))")
        }
        let outcome = try runTrustedCompiler(
            Self.harnessFlags + ["-I", runtime.folder, "-c", "main.swift", "-o", "harness.o"], in: work.path,
            seconds: 120)
        guard outcome.succeeded else { throw Self.harnessFault(path: path, outcome: outcome) }
        guard rename(work.path + "/harness.o", path) == 0 else {
            let cause = errno
            // Seen on a full disk: the compiler exits 0 and leaves no object.
            let reason =
                cause == ENOENT
                ? "the compiler reported success but wrote no harness.o" : String(cString: strerror(cause))
            throw GraderError.io(
                path: path,
                reason: "cannot put the compiled harness in place: \(reason)\(FileBytes.lowSpaceNote(work.path))")
        }
        return [runtime.object, path]
    }

    /// Where the harness runtime (`HarnessRuntime`) was compiled. Compiled on first use, one thread at a time, into
    /// a folder named by the compiler and `harnessRuntimeIdentity`, which appears whole (renamed into place) or not
    /// at all. A failure is kept for the run: the runtime is the grader's own code, and every later build would wait
    /// for it to fail the same way.
    ///
    /// The folder is in the toolchain's folder (`ToolchainCache`), beside the module cache, rather than in the
    /// grader's cache: the runtime depends on nothing but the compiler and the grader, so every cache of this user
    /// shares it, and a new cache (a student's first `grader grade`, a class graded afresh, each test) no longer
    /// compiles it again (0.7 s of CPU, on the way to every harness). Where the sandbox cannot keep files from
    /// students, the toolchain's folder is the run's own, and so is the runtime.
    func harnessRuntime() throws -> CompiledHarnessRuntime {
        try harnessRuntimeStore.withLock { known in
            if let known { return try known.get() }
            let compiled = Result { try compileHarnessRuntime() }
            known = compiled
            return try compiled.get()
        }
    }

    /// Compiles the harness runtime into the toolchain's folder unless it is there, complete, already.
    private func compileHarnessRuntime() throws -> CompiledHarnessRuntime {
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        hasher.update(field: Self.harnessRuntimeIdentity)
        let digest = hasher.hexDigest()
        let module = HarnessRuntime.moduleName
        let folder = try toolchainArtifact(
            "harness-runtime", digest: digest, files: ["runtime.o", "\(module).swiftmodule"], what: "harness runtime"
        ) { work, folder in
            _ = FileManager.default.createFile(
                atPath: work + "/runtime.swift", contents: Data(HarnessRuntime.source.utf8))
            let outcome = try runTrustedCompiler(
                Self.harnessRuntimeFlags + Self.harnessRuntimeOutputs, in: work, seconds: 120)
            guard outcome.succeeded else { throw Self.harnessFault(path: folder, outcome: outcome) }
        }
        return CompiledHarnessRuntime(folder: folder, object: folder + "/runtime.o", digest: digest)
    }

    /// The folder of the toolchain's folder (`ToolchainCache`) that holds `files`, compiled by `compile` unless
    /// they are there, complete, already; its name is `name` and the first 32 digits of `digest`, which must stand
    /// for everything the files depend on (the compiler, the source, the flags).
    ///
    /// For what depends on nothing but the compiler and the grader (the harness runtime, the batch's support
    /// object): every cache of this user shares it. `compile` is given a work folder in the toolchain's folder and
    /// the folder the files will be in (for its messages), and writes the files into the work folder's `out`, which
    /// is then made readable by all and writable by the grader alone, whatever its umask, and renamed into place:
    /// the folder appears whole or not at all. One that is not this user's, or that others could write, is
    /// compiled again.
    func toolchainArtifact(
        _ name: String, digest: String, files: [String], what: String,
        compile: (_ work: String, _ folder: String) throws -> Void
    ) throws -> String {
        let folder = "\(toolchain.folder)/\(name)-\(digest.prefix(32))"
        // Complete, and the grader's own: the folder and its files this user's and writable by no one else, the
        // folder not a link.
        let complete = {
            ([folder] + files.map { "\(folder)/\($0)" }).enumerated().allSatisfy { index, path in
                var info = stat()
                return lstat(path, &info) == 0 && info.st_uid == getuid() && info.st_mode & 0o022 == 0
                    && (info.st_mode & S_IFMT) == (index == 0 ? S_IFDIR : S_IFREG)
            }
        }
        if complete() { return folder }
        // Compiled in the same folder, so that the rename below stays on one file system.
        let work = try TemporaryDirectory(prefix: "compiling-\(name)", parent: toolchain.folder)
        defer { work.remove() }
        try FileManager.default.createDirectory(atPath: work.path + "/out", withIntermediateDirectories: false)
        try compile(work.path, folder)
        // A compile that succeeded without writing every file would put an incomplete folder in place.
        for file in files where !FileManager.default.fileExists(atPath: "\(work.path)/out/\(file)") {
            throw GraderError.io(path: folder, reason: "the compiled \(what) is missing \(file)")
        }
        ToolchainCache.publish(work.path + "/out")
        if rename(work.path + "/out", folder) != 0 {
            let reason = String(cString: strerror(errno))
            // Another grader sharing the folder put the same files in place first: theirs are as good.
            if complete() { return folder }
            // A folder left incomplete by something else, replaced.
            try? FileManager.default.removeItem(atPath: folder)
            guard rename(work.path + "/out", folder) == 0 || complete() else {
                throw GraderError.io(path: folder, reason: "cannot put the compiled \(what) in place: \(reason)")
            }
        }
        return folder
    }

    /// The harness runtime in the toolchain's folder: its folder (the module a harness imports), its object, and
    /// the digest of what made it (the compiler and `harnessRuntimeIdentity`).
    struct CompiledHarnessRuntime: Sendable {
        let folder: String
        let object: String
        let digest: String
    }

    /// The error for a harness (or its runtime) that did not compile: the grader's own fault.
    private static func harnessFault(path: String, outcome: ProcessOutcome) -> GraderError {
        let said =
            outcome.timedOut
            ? "the compiler ran over its limit" : String(decoding: outcome.stderr, as: UTF8.self).prefix(2000)
        return GraderError.io(path: path, reason: "the grader's harness does not compile: \(said)")
    }

    /// Runs `swiftc` with `arguments` on trusted code (a reference, the harness) in the grader's private `folder`,
    /// with a clean environment, the shared module cache (which it may fill) and a wall-clock limit.
    func runTrustedCompiler(_ arguments: [String], in folder: String, seconds: Double) throws -> ProcessOutcome {
        try runCompiler(arguments + ["-module-cache-path", toolchain.moduleCache]) {
            try Self.runDirectly($0, in: folder, seconds: seconds)
        }
    }

    /// Compiles with `arguments` through `run`: the frontend itself where the driver's plan for such a call is known
    /// (`FrontendCommand`), else the driver. A direct run that fails without a message on any of its files (a plan
    /// gone stale: a toolchain replaced during the run) is run again through the driver, whose outcome stands; when
    /// the driver succeeds, calls of that shape go through it from then on. A timeout is not run again. A message
    /// names `<name>.swift` as `<name>.swift:` or, after a shared call's location line
    /// (`BatchCompiler.locationLine`), at the start of a line as `<name>/<problem>.swift:`.
    func runCompiler(_ arguments: [String], _ run: ([String]) throws -> ProcessOutcome) throws -> ProcessOutcome {
        guard let direct = frontendCommands.command(swiftc: swiftc, arguments: arguments) else {
            return try run([swiftc] + arguments)
        }
        let outcome = try run(direct.command)
        guard !outcome.succeeded, !outcome.timedOut else { return outcome }
        let log = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self)
        let located = Set(log.split(separator: "\n").compactMap(BatchCompiler.locatedUnit))
        let named = direct.sources.contains { source in
            log.contains("\(source):") || located.contains(source.dropLast(".swift".count))
        }
        guard !named else { return outcome }
        let driven = try run([swiftc] + arguments)
        if driven.succeeded { frontendCommands.refuse(arguments) }
        return driven
    }

    /// Runs a tool on trusted input, outside the sandbox, in `folder`: a clean environment, bounded output and a
    /// wall-clock limit.
    static func runDirectly(_ command: [String], in folder: String, seconds: Double) throws -> ProcessOutcome {
        var request = ProcessRequest(executable: command[0], arguments: Array(command.dropFirst()))
        request.environment = environment(temporary: folder)
        request.workingDirectory = folder
        request.purpose = "\((command[0] as NSString).lastPathComponent), trusted input"
        request.wallSeconds = seconds
        request.outputLimit = 16 << 20
        request.keptOutput = 256 << 10
        return try ProcessRunner.run(request)
    }

    /// Links `objects` (files in `space`) into an executable named `output` there, defining each `alias=symbol` of
    /// `definitions`; false when the link fails. Calls `ld.lld` directly with the grader's own library list when its
    /// command line could be derived from the driver (about 0.05 s against 0.4 s through `swiftc`), else links
    /// through `swiftc`.
    func link(objects: [String], definitions: [String], output: String, in space: BuildSpace) throws -> Bool {
        try linkOutcome(objects: objects, definitions: definitions, output: output, in: space).succeeded
    }

    /// Links `objects` into `output` in `space`, returning the linker's run.
    ///
    /// The link is tried first without Foundation's libraries (`LinkCommand.lean`): reading them is about a third of
    /// a link's time, and code that calls nothing of theirs (`sqrt` and `pow` are the C library's) links the same
    /// binary without them. Code that needs them fails that link and is linked again with every library.
    func linkOutcome(objects: [String], definitions: [String], output: String, in space: BuildSpace) throws
        -> ProcessOutcome
    {
        if let linker = linkCommand {
            let libraries = try toolchain.libraries(self)
            let run = { (linker: LinkCommand, libraries: [String]) in
                let arguments =
                    linker.arguments(objects: objects, libraries: libraries, output: output)
                    + definitions.map { "--defsym=\($0)" }
                return try space.run([linker.executable] + arguments, readable: [], seconds: 60)
            }
            let lean = LinkCommand.lean(libraries)
            if lean.count < libraries.count {
                let outcome = try run(linker, lean)
                if outcome.succeeded || outcome.timedOut { return outcome }
            }
            let outcome = try run(linker, libraries)
            // A remembered command that no longer links is asked for anew, once a run, before the code is blamed.
            guard !outcome.succeeded,
                let fresh = linkCommandStore.rederived(swiftc: swiftc, memo: { linkCommandMemoPath() })
            else { return outcome }
            return try run(fresh, libraries)
        }
        let arguments = objects + definitions.flatMap { ["-Xlinker", "--defsym=\($0)"] } + ["-o", output]
        return try space.run([swiftc] + arguments, readable: [toolchain.moduleCache], seconds: 120)
    }

    /// The line of a compiler's or linker's output that says it could not write a file (a full disk, a read-only
    /// or over-quota folder), if one does. The system's words end the line, bare or in the single quotes Clang's
    /// module writer puts them in (`unable to open output file '...pcm': 'No space left on device'`). A line about
    /// a symbol is never one: the linker prints an undefined symbol's name as the code spelled it
    /// (`@_silgen_name("x: No space left on device")`), and a student must not pass a failed link off as the disk's.
    static func writeFault(_ log: String) -> String? {
        let reasons = ["No space left on device", "Read-only file system", "Disk quota exceeded"]
        return log.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { line in
            !line.contains("symbol") && !line.contains("undefined reference")
                && reasons.contains { line.hasSuffix(": \($0)") || line.hasSuffix(": '\($0)'") }
        }.map { ReportText.clean($0, limit: 300) }
    }

    /// The direct linker command, derived once from `swiftc -###` and `clang -###` (`nil` where that fails), and
    /// kept in the cache beside the compiler's version when student code cannot write the cache, under the build
    /// identities of the toolchain and of the grader (whose `derive` may change).
    var linkCommand: LinkCommand? { linkCommandStore.value(swiftc: swiftc) { linkCommandMemoPath() } }

    /// Where the link command is remembered; `nil` when student code could write the cache.
    func linkCommandMemoPath() -> String? {
        guard sandbox.keepsFilesFromStudents else { return nil }
        var hasher = SHA256Hasher()
        hasher.update(field: Self.toolchainIdentity(of: swiftc))
        hasher.update(field: FileBytes.graderBuild)
        return "\(cacheDirectory)/link-command-\(hasher.hexDigest().prefix(24))"
    }
    private let linkCommandStore = LazyLinkCommand()
    private let frontendCommands: FrontendCommands
    private let harnessRuntimeStore = Locked<Result<CompiledHarnessRuntime, Error>?>(nil)
    /// One lock per harness object being compiled in this run (`harnessObjects`).
    private let harnessLocks = Locked([String: NSLock]())

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
    static func parseDiagnostics(
        _ log: String, fileName: String, shimLines: [ClosedRange<Int>], entries: [HarnessEntry]
    ) -> [CompilerDiagnostic] {
        var diagnostics: [CompilerDiagnostic] = []
        for rawLine in log.split(separator: "\n") {
            for (file, isShim) in [(fileName, false), (shimFileName, true)] where rawLine.hasPrefix(file + ":") {
                let pieces = rawLine.dropFirst(file.count + 1).split(
                    separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
                guard pieces.count == 4, let lineNumber = Int(pieces[0]), let column = Int(pieces[1]),
                    pieces[2].trimmingCharacters(in: .whitespaces) == "error"
                else { continue }
                let message = pieces[3].trimmingCharacters(in: .whitespaces)
                if isShim {
                    let shim = shimLines.firstIndex { $0.contains(lineNumber) }
                    diagnostics.append(
                        CompilerDiagnostic(
                            line: nil, column: nil, severity: .error, message: message,
                            entry: shim.map { entries[$0].name }))
                } else {
                    diagnostics.append(
                        CompilerDiagnostic(
                            line: lineNumber, column: column, severity: .error, message: message, entry: nil))
                }
            }
        }
        return diagnostics
    }
}

/// Where a build happens: in the sandbox for a student's code, in a private folder of the grader's for trusted code.
enum BuildSpace {
    case confined(WorkFolder, Sandbox)
    case trusted(TemporaryDirectory)

    var path: String {
        switch self {
        case .confined(let folder, _): return folder.path
        case .trusted(let folder): return folder.path
        }
    }

    /// Writes a file the build reads.
    func add(_ name: String, bytes: [UInt8]) throws {
        switch self {
        case .confined(let folder, _): try folder.add(name, bytes: bytes)
        case .trusted(let folder):
            try WorkFolder.writeAtomically(bytes, to: "\(folder.path)/\(name)", mode: 0o644)
        }
    }

    /// Copies one of the grader's files (an object from the cache) in as `name`.
    func copy(_ source: String, as name: String) throws {
        guard let bytes = WorkFolder.readRegularFile(source, limit: WorkFolder.largestOutput) else {
            throw GraderError.io(path: source, reason: "cannot be read to copy it into a build folder")
        }
        try add(name, bytes: bytes)
    }

    /// Whether the build left a regular file `name`.
    func hasFile(_ name: String) -> Bool {
        var info = stat()
        return lstat("\(path)/\(name)", &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Copies the regular file `name` the build made to `destination`, atomically; false when there is none.
    func collect(_ name: String, to destination: String, executable: Bool = false) throws -> Bool {
        switch self {
        case .confined(let folder, _): return try folder.collect(name, to: destination, executable: executable)
        case .trusted(let folder):
            guard hasFile(name) else { return false }
            if executable { chmod("\(folder.path)/\(name)", 0o755) }
            if rename("\(folder.path)/\(name)", destination) != 0 {
                throw GraderError.io(path: destination, reason: String(cString: strerror(errno)))
            }
            return true
        }
    }

    /// Runs a tool (the compiler, the linker) in the space: confined with `readable` visible, or directly.
    func run(_ command: [String], readable: [String], seconds: Double) throws -> ProcessOutcome {
        switch self {
        case .confined(let folder, let sandbox):
            return try sandbox.runTool(
                command, in: folder, readable: readable, limits: ToolLimits(wallSeconds: seconds))
        case .trusted(let folder):
            return try SnippetBuilder.runDirectly(command, in: folder.path, seconds: seconds)
        }
    }

    func close() {
        switch self {
        case .confined(let folder, _): folder.close()
        case .trusted(let folder): folder.remove()
        }
    }
}

/// A temporary folder removed when the work is done.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// Creates a fresh, private folder under `parent` (created if needed).
    public init(prefix: String, parent: String = NSTemporaryDirectory()) throws {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let folder = parent.count > 1 && parent.hasSuffix("/") ? String(parent.dropLast()) : parent
        var template = Array("\(folder)/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw GraderError.io(
                path: parent, reason: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
