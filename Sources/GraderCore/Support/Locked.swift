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
public func parallelMap<Result: Sendable>(order: [Int], width: Int, _ job: @Sendable (Int) -> Result) -> [Result] {
    precondition(order.sorted() == Array(order.indices), "order must list every job once")
    let count = order.count
    let results = Locked([Result?](repeating: nil, count: count))
    let next = Locked(0)
    let threads = max(1, min(width, count))
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
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
    return results.withLock { $0.map { $0! } }
}
