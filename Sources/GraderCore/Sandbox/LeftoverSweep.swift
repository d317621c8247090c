import CProcessSupport
import Foundation

/// Removes what a uid's processes left outside their own folder, for runs without namespaces as root: nothing a
/// student's run writes may reach a later run (a hidden trial's inputs saved in `/tmp` for the next public run to
/// print). Called after every process of that uid has ended and before the uid is used again.
///
/// With namespaces there is nothing to sweep: `/tmp` is a private tmpfs and IPC objects die with the namespace.
/// With Landlock, files can only be made in the run's own folder, but System V IPC objects are outside its reach.
enum LeftoverSweep {
    /// The folders any user may write to on a usual Linux system.
    static let sharedFolders = ["/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock"]

    /// Removes every file, folder, socket or FIFO owned by `uid` in the shared folders and in any folder below them
    /// that `uid` could write to; returns the paths removed.
    @discardableResult
    static func files(of uid: uid_t, in roots: [String] = sharedFolders) -> [String] {
        var removed: [String] = []
        func sweep(_ folder: String, depth: Int) {
            guard depth < 8, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
            for name in names {
                let path = (folder as NSString).appendingPathComponent(name)
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if info.st_uid == uid {
                    if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
                } else if (info.st_mode & S_IFMT) == S_IFDIR, info.st_mode & 0o002 != 0 {
                    // Anyone may write here (/tmp/.X11-unix, say): the uid may have too.
                    sweep(path, depth: depth + 1)
                }
            }
        }
        for root in roots { sweep(root, depth: 0) }
        return removed
    }

    /// Removes the System V shared memory segments, message queues and semaphore sets that `uid` owns or created.
    static func ipcObjects(of uid: uid_t) {
        // (file, kind for grader_remove_ipc, column of the id, columns of the owner and the creator)
        let tables: [(String, Int32, Int, [Int])] = [
            ("/proc/sysvipc/shm", 0, 1, [7, 9]), ("/proc/sysvipc/msg", 1, 1, [7, 9]), ("/proc/sysvipc/sem", 2, 1, [4, 6]),
        ]
        for (file, kind, idColumn, owners) in tables {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst() {
                let fields = line.split(whereSeparator: \.isWhitespace)
                guard let id = Int32(fields.count > idColumn ? fields[idColumn] : ""),
                    owners.contains(where: { fields.count > $0 && UInt32(fields[$0]) == uid })
                else { continue }
                _ = grader_remove_ipc(kind, id)
            }
        }
    }
}
