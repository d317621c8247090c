import Foundation

/// Limits applied to every snippet run; defaults, overridden per problem and then on the command line.
public struct SandboxLimits: Sendable, Equatable, Codable {
    public var wallSeconds: Double = 10
    public var cpuSeconds: Int = 5
    public var memoryMegabytes: Int = 1024
    public var outputKilobytes: Int = 4096
    public var compileSeconds: Double = 60
    /// Bytes a snippet may write to files in its scratch space.
    public var fileKilobytes: Int = 16384
    public var openFiles: Int = 64
    /// Processes and threads of the sandbox user; a correct snippet starts none. Memory per part is bounded by
    /// `processes × memoryMegabytes`, so this stays small.
    public var processes: Int = 8

    public init() {}

    /// The limits in words, as every report prints them.
    public var summary: String {
        "wall \(NumberFormatting.compact(wallSeconds)) s, CPU \(cpuSeconds) s, memory \(memoryMegabytes) MB, "
            + "output \(outputKilobytes) KiB, compile \(NumberFormatting.compact(compileSeconds)) s"
    }

    /// These limits with the fields `overrides` sets replaced.
    public func applying(_ overrides: LimitOverrides) -> SandboxLimits {
        var limits = self
        if let value = overrides.wallSeconds { limits.wallSeconds = value }
        if let value = overrides.cpuSeconds { limits.cpuSeconds = value }
        if let value = overrides.memoryMegabytes { limits.memoryMegabytes = value }
        if let value = overrides.outputKilobytes { limits.outputKilobytes = value }
        if let value = overrides.compileSeconds { limits.compileSeconds = value }
        return limits
    }
}

/// How isolated snippets run on this machine, found by probing once.
public struct SandboxStatus: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable {
        /// bubblewrap: own mount, PID, network, IPC and UTS namespaces, unprivileged uid, read-only system files.
        case namespaces
        /// No namespaces: rlimits, a wall-clock timeout, a clean environment and a scratch folder only.
        case rlimitsOnly = "rlimits-only"
    }

    public let mode: Mode
    /// What the mode does not promise, said in every report when isolation is missing.
    public let note: String
}

/// Runs compiled snippets in isolation: bubblewrap namespaces when available, rlimits and timeouts otherwise.
///
/// Why bubblewrap with a dynamically linked binary: measured on the 2-core build machine, a snippet that imports
/// Foundation compiles in about 0.37 s dynamically against about 4.6 s with `-static-executable`, while starting
/// under bubblewrap costs about 20 ms against about 9 ms for a static binary under `unshare --root`. Compilation
/// dominates, so the dynamic binary wins by an order of magnitude per file.
///
/// A class because it owns a staging folder for the run that must be removed exactly once (`close()`), and
/// because staged binaries are shared between worker threads.
public final class Sandbox: @unchecked Sendable {
    public let status: SandboxStatus
    private let bubblewrap: String?
    /// `setpriv`, used when the grader runs as root so the sandbox runs as `nobody` even outside its namespace.
    private let setpriv: String?
    private let runtimeLibraries: String
    /// `grader-launch`, staged: sets the limits before the student's binary is loaded, and in the fallback mode ties
    /// every process of a run to the grader's life.
    private let launcher: String
    private let staging: TemporaryDirectory
    private let staged = Locked([String: String]())

    /// The uid inside the sandbox, and outside it when no uid of a run's own is free.
    static let sandboxUID = 65534
    /// The first of the uids runs use outside the sandbox when the grader is root, far above any account's uid.
    static let runUIDBase = 0x7FFF_0000
    /// Free uids for runs going on at once (root only): each run gets one to itself, so that one run's processes
    /// never count against another's RLIMIT_NPROC and a fork bomb in one student's part cannot stop a classmate's.
    /// Which block of 64 a grader takes depends on its pid, so graders running at once rarely share uids.
    private let freeRunUIDs = Locked((0..<64).map { Sandbox.runUIDBase + (Int(getpid()) % 1024) * 64 + $0 })

    /// Probes for bubblewrap and namespaces.
    ///
    /// - Parameters:
    ///   - runtimeLibraries: The Swift runtime folder the snippet binaries link against.
    ///   - requireIsolation: Throw instead of falling back to rlimits only.
    ///   - disableNamespaces: Skip the probe and use rlimits only (for testing the fallback).
    public init(runtimeLibraries: String, requireIsolation: Bool, disableNamespaces: Bool = false) throws {
        self.runtimeLibraries = runtimeLibraries
        let launcherSource = try Self.findLauncher()
        staging = try TemporaryDirectory(prefix: StagingFolders.prefix)
        // Traversable but not listable: the sandbox user can open a staged binary only by its exact name.
        chmod(staging.path, 0o711)
        StagingFolders.claim(staging.path)
        StagingFolders.removeStale(in: (staging.path as NSString).deletingLastPathComponent, keep: staging.path)
        do {
            launcher = try Self.stage(launcherSource, into: staging.path, name: "grader-launch")
        } catch {
            staging.remove()
            throw error
        }
        setpriv = getuid() == 0 ? ProcessRunner.which("setpriv") : nil
        let candidate = disableNamespaces ? nil : ProcessRunner.which("bwrap")
        var reason = disableNamespaces ? "namespaces disabled by --no-namespaces" : "bubblewrap (bwrap) is not installed"
        bubblewrap = candidate
        if candidate != nil {
            reason = Self.probe(bubblewrap: candidate!, setpriv: setpriv, runtimeLibraries: runtimeLibraries)
        }
        if candidate != nil && reason.isEmpty {
            status = SandboxStatus(mode: .namespaces, note: "")
        } else {
            if requireIsolation {
                staging.remove()
                throw GraderError.sandboxUnavailable(reason: reason)
            }
            // Without a PID namespace, a process that calls setsid() escapes the group kill; as subreaper the
            // grader inherits such orphans and kills them after each run.
            OrphanReaper.adopt()
            let user = getuid() == 0
                ? "as an unprivileged uid of its own, so it could read any world-readable file"
                : "as the grader's own user, so it could read and change any file that user can, including what the grader keeps (the grader kept reference outputs in memory and cached nothing, but cannot vouch for these grades)"
            status = SandboxStatus(
                mode: .rlimitsOnly,
                note: "no namespace sandbox (\(reason)): student code ran with rlimits, a timeout and a clean environment only, \(user), and it could use the network; not for final grades")
        }
    }

    /// `grader-launch` next to the running executable (the grader, or the test bundle in the same build folder),
    /// else on `PATH`.
    static func findLauncher() throws -> String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent("grader-launch").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        if let found = ProcessRunner.which("grader-launch") { return found }
        throw GraderError.toolMissing(
            name: "grader-launch",
            hint: "it is built with the grader (`swift build`) and must be installed next to the grader executable or on PATH; student code never runs without it")
    }

    /// The launcher's options that set `limits` on the process it starts.
    static func launcherLimits(_ limits: SandboxLimits) -> [String] {
        [
            "--cpu", "\(limits.cpuSeconds)", "--memory", "\(limits.memoryMegabytes << 20)", "--file-size", "\(limits.fileKilobytes << 10)",
            "--open-files", "\(limits.openFiles)", "--processes", "\(limits.processes)",
        ]
    }

    /// The bubblewrap arguments that isolate `binary` (visible inside as `/sandbox/snippet`, the launcher as
    /// `/sandbox/launch`).
    private func bubblewrapArguments(binary: String) -> [String] {
        var arguments = [
            "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--uid", "\(Self.sandboxUID)", "--gid", "\(Self.sandboxUID)", "--hostname", "sandbox",
            "--setenv", "SWIFT_BACKTRACE", "enable=no", "--setenv", "PATH", "/usr/bin:/bin",
            "--ro-bind", "/usr", "/usr",
        ]
        for path in ["/lib", "/lib64", "/lib32"] where FileManager.default.fileExists(atPath: path) {
            arguments += ["--ro-bind", path, path]
        }
        if !runtimeLibraries.hasPrefix("/usr/") { arguments += ["--ro-bind", runtimeLibraries, runtimeLibraries] }
        arguments += [
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", launcher, "/sandbox/launch",
            "--ro-bind", binary, "/sandbox/snippet", "--chdir", "/tmp",
        ]
        return arguments
    }

    /// Returns "" when a bubblewrap sandbox starts, else the reason it does not.
    private static func probe(bubblewrap: String, setpriv: String?, runtimeLibraries: String) -> String {
        var arguments = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--ro-bind", "/usr", "/usr"]
        for path in ["/lib", "/lib64"] where FileManager.default.fileExists(atPath: path) { arguments += ["--ro-bind", path, path] }
        arguments += ["--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
        var request: ProcessRequest
        if let setpriv {
            request = ProcessRequest(executable: setpriv, arguments: ["--reuid", "\(sandboxUID)", "--regid", "\(sandboxUID)", "--clear-groups", "--", bubblewrap] + arguments)
        } else {
            request = ProcessRequest(executable: bubblewrap, arguments: arguments)
        }
        request.wallSeconds = 10
        guard let outcome = try? ProcessRunner.run(request) else { return "bubblewrap could not be started" }
        if outcome.succeeded { return "" }
        let message = String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return "bubblewrap failed: \(message.isEmpty ? "exit \(outcome.termination)" : message)"
    }

    /// Runs one entry of a compiled harness on `trials` (one line of wire tokens each) under `limits`.
    ///
    /// The limits are set by `grader-launch` before the student's binary is loaded, never by the harness: code in
    /// the student's file (a shadowed `setrlimit`, a constructor that runs before `main`) cannot raise or skip them.
    public func run(binary: String, entry: String, trials: [String], limits: SandboxLimits) throws -> ProcessOutcome {
        let stagedBinary = try stage(binary)
        let runUID = getuid() == 0 ? freeRunUIDs.withLock { $0.popLast() } ?? Self.sandboxUID : Self.sandboxUID
        defer { if runUID != Self.sandboxUID { freeRunUIDs.withLock { $0.append(runUID) } } }
        var request: ProcessRequest
        var scratch: TemporaryDirectory?
        if status.mode == .namespaces, let bubblewrap {
            let prefix = setpriv.map { [$0, "--reuid", "\(runUID)", "--regid", "\(runUID)", "--clear-groups", "--"] } ?? []
            let command = prefix + [bubblewrap] + bubblewrapArguments(binary: stagedBinary)
                + ["--", "/sandbox/launch"] + Self.launcherLimits(limits) + ["--", "/sandbox/snippet", entry]
            request = ProcessRequest(executable: command[0], arguments: Array(command.dropFirst()))
        } else {
            let folder = try TemporaryDirectory(prefix: "scratch", parent: staging.path)
            scratch = folder
            // As root, the launcher drops to the run's uid itself and stays root, so the student's code cannot kill it.
            let user = getuid() == 0 ? ["--user", "\(runUID):\(runUID)"] : []
            if !user.isEmpty { chown(folder.path, uid_t(runUID), gid_t(runUID)) }
            let command = [launcher] + Self.launcherLimits(limits) + ["--parent", "\(getpid())"] + user + ["--", stagedBinary, entry]
            request = ProcessRequest(executable: command[0], arguments: Array(command.dropFirst()))
            request.workingDirectory = folder.path
            // The same clean environment bubblewrap's --clearenv/--setenv gives; none of the grader's variables.
            request.environment = ["SWIFT_BACKTRACE=enable=no", "PATH=/usr/bin:/bin", "HOME=\(folder.path)", "TMPDIR=\(folder.path)"]
        }
        // Stopping a run kills the launcher's (or bubblewrap's) children first and lets it exit once all are gone.
        request.stopsThroughChildren = true
        defer { scratch?.remove() }
        request.input = Array(trials.map { $0 + "\n" }.joined().utf8)
        request.wallSeconds = limits.wallSeconds
        request.outputLimit = limits.outputKilobytes << 10
        var outcome = try ProcessRunner.run(request)
        if status.mode == .rlimitsOnly { OrphanReaper.killOrphans() }
        // bubblewrap and the launcher report a child killed by signal n as exit status 128 + n, as shells do.
        if case .exited(let code) = outcome.termination, (129...159).contains(code) {
            outcome.termination = .signaled(code - 128)
        }
        return outcome
    }

    /// Copies a cached binary into the staging folder, readable by the sandbox user, once per run.
    private func stage(_ binary: String) throws -> String {
        if let path = staged.withLock({ $0[binary] }) { return path }
        let target = try Self.stage(binary, into: staging.path, name: URL(fileURLWithPath: binary).lastPathComponent)
        staged.withLock { $0[binary] = target }
        return target
    }

    /// Copies `binary` to `folder/name`, executable by anyone, atomically; returns the copy's path.
    private static func stage(_ binary: String, into folder: String, name: String) throws -> String {
        let target = "\(folder)/\(name)"
        if !FileManager.default.fileExists(atPath: target) {
            let temporary = target + ".tmp\(UInt32.random(in: 0...UInt32.max))"
            do {
                try FileManager.default.copyItem(atPath: binary, toPath: temporary)
            } catch {
                throw GraderError.io(path: binary, reason: "cannot stage it for the sandbox: \(error.localizedDescription)")
            }
            chmod(temporary, 0o755)
            rename(temporary, target)
        }
        return target
    }

    /// A folder inside this run's staging folder that only the grader's user may enter, removed by `close()`.
    public func privateFolder(named name: String) throws -> String {
        let path = "\(staging.path)/\(name)"
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw GraderError.io(path: path, reason: "cannot create a private folder: \(String(cString: strerror(errno)))")
        }
        return path
    }

    /// Removes the staging folder.
    public func close() { staging.remove() }
}
