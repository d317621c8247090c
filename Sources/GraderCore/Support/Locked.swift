import Foundation

/// A value shared between worker threads, guarded by a lock.
///
/// A class because the workers must see one shared instance; `@unchecked Sendable` because every access goes
/// through `withLock`.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Runs `count` independent jobs on up to `width` threads and returns their results in order.
public func parallelMap<Result: Sendable>(count: Int, width: Int, _ job: @Sendable (Int) -> Result) -> [Result] {
    parallelMap(order: Array(0..<count), width: width, job)
}

/// Runs the jobs numbered `0..<order.count`, starting them in `order` (the longest first keeps every thread busy to
/// the end), on up to `width` threads, and returns their results by job number.
///
/// The calling thread works too, beside `width - 1` threads of their own. Not `DispatchQueue.concurrentPerform`:
/// a call nested in another one's job shares out the cores the outer call already uses, so on 2 cores it ran its
/// jobs one after another (a class's answer keys, computed per problem and then split across runs, took one core).
/// Jobs here mostly wait on child processes, so nested calls may well run more threads than there are cores.
public func parallelMap<Result: Sendable>(order: [Int], width: Int, _ job: @Sendable (Int) -> Result) -> [Result] {
    precondition(order.sorted() == Array(order.indices), "order must list every job once")
    let count = order.count
    let results = Locked([Result?](repeating: nil, count: count))
    let next = Locked(0)
    let work: @Sendable (@Sendable (Int) -> Result) -> Void = { job in
        while true {
            let position = next.withLock { value -> Int in
                defer { value += 1 }
                return value
            }
            guard position < count else { return }
            let index = order[position]
            let result = job(index)
            results.withLock { $0[index] = result }
        }
    }
    let helpers = max(1, min(width, count)) - 1
    withoutActuallyEscaping(job) { job in
        // The helpers reach `job` through this box, emptied once they are done: a `Thread` keeps its block after
        // it ends, which must not hold `job` past this call.
        let shared = Locked<(@Sendable (Int) -> Result)?>(job)
        let finished = DispatchGroup()
        for _ in 0..<helpers {
            finished.enter()
            Thread {
                if let job = shared.withLock({ $0 }) { work(job) }
                finished.leave()
            }.start()
        }
        work(job)
        finished.wait()
        shared.withLock { $0 = nil }
    }
    return results.withLock { $0.map { $0! } }
}
