import Foundation

/// How isolated snippets run on this machine, found by probing once.
public struct SandboxStatus: Sendable, Codable, Equatable {
    /// The keys in the order of their bytes, which `writeMembers` writes them in.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, note
    }
    public enum Mode: String, Sendable, Codable {
        /// bubblewrap: own mount, PID, network, IPC and UTS namespaces, unprivileged uid, read-only system files.
        case namespaces
        /// No namespaces: rlimits, a wall-clock timeout, a clean environment, a scratch folder, a uid of its own
        /// (as root) and Landlock where the kernel has it; the note says which of these held.
        case rlimitsOnly = "rlimits-only"
    }

    public let mode: Mode
    /// What the mode does not promise, said in every report when isolation is missing.
    public let note: String
}

/// Runs compiled snippets, and the tools that read student code (the compiler, the linker), in isolation:
/// bubblewrap namespaces when available, else `grader-launch` alone with rlimits, a uid of the run's own (as root)
/// and Landlock (where the kernel has it).
///
/// Why bubblewrap with a dynamically linked binary: measured on the 2-core build machine, a snippet that imports
/// Foundation compiles in about 0.37 s dynamically against about 4.6 s with `-static-executable`, while starting
/// under bubblewrap costs about 20 ms against about 9 ms for a static binary under `unshare --root`. Compilation
/// dominates, so the dynamic binary wins by an order of magnitude per file.
///
/// Every confined process gets a folder of its own in the staging folder (`WorkFolder`), private to the uid it runs
/// as; student code and trusted code never share a uid (`RunIdentities`), and without namespaces never run at the
/// same time (`TrustGate`).
///
/// A class because it owns a staging folder for the run that must be removed exactly once (`close()`), and the
/// uid pools every worker thread shares.
public final class Sandbox: @unchecked Sendable {
    public let status: SandboxStatus
    private let bubblewrap: String?
    private let runtimeLibraries: String
    /// The compiler's installation (`/opt/swift/usr`), which tools see read-only; `nil` when it is under `/usr`.
    private let toolchain: String?
    /// `grader-launch`, staged: sets the limits before the student's binary is loaded, and in the fallback mode ties
    /// every process of a run to the grader's life and applies Landlock.
    private let launcher: String
    private let staging: TemporaryDirectory
    /// Work folders of builds and runs: traversable by every sandbox uid, each folder inside private to one.
    private let workArea: String
    private let identities = RunIdentities()
    /// Trusted and student processes apart; only without namespaces, where they could see each other.
    private let gate: TrustGate?
    /// The Landlock ABI the fallback confines processes with; 0 when it does not (or with namespaces).
    let landlockABI: Int
    /// Sandboxes kept between the runs of a group (`RunGroup`), idle, by group, binary and owner.
    private let idleSessions = Locked<[SessionKey: [SandboxSession]]>([:])
    /// Groups ended (`endGroup`): a session coming back from one of them ends instead of waiting.
    private let endedGroups = Locked<Set<RunGroup>>([])
    private let groupNumbers = Locked(0)
    /// Whether shared sandboxes start here; the first that does not start (bubblewrap fails, or the launcher never
    /// says it is ready) turns them off. A run that fails in a sandbox that had started turns nothing off.
    private let sessionsWork = Locked(true)
    /// The most sandboxes kept idle at once: each holds a uid while it waits, and student code has 48
    /// (`RunIdentities`), which the compiles and the runs under way need too.
    static let idleSessionLimit = RunIdentities.studentShare / 3

    /// Runs that may share one sandbox, one after another (`SandboxSession`): one student's code in one phase of a
    /// grading. Nothing of one run is alive or kept when the next starts; what the group saves is bubblewrap's start.
    public struct RunGroup: Hashable, Sendable {
        let number: Int
    }

    /// Which idle sandbox a run may take: its group's, for the same binary and owner.
    private struct SessionKey: Hashable {
        let group: RunGroup
        let binary: String
        let owner: CodeOwner
    }

    /// The uid inside the sandbox.
    static let sandboxUID = 65534
    /// The system folders every confined process reads (those that exist here).
    static let systemFolders = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"].filter {
        FileManager.default.fileExists(atPath: $0)
    }

    /// Probes for bubblewrap, namespaces and Landlock.
    ///
    /// - Parameters:
    ///   - runtimeLibraries: The Swift runtime folder the snippet binaries link against.
    ///   - toolchain: The compiler's installation folder, read by the compiler and the linker.
    ///   - requireIsolation: Throw instead of falling back to the launcher alone.
    ///   - disableNamespaces: Skip the probe and use the fallback (for testing it).
    ///   - disableLandlock: In the fallback, do not use Landlock (for testing what is left without it).
    public init(
        runtimeLibraries: String, toolchain: String? = nil, requireIsolation: Bool, disableNamespaces: Bool = false,
        disableLandlock: Bool = false
    ) throws {
        self.runtimeLibraries = runtimeLibraries
        self.toolchain = toolchain.flatMap { $0.hasPrefix("/usr/") || $0 == "/usr" ? nil : $0 }
        let launcherSource = try Self.findLauncher()
        staging = try TemporaryDirectory(prefix: StagingFolders.prefix)
        // Traversable but not listable: a sandbox uid can enter only the folder it was given, by its exact name.
        chmod(staging.path, 0o711)
        StagingFolders.claim(staging.path)
        StagingFolders.removeStale(in: (staging.path as NSString).deletingLastPathComponent, keep: staging.path)
        workArea = staging.path + "/work"
        do {
            guard mkdir(workArea, 0o711) == 0 else {
                throw GraderError.io(
                    path: workArea,
                    reason: "cannot create the sandbox's work folder: \(String(cString: strerror(errno)))")
            }
            chmod(workArea, 0o711)
            launcher = try Self.stage(launcherSource, into: staging.path, name: "grader-launch")
        } catch {
            staging.remove()
            throw error
        }
        let candidate = disableNamespaces ? nil : ProcessRunner.which("bwrap")
        var reason =
            disableNamespaces ? "namespaces disabled by --no-namespaces" : "bubblewrap (bwrap) is not installed"
        bubblewrap = candidate
        if let candidate {
            reason = Self.probe(bubblewrap: candidate)
        }
        if candidate != nil && reason.isEmpty {
            status = SandboxStatus(mode: .namespaces, note: "")
            landlockABI = 0
            gate = nil
        } else {
            if requireIsolation {
                staging.remove()
                throw GraderError.sandboxUnavailable(reason: reason)
            }
            // Without a PID namespace, a process that calls setsid() escapes the group kill; as subreaper the
            // grader inherits such orphans and kills them after each run.
            OrphanReaper.adopt()
            landlockABI = disableLandlock ? 0 : Self.landlockABI(launcher: launcher)
            gate = TrustGate()
            status = SandboxStatus(
                mode: .rlimitsOnly,
                note: Self.fallbackNote(reason: reason, landlockABI: landlockABI, disabled: disableLandlock))
        }
    }

    /// What the fallback promises, for every report: which uid student code ran as and what it could reach.
    static func fallbackNote(reason: String, landlockABI: Int, disabled: Bool) -> String {
        let root = getuid() == 0
        var held: [String] = ["rlimits", "a timeout", "a clean environment"]
        held.append(root ? "a uid of its own" : "the grader's own uid")
        var open: [String] = []
        if landlockABI > 0 {
            held.append("Landlock (ABI \(landlockABI)): no file outside its own folder, the toolchain and the system's")
            if landlockABI < 4 { open.append("the network") } else { open.append("UDP and UNIX sockets") }
            if landlockABI < 6 { open.append("signals to processes of its uid") }
        } else {
            let why = disabled ? "Landlock disabled by --no-landlock" : "no Landlock in this kernel"
            open.append(
                root
                    ? "every world-readable file (\(why))"
                    : """
                    every file of the grader's user, including what the grader keeps (\(why); the grader kept \
                    reference outputs in memory and cached nothing, but cannot vouch for these grades, nor for its \
                    cache folder and its toolchain folder (\(NSTemporaryDirectory())grader-toolchain-*) afterwards: \
                    empty both before grading with namespaces or Landlock)
                    """
            )
            open.append("the network")
        }
        // Without a uid of its own, what one run leaves in System V IPC is there for the next run, and the process
        // limit counts every process of the grader's user. (No run may use keys: grader-launch's seccomp filter.)
        if !root { open.append("System V IPC that outlives a run, shared with the user's other processes") }
        return
            """
            no namespace sandbox (\(reason)): student code ran with \(held.joined(separator: ", ")); it could \
            reach \(open.joined(separator: " and ")); not for final grades
            """
    }

    /// Whether student code in this sandbox is kept from the grader's files: namespaces, another uid, or Landlock.
    public var keepsFilesFromStudents: Bool { status.mode == .namespaces || getuid() == 0 || landlockABI > 0 }

    /// `grader-launch` next to the running executable (the grader, or the test bundle in the same build folder),
    /// else on `PATH`.
    static func findLauncher() throws -> String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent("grader-launch").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let unreachable = access(beside, X_OK) != 0 && errno == EACCES
        if let found = ProcessRunner.which("grader-launch") { return found }
        if unreachable {
            throw GraderError.toolMissing(
                name: "grader-launch",
                hint: """
                    it is beside the grader (\(beside)), but user \(getuid()) may not reach it: a folder on its path \
                    is closed to this user (a clone in another user's private folder); copy the grader and \
                    grader-launch together into a folder this user can read, or put grader-launch on PATH
                    """)
        }
        throw GraderError.toolMissing(
            name: "grader-launch",
            hint:
                """
                it is built with the grader (`swift build`) and must be installed next to the grader executable \
                or on PATH; student code never runs without it
                """
        )
    }

    /// The Landlock ABI version the kernel offers, as the launcher sees it; 0 for none.
    static func landlockABI(launcher: String) -> Int {
        var request = ProcessRequest(executable: launcher, arguments: ["--landlock-abi"])
        request.wallSeconds = 10
        guard let outcome = try? ProcessRunner.run(request), outcome.succeeded else { return 0 }
        return Int(String(decoding: outcome.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// The launcher's options that set `limits` on the process it starts.
    static func launcherLimits(_ limits: SandboxLimits) -> [String] {
        [
            "--cpu", "\(limits.cpuSeconds)", "--memory", "\(limits.memoryMegabytes << 20)", "--file-size",
            "\(limits.fileKilobytes << 10)",
            "--open-files", "\(limits.openFiles)", "--processes", "\(limits.processes)",
        ]
    }

    /// The launcher's options for a tool's limits (no CPU limit: the wall clock bounds a compile).
    static func launcherLimits(_ limits: ToolLimits) -> [String] {
        [
            "--memory", "\(limits.memoryBytes)", "--file-size", "\(limits.fileBytes)", "--open-files",
            "\(limits.openFiles)",
            "--processes", "\(limits.processes)",
        ]
    }

    /// bubblewrap's arguments for an empty root with the system folders read-only, a fresh `/proc`, a minimal `/dev`
    /// and a private `/tmp`; `extra` adds the job's own mounts (after `/tmp`, so they may lie inside it).
    private func bubblewrapArguments(_ extra: [String]) -> [String] {
        var arguments = [
            // The launcher is the namespace's pid 1, never bubblewrap's own init: that one is dumpable and has no
            // limits, so student code could ptrace it and run there unlimited (grader-launch's header).
            "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--as-pid-1",
            "--uid", "\(Self.sandboxUID)", "--gid", "\(Self.sandboxUID)", "--hostname", "sandbox",
        ]
        for path in Self.systemFolders {
            // A merged /usr makes /bin and /lib links into it: the same links inside.
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else {
                arguments += ["--ro-bind", path, path]
            }
        }
        if !runtimeLibraries.hasPrefix("/usr/") { arguments += ["--ro-bind", runtimeLibraries, runtimeLibraries] }
        // /proc/sys read-only: the sandbox's IPC and PID namespaces belong to a user namespace whose root is the
        // run's uid, so their settings (kernel.msgmax, pid_max, fs.mqueue) were the run's to write, and the next
        // run's to read. bubblewrap covers it only where its folder is writable, which it is not.
        arguments += [
            "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind",
            launcher, "/sandbox/launch",
        ]
        // The root and /dev are tmpfs folders bubblewrap made, owned by the sandbox's uid: read-only, so that /tmp
        // (and a tool's own folder) is all a process can write, and all a shared sandbox empties between runs. So is
        // /dev/pts, a mount of its own, which bubblewrap's remount also makes nodev: no pty opens (no homework needs
        // one), and the modes and times of ptmx and its folder, which no cleaning puts back, cannot be set.
        return arguments + extra + ["--remount-ro", "/", "--remount-ro", "/dev", "--remount-ro", "/dev/pts"]
    }

    /// Returns "" when a bubblewrap sandbox starts, else the reason it does not.
    ///
    /// As root, bubblewrap starts as `sandboxUID` (a real run as its folder's uid), unprivileged outside its
    /// namespaces too.
    private static func probe(bubblewrap: String) -> String {
        var arguments = [
            "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--ro-bind", "/usr", "/usr",
        ]
        for path in ["/lib", "/lib64"] where FileManager.default.fileExists(atPath: path) {
            arguments += ["--ro-bind", path, path]
        }
        arguments += ["--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
        var request = ProcessRequest(executable: bubblewrap, arguments: arguments)
        if getuid() == 0 { request.userID = uid_t(sandboxUID) }
        request.wallSeconds = 10
        guard let outcome = try? ProcessRunner.run(request) else { return "bubblewrap could not be started" }
        if outcome.succeeded { return "" }
        let message = String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return "bubblewrap failed: \(message.isEmpty ? "exit \(outcome.termination)" : message)"
    }

    /// A new work folder for `owner`'s build or run, with a uid of `owner`'s own when the grader is root.
    func workFolder(for owner: CodeOwner, prefix: String) throws -> WorkFolder {
        guard getuid() == 0 else {
            return try WorkFolder(parent: workArea, prefix: prefix, owner: owner, uid: nil, release: { _ in })
        }
        let (uid, swept) = identities.lease(owner)
        let identities = self.identities
        do {
            return try WorkFolder(parent: workArea, prefix: prefix, owner: owner, uid: uid, swept: swept) { swept in
                identities.release(uid, of: owner, swept: swept)
            }
        } catch {
            identities.release(uid, of: owner, swept: swept)
            throw error
        }
    }

    /// Wraps `command` (run in `folder`) in the sandbox: bubblewrap with `mounts`, or the launcher in watch mode
    /// with the folder's uid and Landlock allowing `readable` and the folder.
    private func confine(
        _ command: [String], folder: WorkFolder, limits: [String], mounts: [String], readable: [String],
        writable: [String],
        workingDirectory: String, environment: [String: String]
    ) -> ProcessRequest {
        var request: ProcessRequest
        if status.mode == .namespaces, let bubblewrap {
            var settings = ["--chdir", workingDirectory]
            for (key, value) in environment.sorted(by: { $0.key < $1.key }) { settings += ["--setenv", key, value] }
            let arguments =
                bubblewrapArguments(mounts + settings) + ["--", "/sandbox/launch"] + limits + ["--"] + command
            request = ProcessRequest(executable: bubblewrap, arguments: arguments)
            // As root, bubblewrap itself runs as the folder's uid, unprivileged outside its namespaces too.
            request.userID = folder.uid
        } else {
            // As root, the launcher drops to the folder's uid itself and stays root, so the code cannot kill it.
            var options = limits + ["--parent", "\(getpid())"]
            if let uid = folder.uid {
                // Nothing the uid's processes leave behind may reach whoever uses it next: the launcher sweeps, as
                // that uid, after the run, and before it when the uid's last run was not swept.
                options += ["--user", "\(uid):\(uid)"] + LeftoverSweep.folders.flatMap { ["--sweep", $0] }
                if !folder.sweptState.withLock({ $0 }) { options.append("--sweep-first") }
            }
            if landlockABI > 0 {
                options.append("--landlock")
                for path in Self.systemFolders + readable { options += ["--allow-read", path] }
                for path in writable + [folder.path] { options += ["--allow-write", path] }
            }
            let full = [launcher] + options + ["--"] + command
            request = ProcessRequest(executable: full[0], arguments: Array(full.dropFirst()))
            request.workingDirectory = workingDirectory
            request.environment = environment.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }
        }
        // Stopping a run kills the launcher's (or bubblewrap's) children first and lets it exit once all are gone.
        request.stopsThroughChildren = true
        return request
    }

    /// Runs `request` in `folder` as its owner's process: without namespaces, never while the other kind runs.
    private func execute(_ request: ProcessRequest, in folder: WorkFolder) throws -> ProcessOutcome {
        let owner = folder.owner
        var outcome =
            try gate.map { gate in try gate.pass(as: owner) { try ProcessRunner.run(request) } }
            ?? ProcessRunner.run(request)
        // A launcher stopped from outside (a time or output limit) may not have finished its sweep.
        folder.sweptState.withLock { $0 = !outcome.timedOut && !outcome.outputLimitExceeded }
        if status.mode == .rlimitsOnly { OrphanReaper.killOrphans() }
        // bubblewrap and the launcher report a child killed by signal n as exit status 128 + n, as shells do.
        if case .exited(let code) = outcome.termination, (129...159).contains(code) {
            outcome.termination = .signaled(code - 128)
        }
        return outcome
    }

    /// Runs one entry of a compiled harness on `trials` (one line of wire tokens each) under `limits`.
    ///
    /// The binary is copied into a folder of the run's own, readable and executable only by the run's uid: no other
    /// run, and no student's code at all when the binary is the reference's, can execute or read it. The limits are
    /// set by `grader-launch` before the binary is loaded, never by the harness: code in the student's file (a
    /// shadowed `setrlimit`, a constructor that runs before `main`) cannot raise or skip them.
    ///
    /// - Parameter purpose: What `--timings` files the run under; by default `Sandbox.purpose(of:)` the owner.
    /// - Parameter group: Runs that may share a sandbox with this one (`RunGroup`); with namespaces, the run goes to
    ///   an idle sandbox of the group for the same binary, or one started for it, and in a sandbox of its own when
    ///   that sandbox fails.
    public func run(
        binary: String, entry: String, trials: [String], limits: SandboxLimits, owner: CodeOwner,
        purpose: String? = nil, group: RunGroup? = nil
    ) throws
        -> ProcessOutcome
    {
        if let group, status.mode == .namespaces, bubblewrap != nil, sessionsWork.withLock({ $0 }),
            let outcome = runShared(
                binary: binary, entry: entry, trials: trials, limits: limits, owner: owner,
                purpose: purpose ?? Self.purpose(of: owner), group: group)
        {
            return outcome
        }
        let folder = try workFolder(for: owner, prefix: "run")
        defer { folder.close() }
        try folder.copy(binary, as: "snippet", executable: true)
        var request: ProcessRequest
        if status.mode == .namespaces {
            request = confine(
                ["/sandbox/snippet", entry], folder: folder, limits: Self.launcherLimits(limits),
                mounts: ["--ro-bind", folder.path + "/snippet", "/sandbox/snippet"], readable: [], writable: [],
                workingDirectory: "/tmp", environment: ["SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin"])
        } else {
            // bubblewrap's private /tmp, without namespaces: a scratch folder in the run's own.
            let scratch = folder.path + "/scratch"
            guard mkdir(scratch, 0o700) == 0, folder.uid.map({ chown(scratch, $0, $0) == 0 }) ?? true else {
                throw GraderError.io(
                    path: scratch, reason: "cannot create the run's scratch folder: \(String(cString: strerror(errno)))"
                )
            }
            // The same clean environment bubblewrap's --clearenv/--setenv gives; none of the grader's variables. The
            // Swift runtime reads its arguments from /proc/self/cmdline: the process's own folder in /proc, no other.
            request = confine(
                [folder.path + "/snippet", entry], folder: folder, limits: Self.launcherLimits(limits), mounts: [],
                readable: (runtimeLibraries.hasPrefix("/usr/") ? [] : [runtimeLibraries]) + ["/proc/self"],
                writable: [],
                workingDirectory: scratch,
                environment: [
                    "SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch,
                ])
        }
        request.input = Array(trials.map { $0 + "\n" }.joined().utf8)
        request.purpose = purpose ?? Self.purpose(of: owner)
        request.wallSeconds = limits.wallSeconds
        request.outputLimit = limits.outputKilobytes << 10
        return try execute(request, in: folder)
    }

    /// A new group of runs that may share sandboxes; `endGroup` ends its sandboxes.
    public func openGroup() -> RunGroup {
        RunGroup(
            number: groupNumbers.withLock {
                $0 += 1
                return $0
            })
    }

    /// Ends the idle sandboxes of `group`; a run of the group still under way ends its own when it is done.
    public func endGroup(_ group: RunGroup) {
        endedGroups.withLock { _ = $0.insert(group) }
        let idle = idleSessions.withLock { sessions in
            let keys = sessions.keys.filter { $0.group == group }
            return keys.flatMap { sessions.removeValue(forKey: $0) ?? [] }
        }
        for session in idle { session.end() }
    }

    /// `run` in a sandbox of `group` (`SandboxSession`); `nil` when no such sandbox could run it.
    private func runShared(
        binary: String, entry: String, trials: [String], limits: SandboxLimits, owner: CodeOwner, purpose: String,
        group: RunGroup
    ) -> ProcessOutcome? {
        let key = SessionKey(group: group, binary: binary, owner: owner)
        let session: SandboxSession
        if let idle = idleSessions.withLock({ $0[key]?.popLast() }) {
            session = idle
        } else {
            guard let started = try? startSession(binary: binary, owner: owner) else {
                sessionsWork.withLock { $0 = false }
                return nil
            }
            session = started
        }
        var request = ProcessRequest(executable: "/sandbox/snippet", arguments: [entry])
        request.input = Array(trials.map { $0 + "\n" }.joined().utf8)
        request.purpose = purpose
        request.wallSeconds = limits.wallSeconds
        request.outputLimit = limits.outputKilobytes << 10
        let numbers = [
            limits.cpuSeconds, limits.memoryMegabytes << 20, limits.fileKilobytes << 10, limits.openFiles,
            limits.processes,
        ]
        guard let outcome = session.run(argument: entry, limits: numbers, request: request) else {
            // This sandbox failed (it had started, so sharing stays on for the others); the run goes alone.
            session.end(immediately: true)
            return nil
        }
        let kept =
            session.usable
            && endedGroups.withLock { ended in
                guard !ended.contains(group) else { return false }
                return idleSessions.withLock { idle in
                    // Each idle sandbox holds a uid of the pool: never so many that a compile or run waits for one.
                    guard idle.values.reduce(0, { $0 + $1.count }) < Self.idleSessionLimit else { return false }
                    idle[key, default: []].append(session)
                    return true
                }
            }
        if !kept { session.end(immediately: !session.usable) }
        return outcome
    }

    /// Starts a sandbox that serves runs of `binary` (`SandboxSession`), in a work folder of `owner`'s.
    private func startSession(binary: String, owner: CodeOwner) throws -> SandboxSession {
        let folder = try workFolder(for: owner, prefix: "session")
        do {
            try folder.copy(binary, as: "snippet", executable: true)
            guard let bubblewrap else { throw GraderError.sandboxUnavailable(reason: "no bubblewrap") }
            // As `run` confines a run, with the same mounts and environment; the launcher serves instead of execs.
            let mounts = [
                "--ro-bind", folder.path + "/snippet", "/sandbox/snippet", "--chdir", "/tmp", "--setenv", "PATH",
                "/usr/bin:/bin", "--setenv", "SWIFT_BACKTRACE", "enable=no",
            ]
            let serve = ["--", "/sandbox/launch", "--serve", "3", "--", "/sandbox/snippet"]
            var request = ProcessRequest(executable: bubblewrap, arguments: bubblewrapArguments(mounts) + serve)
            request.userID = folder.uid
            return try SandboxSession(command: request, folder: folder)
        } catch {
            folder.close()
            throw error
        }
    }

    /// What `--timings` files a sandboxed run of `owner`'s code under, unless the run says more.
    static func purpose(of owner: CodeOwner) -> String {
        owner == .student ? "student code, sandboxed run" : "reference, sandboxed run"
    }

    /// Runs a tool that reads student code (the compiler, the linker) in `folder`, which it sees at its own path
    /// and is the only place it may write; `readable` lists what it reads besides the system's folders and the
    /// toolchain (the shared module cache, read-only).
    func runTool(_ command: [String], in folder: WorkFolder, readable: [String], limits: ToolLimits) throws
        -> ProcessOutcome
    {
        let environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "TMPDIR": folder.path, "LANG": "C.UTF-8"]
        let visible = (toolchain.map { [$0] } ?? []) + readable
        var request: ProcessRequest
        if status.mode == .namespaces {
            let mounts = visible.flatMap { ["--ro-bind", $0, $0] } + ["--bind", folder.path, folder.path]
            request = confine(
                command, folder: folder, limits: Self.launcherLimits(limits), mounts: mounts, readable: [],
                writable: [],
                workingDirectory: folder.path, environment: environment)
        } else {
            // The toolchain reads /proc/self (its own path, its open files); /dev/null is written by the driver.
            request = confine(
                command, folder: folder, limits: Self.launcherLimits(limits), mounts: [], readable: visible + ["/proc"],
                writable: ["/dev/null"], workingDirectory: folder.path, environment: environment)
        }
        request.purpose = "\((command.first as NSString?)?.lastPathComponent ?? "tool"), sandboxed"
        request.wallSeconds = limits.wallSeconds
        request.outputLimit = limits.outputBytes
        request.keptOutput = 256 << 10
        return try execute(request, in: folder)
    }

    /// Copies `binary` to `folder/name`, executable by anyone, atomically; returns the copy's path.
    private static func stage(_ binary: String, into folder: String, name: String) throws -> String {
        let target = "\(folder)/\(name)"
        guard let bytes = WorkFolder.readRegularFile(binary, limit: WorkFolder.largestOutput) else {
            throw GraderError.io(path: binary, reason: "cannot stage it for the sandbox")
        }
        try WorkFolder.writeAtomically(bytes, to: target, mode: 0o755)
        return target
    }

    /// A folder inside this run's staging folder that only the grader's user may enter, removed by `close()`.
    public func privateFolder(named name: String) throws -> String {
        let path = "\(staging.path)/\(name)"
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw GraderError.io(
                path: path, reason: "cannot create a private folder: \(String(cString: strerror(errno)))")
        }
        return path
    }

    /// Ends every idle shared sandbox and removes the staging folder.
    public func close() {
        let idle = idleSessions.withLock { sessions in
            defer { sessions.removeAll() }
            return sessions.values.flatMap { $0 }
        }
        for session in idle { session.end() }
        staging.remove()
    }
}
