import Foundation

/// Whose code a build or a run handles. The two never share a uid, a folder or (without namespaces) a moment.
public enum CodeOwner: Sendable {
    /// A student's: hostile input, for the compiler and the linker as much as when it runs.
    case student
    /// The instructor's reference and the grader's generated code.
    case trusted
}

/// The uids that builds and runs use when the grader is root, one at a time each.
///
/// Every grader takes a block of 64 uids far above any account (2147418112 and up; which block depends on its pid,
/// so graders running at once rarely share one): the first 48 for student code, the last 16 for trusted code. A
/// run holds its uid alone, so one run's processes never count against another's `RLIMIT_NPROC` (a fork bomb in
/// one student's part cannot stop a classmate's), and no student process ever has the uid of a reference run: it
/// can neither execute nor read the reference's binary, nor signal the process.
///
/// A class because the pools are shared by every worker thread; the condition guards them.
final class RunIdentities: @unchecked Sendable {
    /// The first of the uids, far above any account's uid.
    static let base = 0x7FFF_0000
    static let blockSize = 64
    static let studentShare = 48

    private let condition = NSCondition()
    private var free: [CodeOwner: [uid_t]]
    /// Uids whose last run in this grader ended with its launcher's sweep: what another grader, or a launcher
    /// killed before it swept, left under the others is swept before their next run.
    private var swept = Set<uid_t>()

    init(pid: pid_t = getpid()) {
        let first = Self.base + (Int(pid) % 1024) * Self.blockSize
        let uids = (0..<Self.blockSize).map { uid_t(first + $0) }
        free = [.student: Array(uids.prefix(Self.studentShare)), .trusted: Array(uids.dropFirst(Self.studentShare))]
    }

    /// A uid of `owner`'s pool, waiting while every one is in use, and whether its last run was swept.
    func lease(_ owner: CodeOwner) -> (uid: uid_t, swept: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while free[owner, default: []].isEmpty { condition.wait() }
        let uid = free[owner]!.removeLast()
        return (uid, swept.contains(uid))
    }

    /// Gives back a uid `lease` returned; `swept` when its last run ended with its launcher's sweep.
    func release(_ uid: uid_t, of owner: CodeOwner, swept wasSwept: Bool) {
        condition.lock()
        free[owner, default: []].append(uid)
        if wasSwept { swept.insert(uid) } else { swept.remove(uid) }
        condition.signal()
        condition.unlock()
    }

    /// Whether `uid` belongs to any grader's block (student or trusted), as processes of the sandbox do.
    static func isSandboxUID(_ uid: uid_t) -> Bool { Int(uid) >= base && Int(uid) < base + 1024 * blockSize }
}

/// Keeps trusted code and student code from running at the same time, for runs without namespaces.
///
/// Without a PID namespace, a student's process sees every process of the machine in `/proc`. Holding trusted runs
/// apart means no reference process is alive while student code runs: there is nothing to look at, signal or time.
/// Student processes run side by side; a trusted process waits until they have ended, and new student processes
/// wait while a trusted one waits or runs, so the reference is never starved.
///
/// A class because every worker thread shares one gate; the condition guards its counters.
final class TrustGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var students = 0
    private var trustedRunning = 0
    private var trustedWaiting = 0

    /// Runs `body` as `owner`'s process: alongside other student processes, or alone with trusted ones.
    func pass<Result>(as owner: CodeOwner, _ body: () throws -> Result) rethrows -> Result {
        condition.lock()
        switch owner {
        case .student:
            while trustedRunning > 0 || trustedWaiting > 0 { condition.wait() }
            students += 1
        case .trusted:
            trustedWaiting += 1
            while students > 0 { condition.wait() }
            trustedWaiting -= 1
            trustedRunning += 1
        }
        condition.unlock()
        defer {
            condition.lock()
            switch owner {
            case .student: students -= 1
            case .trusted: trustedRunning -= 1
            }
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
