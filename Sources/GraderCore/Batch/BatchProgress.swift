import Foundation

/// Progress of a batch run on stderr: a bar redrawn in place on a terminal, a plain line every 10% otherwise.
///
/// A class because the worker threads share one clock and one last-printed state.
public final class BatchProgress: @unchecked Sendable {
    private let isTerminal: Bool
    private let start = Date()
    private let printed = Locked(-1)

    public init(isTerminal: Bool) { self.isTerminal = isTerminal }

    /// Records that `done` of `total` students are graded.
    public func update(done: Int, total: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let text = Self.line(done: done, total: total, elapsed: elapsed, bar: isTerminal)
        printed.withLock { last in
            if isTerminal {
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text + (done == total ? "\n" : "")).utf8))
            } else {
                let step = total < 10 ? 1 : total / 10
                guard done == total || done / step > last / max(1, step) || last < 0 else { return }
                FileHandle.standardError.write(Data((text + "\n").utf8))
            }
            last = done
        }
    }

    /// `[#####-----] 57/200 students, 3.1/s, 0:46 left`.
    public static func line(done: Int, total: Int, elapsed: Double, bar: Bool) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let minutes = Int(left) / 60
        let seconds = Int(left) % 60
        let timeLeft =
            done == total
            ? "done in \(String(format: "%.1f", elapsed)) s"
            : (rate > 0 ? "\(minutes):\(seconds < 10 ? "0" : "")\(seconds) left" : "estimating")
        var text = "\(done)/\(total) students, \(String(format: "%.1f", rate))/s, \(timeLeft)"
        if bar {
            let width = 24
            let filled = total == 0 ? width : width * done / total
            text =
                "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
                + text
        }
        return text
    }
}
