import Foundation

/// Where a run's time went: the wall time of each phase, and the count and summed duration of each kind of work
/// done many times over (a compiler call, a link, a sandboxed run, a cache read).
///
/// Always on (a lock and an addition per entry, against processes that take milliseconds); `grader batch
/// --timings` prints it. Durations of work done on several threads at once add up past the wall time: they are
/// process-seconds, which is what the machine's cores spent.
public final class TimeLedger: @unchecked Sendable {
    /// The ledger of this process.
    public static let shared = TimeLedger()

    /// What one label has accumulated.
    public struct Entry: Sendable, Equatable {
        public var count = 0
        public var seconds = 0.0
    }

    private let state = Locked((order: [String](), entries: [String: Entry]()))

    public init() {}

    /// Adds `count` occurrences of `label` that took `seconds` in all.
    public func add(_ label: String, count: Int = 1, seconds: Double) {
        state.withLock { state in
            if state.entries[label] == nil { state.order.append(label) }
            state.entries[label, default: Entry()].count += count
            state.entries[label, default: Entry()].seconds += seconds
        }
    }

    /// Runs `body` and adds its duration under `label`.
    public func measure<Value>(_ label: String, _ body: () throws -> Value) rethrows -> Value {
        let clock = ContinuousClock()
        let start = clock.now
        defer { add(label, seconds: Self.seconds(start.duration(to: clock.now))) }
        return try body()
    }

    /// The labels in the order they were first seen, with what each accumulated.
    public var entries: [(label: String, entry: Entry)] {
        state.withLock { state in state.order.map { ($0, state.entries[$0]!) } }
    }

    /// Forgets everything recorded so far.
    public func reset() { state.withLock { $0 = ([], [:]) } }

    /// A table of the entries whose label starts with `prefix` (which is dropped), one line each: the label, the
    /// count, the seconds, and the mean when there is more than one.
    public func table(prefix: String) -> [String] {
        entries.filter { $0.label.hasPrefix(prefix) }.map { label, entry in
            let name = String(label.dropFirst(prefix.count))
            let total = String(format: "%8.2f s", entry.seconds)
            let mean = entry.count > 1 ? String(format: "  (%.3f s each)", entry.seconds / Double(entry.count)) : ""
            return "  \(name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%6d", entry.count))x"
                + " \(total)\(mean)"
        }
    }

    /// A duration in seconds.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
