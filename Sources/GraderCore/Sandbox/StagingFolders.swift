import Foundation

/// The fields of `/proc/<pid>/stat` the grader needs: a process's parent and its start time.
struct ProcessStat: Equatable {
    let parent: pid_t
    /// Clock ticks after boot: with the pid, it names one process even after the pid is reused.
    let startTime: UInt64

    /// The stat of `pid`, or `nil` when no such process is running.
    init?(pid: pid_t) {
        guard let data = FileBytes.read("/proc/\(pid)/stat") else { return nil }
        // The command name in parentheses may hold spaces and ')'; the fields after its last ')' are fixed.
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3 of stat), so field n is fields[n - 3].
        guard fields.count > 19, let parent = pid_t(fields[1]), let start = UInt64(fields[19]) else { return nil }
        self.parent = parent
        startTime = start
    }
}

/// The grader's staging folders (`grader-stage-*` in the temporary folder): each records the grader that owns it,
/// so a later grader can remove the folders of one that was killed before it could clean up (SIGKILL, the OOM
/// killer, a CI job's hard timeout).
enum StagingFolders {
    static let prefix = "grader-stage"
    static let ownerFile = ".owner"

    /// Records this process as the owner of `folder`.
    static func claim(_ folder: String) {
        guard let stat = ProcessStat(pid: getpid()) else { return }
        _ = FileManager.default.createFile(
            atPath: "\(folder)/\(ownerFile)", contents: Data("\(getpid()) \(stat.startTime)\n".utf8))
    }

    /// Removes the staging folders under `parent` that this user owns and whose grader is gone; never `keep`, never
    /// one whose grader still runs, never one without an owner record (it may be being created). Returns what it
    /// removed.
    @discardableResult
    static func removeStale(in parent: String, keep: String) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return [] }
        var removed: [String] = []
        for entry in entries where entry.hasPrefix(prefix + "-") {
            let folder = (parent as NSString).appendingPathComponent(entry)
            guard folder != keep, !isOwnerAlive(folder) else { continue }
            var info = stat()
            guard lstat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else {
                continue
            }
            if (try? FileManager.default.removeItem(atPath: folder)) != nil { removed.append(folder) }
        }
        return removed
    }

    /// Whether the grader recorded in `folder` still runs; true when there is no readable record.
    static func isOwnerAlive(_ folder: String) -> Bool {
        guard let data = FileBytes.read("\(folder)/\(ownerFile)") else { return true }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let pid = pid_t(fields[0]), let start = UInt64(fields[1]) else { return true }
        return ProcessStat(pid: pid)?.startTime == start
    }
}
