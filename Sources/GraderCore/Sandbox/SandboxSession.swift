import CProcessSupport
import Foundation

/// One bubblewrap sandbox in which one binary runs many times, one run after another: the runs of one student's
/// code in one phase of a grading (its public trials, or its hidden ones).
///
/// Starting bubblewrap costs the machine about 5 ms of CPU (namespaces, mounts and their teardown), more than most
/// runs of a student's function. Here it starts once, with `grader-launch --serve` inside, which forks the binary for
/// each run with that run's limits and pipes (handed over on a socket), and after each run kills every process of it
/// and empties `/tmp` and System V IPC (the rest of the sandbox is read-only; no run may make keys) and checks that
/// its sockets, IPv6 flow labels, network counters and device nodes are as they were, before it answers with the
/// run's wait status and whether the sandbox is as it was: no process, file, IPC object or socket of one run is left
/// when the next starts, and a sandbox the launcher could not put back serves no other run. The grader still
/// keeps the wall clock and the output bound, from outside; a run that passes either ends the whole sandbox.
/// Anything else unexpected (no answer, or nonsense) ends it too, and the caller runs that run again in a sandbox of
/// its own.
///
/// A class because it owns a process, a socket and a work folder, each given back exactly once (`end()`).
final class SandboxSession: @unchecked Sendable {
    let folder: WorkFolder
    /// The outer bubblewrap process.
    private let pid: pid_t
    /// The grader's end of the launcher's socket.
    private var control: Int32
    /// Whether the next run may use this sandbox; only the thread that checked the session out changes it.
    private(set) var usable = true
    /// Runs answered so far.
    private(set) var runs = 0

    /// Starts `command` (bubblewrap, with `grader-launch --serve 3` inside) in `folder`, its socket on fd 3.
    init(command: ProcessRequest, folder: WorkFolder) throws {
        var pair: [Int32] = [-1, -1]
        let failed = grader_socketpair_seqpacket(&pair)
        guard failed == 0 else { throw ProcessLaunchError(executable: command.executable, code: failed) }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer {
            close(pair[1])
            if null >= 0 { close(null) }
        }
        guard null >= 0 else {
            close(pair[0])
            throw ProcessLaunchError(executable: command.executable, code: errno)
        }
        do {
            pid = try SessionSpawner.shared.spawn(command, descriptors: [null, null, null, pair[1]])
        } catch {
            close(pair[0])
            throw error
        }
        control = pair[0]
        self.folder = folder
        // The launcher says "ready" once it serves; a sandbox that does not within the wall clock never will.
        guard awaitReady(seconds: 10) else {
            end(immediately: true)
            throw GraderError.sandboxUnavailable(reason: "a shared sandbox did not start serving")
        }
        TimeLedger.shared.add("sandbox: a shared sandbox started", seconds: 0)
    }

    /// Waits up to `seconds` for the launcher's "ready".
    private func awaitReady(seconds: Int) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(seconds))
        while clock.now < deadline {
            var entry = pollfd(fd: control, events: Int16(POLLIN), revents: 0)
            let waited = poll(&entry, 1, 100)
            if waited < 0, errno != EINTR { return false }
            guard waited > 0 else { continue }
            var answer = [UInt8](repeating: 0, count: 16)
            let count = recv(control, &answer, answer.count, Int32(MSG_DONTWAIT))
            if count < 0, errno == EAGAIN || errno == EINTR { continue }
            return count == 5 && answer.prefix(5).elementsEqual("ready".utf8)
        }
        return false
    }

    /// Runs the binary with `argument` under `limits` (the launcher's numbers: CPU seconds, memory, file size, open
    /// files, processes; -1 for none), with `request`'s input, wall-clock limit and output bounds.
    ///
    /// - Returns: What the run did, or `nil` when the sandbox failed rather than the run: the caller runs it again in
    ///   a sandbox of its own. After a run over its wall-clock or output bound the sandbox is ended (`usable` false).
    func run(argument: String, limits: [Int], request: ProcessRequest) -> ProcessOutcome? {
        guard usable, control >= 0, !argument.contains("\n") else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        guard let pipes = try? RunPipes(for: request) else { return nil }
        let message = Array((limits.map(String.init).joined(separator: " ") + "\n" + argument).utf8)
        let sent = message.withUnsafeBytes { bytes in
            grader_send_with_descriptors(control, bytes.baseAddress, bytes.count, pipes.childEnds, 4)
        }
        // The launcher holds its own copies now (or never will): ours go, so EOF comes when the run's processes end.
        pipes.handOver()
        guard sent == 0 else {
            end()
            return nil
        }
        var outcome = ProcessOutcome(termination: .exited(0))
        var status: Int32?
        var graceDeadline: ContinuousClock.Instant?
        let deadline = start.advanced(by: .milliseconds(Int64(request.wallSeconds * 1000)))

        while pipes.isOpen || status == nil {
            let now = clock.now
            if status == nil, now >= deadline {
                outcome.timedOut = true
                end(immediately: true)
                break
            }
            if let grace = graceDeadline, now >= grace { break }
            var fds = pipes.pollDescriptors
            if status == nil, control >= 0 { fds.append(pollfd(fd: control, events: Int16(POLLIN), revents: 0)) }
            let limit = graceDeadline ?? deadline
            let remaining = max(1, min(50, Int32((now.duration(to: limit).components.seconds * 1000) + 1)))
            _ = poll(&fds, nfds_t(fds.count), remaining)
            for entry in fds where entry.revents != 0 {
                if entry.fd == control {
                    var answer = [UInt8](repeating: 0, count: 32)
                    let count = recv(control, &answer, answer.count, Int32(MSG_DONTWAIT))
                    if count < 0, errno == EAGAIN || errno == EINTR { continue }
                    // "STATUS CLEAN": the run's wait status, and 1 when the sandbox is as it was before the run.
                    let fields = String(decoding: answer.prefix(max(0, count)), as: UTF8.self).split(separator: " ")
                    guard count > 0, fields.count == 2, let value = Int32(fields[0]), ["0", "1"].contains(fields[1])
                    else {
                        // The launcher is gone or answered nonsense: this sandbox proves nothing.
                        end()
                        return nil
                    }
                    status = value
                    // The run counts; the sandbox, which the launcher could not put back as it was, serves no other.
                    if fields[1] == "0" { usable = false }
                    // Everything the run started is gone by now, so its pipes reach EOF at once.
                    graceDeadline = clock.now.advanced(by: .milliseconds(500))
                    continue
                }
                guard pipes.serve(entry, into: &outcome) else { continue }
                if outcome.outputLimitExceeded, status == nil {
                    end(immediately: true)
                    graceDeadline = graceDeadline ?? clock.now.advanced(by: .milliseconds(200))
                }
            }
        }
        if let status {
            outcome.termination = ProcessRunner.decode(status)
            runs += 1
            // A run whose pipes stayed open after its processes were killed: something the launcher did not kill.
            if pipes.outputOpen || !usable { end() }
        } else if outcome.timedOut || outcome.outputLimitExceeded {
            outcome.termination = .signaled(SIGKILL)
        } else {
            end()
            return nil
        }
        outcome.seconds = TimeLedger.seconds(start.duration(to: clock.now))
        TimeLedger.shared.add("process: " + request.purpose, seconds: outcome.seconds)
        return outcome
    }

    /// Ends the sandbox: closes the socket (an idle launcher exits), kills what is left under bubblewrap at once
    /// (`immediately`: a run is under way) or if it does not exit within a second, waits for it and removes the work
    /// folder. Later calls do nothing.
    func end(immediately: Bool = false) {
        guard control >= 0 else { return }
        usable = false
        close(control)
        control = -1
        let clock = ContinuousClock()
        var limit = immediately ? clock.now : clock.now.advanced(by: .seconds(1))
        var status: Int32 = 0
        var done = false
        var killed = false
        while !done {
            if waitpid(pid, &status, WNOHANG) == pid {
                done = true
            } else if clock.now >= limit {
                if killed {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    done = true
                } else {
                    // The launcher, pid 1, dies, and with it every process of the sandbox; bubblewrap then exits.
                    for child in OrphanReaper.children(of: pid) { kill(child, SIGKILL) }
                    killed = true
                    limit = clock.now.advanced(by: .seconds(3))
                }
            } else {
                usleep(300)
            }
        }
        ProcessRunner.forget(pid)
        folder.close()
    }
}

/// Starts sandboxes that outlive the thread that asked for them, from one thread that lives as long as the grader.
///
/// bubblewrap's `--die-with-parent` (the kernel's parent-death signal) fires when the *thread* that started it ends,
/// not the process: a sandbox started from a worker thread of one `parallelMap` would die when that map's threads
/// end, while the next map still means to use it. Started here, it dies with the grader alone.
final class SessionSpawner: @unchecked Sendable {
    static let shared = SessionSpawner()

    /// A start to make, and where its result goes.
    private final class Job: @unchecked Sendable {
        let request: ProcessRequest
        let descriptors: [Int32]
        var result: Result<pid_t, Error> = .failure(CancellationError())
        let done = DispatchSemaphore(value: 0)
        init(request: ProcessRequest, descriptors: [Int32]) {
            self.request = request
            self.descriptors = descriptors
        }
    }

    private let jobs = Locked<[Job]>([])
    private let waiting = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [jobs, waiting] in
            while true {
                waiting.wait()
                guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                job.result = Result { try ProcessRunner.spawn(job.request, descriptors: job.descriptors) }
                job.done.signal()
            }
        }
        thread.name = "grader sandbox starts"
        thread.start()
    }

    /// Starts `request` with `descriptors` on fds 0-3, from the spawning thread; returns its pid.
    func spawn(_ request: ProcessRequest, descriptors: [Int32]) throws -> pid_t {
        let job = Job(request: request, descriptors: descriptors)
        jobs.withLock { $0.append(job) }
        waiting.signal()
        job.done.wait()
        return try job.result.get()
    }
}
