import CProcessSupport
import Foundation

/// Finds and kills processes a snippet left behind when it ran without a PID namespace.
///
/// Killing the process group misses a descendant that called `setsid()`. Once the grader is a child subreaper,
/// every orphaned descendant is re-parented to the grader instead of init, so any child the grader did not start
/// itself (and is not waiting for) is a leftover of student code, and is killed.
public enum OrphanReaper {
    /// Makes the grader the reaper of its orphaned descendants; false where Linux does not offer it.
    @discardableResult
    public static func adopt() -> Bool { grader_become_subreaper() == 0 }

    /// On SIGINT or SIGTERM, kills every process group the grader started (and any orphan it adopted), then exits
    /// with 128 + the signal: an interrupted grader leaves no student code running, with or without namespaces.
    /// Call once, at start-up.
    public static func killChildrenOnInterrupt() {
        for signalNumber in [SIGINT, SIGTERM] {
            // A signal the parent chose to ignore (a shell's background job ignores SIGINT) stays ignored.
            let previous = signal(signalNumber, SIG_IGN)
            let address: (__sighandler_t?) -> Int = { handler in handler.map { unsafeBitCast($0, to: Int.self) } ?? 0 }
            if address(previous) == address(SIG_IGN) { continue }
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                // Holding the children's lock keeps the grading threads from spawning or finishing meanwhile.
                ProcessRunner.withLiveChildren { live in
                    for pid in live {
                        kill(-pid, SIGKILL)
                        kill(pid, SIGKILL)
                    }
                    // Descendants of the killed children are re-parented to the grader (its subreaper role) a moment
                    // later; a few rounds catch them before the grader is gone.
                    for _ in 0..<10 {
                        let orphans = children(of: getpid())
                        if orphans.isEmpty { break }
                        for pid in orphans { kill(pid, SIGKILL) }
                        usleep(20_000)
                    }
                    _exit(128 + signalNumber)
                }
            }
            source.resume()
            interruptSources.withLock { $0.append(source) }
        }
    }

    /// The signal sources, kept alive for the life of the process.
    private static let interruptSources = Locked([any DispatchSourceSignal]())

    /// Kills and reaps every child of the grader that `ProcessRunner` is not running; returns how many.
    @discardableResult
    public static func killOrphans() -> Int {
        var killed = 0
        // A killed orphan's own children are re-parented to the grader in turn; a few rounds reach them all.
        for _ in 0..<64 {
            let orphans = ProcessRunner.withLiveChildren { live in
                let found = children(of: getpid()).filter { !live.contains($0) }
                for pid in found { kill(pid, SIGKILL) }
                return found
            }
            if orphans.isEmpty { break }
            for pid in orphans {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            killed += orphans.count
        }
        return killed
    }

    /// The processes whose parent is `parent`, read from `/proc/<pid>/stat`.
    static func children(of parent: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { pid_t($0) }.filter { ProcessStat(pid: $0)?.parent == parent }
    }
}
