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

/// One helper thread's share of a `parallelMap`.
private final class HelperWork {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Runs `count` independent jobs on up to `width` threads and returns their results in order.
public func parallelMap<Result: Sendable>(count: Int, width: Int, _ job: @Sendable (Int) -> Result) -> [Result] {
    parallelMap(order: Array(0..<count), width: width, job)
}

/// Runs the jobs numbered `0..<order.count`, starting them in `order` (the longest first keeps every thread busy to
/// the end), on up to `width` threads, and returns their results by job number.
///
/// The calling thread works too, beside `width - 1` threads of their own (with the default stack size, as
/// Dispatch's workers had). Not `DispatchQueue.concurrentPerform`: a call nested in another one's job shares out the
/// cores the outer call already uses, so on 2 cores it ran its jobs one after another (a class's answer keys,
/// computed per problem and then split across runs, took one core). Jobs here mostly wait on child processes, so
/// nested calls may well run more threads than there are cores.
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
        // Each helper gets `job` in a box it releases when its work is done, and is joined before this returns: no
        // reference to `job` outlives the call. A helper that cannot be started (no threads left) leaves its share
        // to the others and to this thread.
        var started: [pthread_t] = []
        for _ in 0..<helpers {
            let box = Unmanaged.passRetained(HelperWork { work(job) }).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(
                &thread, nil,
                { box in
                    Unmanaged<HelperWork>.fromOpaque(box!).takeRetainedValue().run()
                    return nil
                }, box)
            if status == 0 {
                started.append(thread)
            } else {
                Unmanaged<HelperWork>.fromOpaque(box).release()
            }
        }
        work(job)
        for thread in started { pthread_join(thread, nil) }
    }
    return results.withLock { $0.map { $0! } }
}

/// Work started on a thread of its own when made; `wait()` returns its result once it is done.
///
/// For work that waits mostly on child processes (compiles) beside work of the calling thread: the two overlap
/// where one alone would leave a core idle.
public final class BackgroundJob<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Locked<Value?>(nil)

    public init(_ work: @escaping @Sendable () -> Value) {
        Thread { [done, result] in
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }.start()
    }

    /// The work's result, once it is done (at once when it is).
    public func wait() -> Value {
        done.wait()
        done.signal()
        return result.withLock { $0! }
    }
}
