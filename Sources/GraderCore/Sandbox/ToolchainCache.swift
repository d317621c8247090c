import Foundation

/// What every compile shares and no student's compile may change: the clang module cache (the system's and the
/// Swift runtime's C headers, precompiled) and the libraries every snippet is linked against. The same folder holds
/// the compiled harness runtime (`SnippetBuilder.harnessRuntime`) and the batch's support object
/// (`BatchCompiler.supportObject`), which depend only on the compiler and the grader.
/// (The driver's plans, which run outside the sandbox, are kept in the private cache instead: `FrontendCommands`.)
///
/// Trusted compiles fill it; student compiles and links, which run in the sandbox, see it read-only. It lives in the
/// temporary folder rather than in the grader's cache because the sandbox's uids must reach it, and the grader's
/// cache is private (`~/.cache` is often inside a home folder nobody else may enter). A precompiled module records
/// the path of its cache, so the folder keeps one path across runs and modes: `grader-toolchain-<uid>-<compiler>`.
///
/// The libraries are those the toolchain's own modules ask for (Foundation, Dispatch, Glibc, ...), read from a
/// trusted object that imports them all. A student's object is never asked: what it carries in its autolink
/// section (which can hold any linker option) is never read by anything.
///
/// A class because the warm-up happens once, on first need, for every thread.
final class ToolchainCache: @unchecked Sendable {
    let folder: String
    var moduleCache: String { folder + "/modules" }
    private let state = Locked<[String]?>(nil)

    /// The modules a student's file may import; each one's C headers are precompiled by the warm-up.
    static let modules = [
        "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Dispatch", "Glibc",
        "Synchronization",
        "RegexBuilder", "Observation", "_Differentiation", "Distributed",
    ]

    /// Uses `folder`, which must be this user's alone; see `sharedFolder`.
    init(folder: String) { self.folder = folder }

    /// The shared folder for this user and compiler in the temporary folder, created if needed; a private fresh one
    /// when that name is taken by a folder another user could have written.
    static func sharedFolder(compilerVersion: String) throws -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: compilerVersion)
        let parent =
            NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        let path = "\(parent)/grader-toolchain-\(getuid())-\(hasher.hexDigest().prefix(12))"
        if mkdir(path, 0o755) == 0 || errno == EEXIST {
            var info = stat()
            if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(),
                info.st_mode & 0o022 == 0
            {
                chmod(path, 0o755)
                return path
            }
        }
        // Someone else's folder (or a link) under that name: never trust what it holds.
        let fresh = try TemporaryDirectory(prefix: "grader-toolchain-\(getuid())", parent: parent)
        chmod(fresh.path, 0o755)
        return fresh.path
    }

    /// The libraries to link, warming the module cache first if it is not ready for these compiler flags.
    func libraries(_ builder: SnippetBuilder) throws -> [String] {
        try state.withLock { state in
            if let ready = state { return ready }
            let ready = try readyLibraries() ?? warmUp(builder)
            state = ready
            return ready
        }
    }

    /// Compiles the warm-up again and republishes the module cache: for a student compile that found a module
    /// missing or unreadable (a system header upgraded since the warm-up, say).
    func refresh(_ builder: SnippetBuilder) throws {
        try state.withLock { state in
            unlink(stampPath)
            state = try warmUp(builder)
        }
    }

    private var stampPath: String { "\(folder)/ready-\(Self.flagsDigest)" }
    private var librariesPath: String { "\(folder)/libraries-\(Self.flagsDigest).txt" }
    private static let flagsDigest: String = {
        var hasher = SHA256Hasher()
        hasher.update(field: SnippetBuilder.flags.joined(separator: " "))
        hasher.update(field: modules.joined(separator: " "))
        return String(hasher.hexDigest().prefix(12))
    }()

    private func readyLibraries() -> [String]? {
        guard FileManager.default.fileExists(atPath: stampPath),
            let bytes = WorkFolder.readRegularFile(librariesPath, limit: 1 << 20)
        else { return nil }
        let libraries = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        return libraries.isEmpty ? nil : libraries
    }

    /// Compiles a file that imports every module (each alone where they do not compile together), with the flags
    /// of student compiles, then reads the libraries from the objects and makes the module cache readable to all.
    private func warmUp(_ builder: SnippetBuilder) throws -> [String] {
        try FileManager.default.createDirectory(atPath: moduleCache, withIntermediateDirectories: true)
        let work = try TemporaryDirectory(prefix: "warm-up", parent: builder.cacheDirectory + "/tmp")
        defer { work.remove() }
        /// What the last compile that failed said.
        var said = ""
        func compile(_ modules: [String], name: String) throws -> String? {
            let source = modules.map { "import \($0)\n" }.joined() + "func __graderWarmUp() {}\n"
            _ = FileManager.default.createFile(atPath: "\(work.path)/\(name).swift", contents: Data(source.utf8))
            let outcome = try builder.runTrustedCompiler(
                SnippetBuilder.flags + ["-parse-as-library", "-wmo", "-c", "\(name).swift", "-o", "\(name).o"],
                in: work.path, seconds: 300)
            if !outcome.succeeded { said = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self) }
            return outcome.succeeded ? "\(name).o" : nil
        }
        var objects: [String] = []
        if let all = try compile(Self.modules, name: "all") {
            objects = [all]
        } else {
            for (index, module) in Self.modules.enumerated() {
                if let object = try compile([module], name: "module\(index)") { objects.append(object) }
            }
        }
        guard !objects.isEmpty else {
            // A full disk is not a toolchain that cannot import Foundation: say which it is.
            if let fault = SnippetBuilder.writeFault(said) {
                // The module cache is in the toolchain's folder (under TMPDIR), the objects in the cache's.
                throw GraderError.io(
                    path: fault.contains(folder) ? folder : builder.cacheDirectory,
                    reason: """
                        the compiler could not write there (free space, or point TMPDIR or --cache at a folder with \
                        room): \(fault)
                        """)
            }
            let error = said.split(separator: "\n").first { $0.contains("error:") }.map {
                ReportText.clean(String($0), limit: 400)
            }
            throw GraderError.io(
                path: builder.swiftc,
                reason: "the compiler cannot import Foundation or Glibc with the grader's flags"
                    + (error.map { "; it said: \($0)" } ?? ""))
        }
        guard let extract = builder.linkCommand?.autolinkExtract ?? Self.autolinkExtract(beside: builder.swiftc)
        else {
            throw GraderError.io(path: builder.swiftc, reason: "no swift-autolink-extract beside the compiler")
        }
        guard
            try SnippetBuilder.runDirectly([extract] + objects + ["-o", "autolink.txt"], in: work.path, seconds: 60)
                .succeeded, let listed = FileBytes.read(work.path + "/autolink.txt")
        else {
            throw GraderError.io(path: extract, reason: "cannot list the libraries the toolchain's modules need")
        }
        var libraries: [String] = []
        for line in String(decoding: listed, as: UTF8.self).split(whereSeparator: \.isNewline)
        where !libraries.contains(String(line)) {
            libraries.append(String(line))
        }
        Self.publish(moduleCache)
        try WorkFolder.writeAtomically(Array(libraries.joined(separator: "\n").utf8), to: librariesPath, mode: 0o644)
        try WorkFolder.writeAtomically([], to: stampPath, mode: 0o644)
        return libraries
    }

    /// `swift-autolink-extract` next to `swiftc`.
    static func autolinkExtract(beside swiftc: String) -> String? {
        let path = URL(fileURLWithPath: swiftc).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("swift-autolink-extract").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Makes every folder under `root` readable and traversable by all and every file readable by all: the
    /// compiler writes its module cache with the grader's umask, and the sandbox's uids must read it.
    static func publish(_ root: String) {
        chmod(root, 0o755)
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return }
        while let relative = enumerator.nextObject() as? String {
            let path = "\(root)/\(relative)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: chmod(path, 0o755)
            case S_IFREG: chmod(path, 0o644)
            default: continue
            }
        }
    }
}
