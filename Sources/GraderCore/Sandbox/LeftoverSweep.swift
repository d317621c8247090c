import Foundation

/// The folders any user may write to, where a run without namespaces could leave something for a later run of the
/// same uid (a hidden trials' run saving its inputs for a public one). `grader-launch --sweep` removes what the
/// run's uid left there, as that uid, after every run, and before one whose uid's last run was not swept.
///
/// With namespaces there is nothing to sweep: `/tmp` is a private tmpfs and IPC objects die with the namespace.
/// With Landlock, files can only be made in the run's own folder, but System V IPC objects are outside its reach,
/// so the sweep runs then too. (Keys no run may make: grader-launch refuses them.)
enum LeftoverSweep {
    /// The world-writable folders of a usual Linux system.
    static let usualFolders = ["/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock"]

    /// The usual folders that exist, and every other world-writable folder one or two levels below `/` (an
    /// administrator's `/var/spool/drop`, say), found once per run of the grader; at most `limit` in all.
    static let folders: [String] = {
        var found = usualFolders.filter { isFolder($0) }
        func visit(_ folder: String, depth: Int) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
            for name in names.sorted() {
                let path = folder == "/" ? "/" + name : folder + "/" + name
                guard !["/proc", "/sys"].contains(path), !found.contains(path) else { continue }
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
                if info.st_mode & 0o002 != 0 {
                    found.append(path)
                } else if depth < 2 {
                    visit(path, depth: depth + 1)
                }
            }
        }
        visit("/", depth: 1)
        return Array(found.prefix(limit))
    }()

    /// The launcher takes at most this many folders.
    static let limit = 32

    private static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
