import CProcessSupport
import Foundation

/// The grader's side of one run's four pipes (stdin, stdout, stderr, the result channel): it writes the request's
/// input and keeps what comes back within the request's bounds, for `ProcessRunner` and `SandboxSession` alike.
///
/// A class because it owns descriptors, each closed exactly once (when done with, or at `deinit`).
final class RunPipes {
    /// Each pipe's [read, write] ends; -1 once closed.
    private var pipes: [[Int32]] = []
    private let request: ProcessRequest
    private var written = 0
    private var writeOpen = false
    /// Whether stdout, stderr and the result channel may still bring data.
    private var readOpen = [true, true, true]
    private var printed = 0
    private var buffer = [UInt8](repeating: 0, count: 65536)

    /// Makes the four pipes for a run of `request`; throws with `errno` when the system has no descriptors left.
    init(for request: ProcessRequest) throws {
        self.request = request
        for _ in 0..<4 {
            var fds: [Int32] = [-1, -1]
            guard grader_pipe_cloexec(&fds) == 0 else {
                throw ProcessLaunchError(executable: request.executable, code: errno)
            }
            pipes.append(fds)
        }
    }

    deinit { for pipe in pipes { for fd in pipe where fd >= 0 { close(fd) } } }

    /// The ends the child gets as its descriptors 0-3.
    var childEnds: [Int32] { [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1]] }

    /// Closes the child's ends, once the child (or the launcher that starts it) holds its own copies or never will,
    /// so that EOF comes when the run's processes end; makes the grader's ends non-blocking.
    func handOver() {
        for (index, end) in [(0, 0), (1, 1), (2, 1), (3, 1)] {
            close(pipes[index][end])
            pipes[index][end] = -1
        }
        for fd in [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0]] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        writeOpen = true
        if request.input.isEmpty { closeInput() }
    }

    /// Whether any pipe is still open: input left to write, or output that may still come.
    var isOpen: Bool { readOpen.contains(true) || writeOpen }

    /// Whether stdout, stderr or the result channel is still open.
    var outputOpen: Bool { readOpen.contains(true) }

    /// What to poll for: readable output pipes, and stdin while input is left.
    var pollDescriptors: [pollfd] {
        var fds: [pollfd] = []
        for (index, isOpen) in readOpen.enumerated() where isOpen {
            fds.append(pollfd(fd: pipes[index + 1][0], events: Int16(POLLIN), revents: 0))
        }
        if writeOpen { fds.append(pollfd(fd: pipes[0][1], events: Int16(POLLOUT), revents: 0)) }
        return fds
    }

    /// Writes input or reads output for a polled `entry`, keeping output in `outcome` within the request's bounds.
    /// Returns false when `entry` is not one of these pipes.
    func serve(_ entry: pollfd, into outcome: inout ProcessOutcome) -> Bool {
        if writeOpen, entry.fd == pipes[0][1] {
            let count = request.input.withUnsafeBytes { bytes in
                write(entry.fd, bytes.baseAddress! + written, request.input.count - written)
            }
            if count > 0 { written += count }
            if count < 0 && errno != EAGAIN || written == request.input.count { closeInput() }
            return true
        }
        guard let index = (1...3).first(where: { pipes[$0][0] == entry.fd }) else { return false }
        let count = read(entry.fd, &buffer, buffer.count)
        if count > 0 {
            keep(buffer[0..<count], from: index, in: &outcome)
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            readOpen[index - 1] = false
        }
        return true
    }

    private func closeInput() {
        close(pipes[0][1])
        pipes[0][1] = -1
        writeOpen = false
    }

    /// Adds `chunk`, read from pipe `index`, to `outcome`: stdout and stderr up to `keptOutput` each (all of it
    /// counted against `outputLimit`), results up to `resultLimit`.
    private func keep(_ chunk: ArraySlice<UInt8>, from index: Int, in outcome: inout ProcessOutcome) {
        switch index {
        case 1, 2:
            printed += chunk.count
            if index == 1, outcome.stdout.count < request.keptOutput {
                outcome.stdout += chunk.prefix(request.keptOutput - outcome.stdout.count)
            } else if index == 2, outcome.stderr.count < request.keptOutput {
                outcome.stderr += chunk.prefix(request.keptOutput - outcome.stderr.count)
            }
            if printed > request.outputLimit { outcome.outputLimitExceeded = true }
        default:
            outcome.results += chunk
            if outcome.results.count > request.resultLimit { outcome.outputLimitExceeded = true }
        }
    }
}
