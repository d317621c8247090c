import CProcessSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What to run in a child process and the limits the parent enforces from outside.
public struct ProcessRequest: Sendable {
    /// An absolute path; no PATH search happens.
    public var executable: String
    public var arguments: [String]
    /// The child's whole environment (`KEY=value`); nothing of the grader's leaks unless listed.
    public var environment: [String] = []
    public var workingDirectory: String?
    /// Bytes written to the child's standard input, which is then closed.
    public var input: [UInt8] = []
    /// Wall-clock limit; the whole process group is killed when it passes.
    public var wallSeconds: Double = 10
    /// Total bytes the child may write to stdout and stderr together before it is killed.
    public var outputLimit: Int = 8 << 20
    /// Bytes of each of stdout and stderr kept for reports; the rest is read and dropped.
    public var keptOutput: Int = 64 << 10
    /// Bytes of the result channel (fd 3) kept; more than this kills the child as over its output limit.
    public var resultLimit: Int = 32 << 20
    /// To stop the child, kill its own children first and give it up to 3 s to exit by itself before the group
    /// kill. bubblewrap's outer process exits only after every process of its PID namespace is gone, so with this
    /// the run returns when nothing of the sandbox is left, not while the kernel is still tearing it down.
    public var stopsThroughChildren = false
    /// What the run is for, the label under which `TimeLedger.shared` counts its duration.
    public var purpose = "other"
    /// The uid (and gid, the same number) the child runs as, with no supplementary groups, set between `fork` and
    /// `exec` (root only): what `setpriv` in front of the command did, without its process (1.2 ms a start).
    public var userID: uid_t?

    public init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }
}

/// How a child process ended and what it wrote.
public struct ProcessOutcome: Sendable {
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    public var termination: Termination
    public var timedOut = false
    public var outputLimitExceeded = false
    /// The first `keptOutput` bytes of stdout and stderr.
    public var stdout: [UInt8] = []
    public var stderr: [UInt8] = []
    /// Everything written on fd 3, the channel only the harness is meant to use.
    public var results: [UInt8] = []
    public var seconds: Double = 0

    public var succeeded: Bool { termination == .exited(0) && !timedOut && !outputLimitExceeded }
}

/// Why a child process could not be started.
public struct ProcessLaunchError: Error, CustomStringConvertible, Sendable {
    public let executable: String
    public let code: Int32
    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}

/// Runs a child process with pipes on fds 0-3, a wall-clock limit and bounded output, and kills its process group.
///
/// Written on `posix_spawn` and `poll` rather than Foundation's `Process` because the grader needs a fourth pipe,
/// a new process group it can kill as a whole, a clean environment and hard bounds on what it buffers.
public enum ProcessRunner {
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()
    /// Children started by `run` and not yet waited for.
    private static let liveChildren = Locked(Set<pid_t>())

    /// Runs `request` to completion (or to its limits) and returns what happened.
    public static func run(_ request: ProcessRequest) throws -> ProcessOutcome {
        _ = ignoreSIGPIPE
        let clock = ContinuousClock()
        let start = clock.now
        let pipes = try RunPipes(for: request)
        let pid = try spawn(request, descriptors: pipes.childEnds)
        defer { liveChildren.withLock { _ = $0.remove(pid) } }
        // The parent keeps only its ends: closing the child's ends lets EOF arrive when the child exits.
        pipes.handOver()

        var outcome = ProcessOutcome(termination: .exited(0))
        var exited: Int32?
        var graceDeadline: ContinuousClock.Instant?
        let deadline = start.advanced(by: .milliseconds(Int64(request.wallSeconds * 1000)))

        func killGroup() {
            if request.stopsThroughChildren, exited == nil {
                for child in OrphanReaper.children(of: pid) { kill(child, SIGKILL) }
                let limit = clock.now.advanced(by: .seconds(3))
                var status: Int32 = 0
                while exited == nil, clock.now < limit {
                    if waitpid(pid, &status, WNOHANG) == pid { exited = status } else { usleep(2000) }
                }
            }
            kill(-pid, SIGKILL)
            if exited == nil { kill(pid, SIGKILL) }
        }

        while pipes.isOpen {
            let now = clock.now
            if exited == nil, now >= deadline {
                outcome.timedOut = true
                killGroup()
                break
            }
            if let grace = graceDeadline, now >= grace { break }
            var fds = pipes.pollDescriptors
            let limit = graceDeadline ?? deadline
            let remaining = max(1, min(50, Int32((now.duration(to: limit).components.seconds * 1000) + 1)))
            _ = poll(&fds, nfds_t(fds.count), remaining)
            for entry in fds where entry.revents != 0 {
                guard pipes.serve(entry, into: &outcome) else { continue }
                if outcome.outputLimitExceeded {
                    killGroup()
                    graceDeadline = graceDeadline ?? clock.now.advanced(by: .milliseconds(200))
                }
            }
            if exited == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    exited = status
                    // Whatever the child left behind in its group goes too; its pipes then reach EOF.
                    kill(-pid, SIGKILL)
                    graceDeadline = clock.now.advanced(by: .milliseconds(500))
                }
            }
        }
        killGroup()
        var waitStatus: Int32 = exited ?? 0
        if exited == nil { while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {} }
        outcome.termination = decode(waitStatus)
        let elapsed = start.duration(to: clock.now)
        outcome.seconds = TimeLedger.seconds(elapsed)
        TimeLedger.shared.add("process: " + request.purpose, seconds: outcome.seconds)
        return outcome
    }

    /// Starts `request`'s executable in a process group of its own, with `descriptors` on fds 0-3 and nothing else
    /// open, and registers it as a live child (`forget` when it has been waited for).
    static func spawn(_ request: ProcessRequest, descriptors: [Int32]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, descriptor) in descriptors.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, descriptor, Int32(target))
        }
        if let directory = request.workingDirectory { grader_spawn_add_chdir(&actions, directory) }
        grader_spawn_add_closefrom(&actions, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signalNumber) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([request.executable] + request.arguments).map { strdup($0) } + [nil]
        let envp = request.environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        // Spawned and registered under one lock, so `killOrphans` never mistakes a fresh child for an orphan.
        let status = liveChildren.withLock { live in
            let status =
                if let uid = request.userID {
                    grader_spawn_as(&pid, request.executable, argv, envp, descriptors, request.workingDirectory, uid)
                } else {
                    posix_spawn(&pid, request.executable, &actions, &attributes, argv, envp)
                }
            if status == 0 { live.insert(pid) }
            return status
        }
        guard status == 0 else { throw ProcessLaunchError(executable: request.executable, code: status) }
        return pid
    }

    /// Takes `pid`, waited for elsewhere, off the live children.
    static func forget(_ pid: pid_t) { _ = liveChildren.withLock { $0.remove(pid) } }

    /// Runs `body` with the set of children `run` has started and not yet waited for, blocking new spawns meanwhile.
    static func withLiveChildren<Result>(_ body: (Set<pid_t>) -> Result) -> Result {
        liveChildren.withLock { body($0) }
    }

    static func decode(_ status: Int32) -> ProcessOutcome.Termination {
        let signalNumber = status & 0x7f
        if signalNumber == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(signalNumber)
    }

    /// Finds an executable on `PATH` (or returns an absolute path as is when it is executable).
    public static func which(_ name: String, path: String? = nil) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let searchPath = path ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin")
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
