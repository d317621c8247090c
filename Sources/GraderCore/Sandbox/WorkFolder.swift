import Foundation

/// A folder one confined process works in (a build, or a run's scratch space): inside the staging folder, private
/// to the uid that process runs as, removed when the work is done.
///
/// Files go in as copies, never as links to the grader's own, and come out only as regular files the process made,
/// read without following links: whatever a hostile tool leaves in the folder (a symbolic link to a private file, a
/// hard link, a FIFO) is refused, never copied into the cache.
///
/// A class because it owns the folder and the uid it leased, both given back exactly once (`close()`).
final class WorkFolder: @unchecked Sendable {
    let path: String
    /// The uid the folder belongs to when the grader is root; `nil` otherwise (the grader's own user).
    let uid: uid_t?
    let owner: CodeOwner
    /// Whether the uid's last run ended with its launcher's sweep (without namespaces, as root); the next run sweeps
    /// first when it did not.
    let sweptState: Locked<Bool>
    private let release: @Sendable (_ swept: Bool) -> Void
    private let closed = Locked(false)

    /// Files larger than this are never copied out.
    static let largestOutput = 256 << 20

    init(
        parent: String, prefix: String, owner: CodeOwner, uid: uid_t?, swept: Bool = true,
        release: @escaping @Sendable (_ swept: Bool) -> Void
    ) throws {
        let folder = try TemporaryDirectory(prefix: prefix, parent: parent)
        path = folder.path
        self.uid = uid
        self.owner = owner
        sweptState = Locked(swept)
        self.release = release
        chmod(path, 0o700)
        if let uid, chown(path, uid, uid) != 0 {
            folder.remove()
            throw GraderError.io(
                path: path,
                reason: "cannot hand the folder to the sandbox's uid \(uid): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `bytes` to `name` in the folder, owned by the folder's uid.
    func add(_ name: String, bytes: [UInt8], executable: Bool = false) throws {
        let target = "\(path)/\(name)"
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard fd >= 0 else { throw GraderError.io(path: target, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        let failure = Self.writeAll(bytes, to: fd)
        guard failure == 0 else { throw GraderError.io(path: target, reason: String(cString: strerror(failure))) }
        if let uid { fchown(fd, uid, uid) }
    }

    /// Copies the file at `source` (one of the grader's) into the folder as `name`.
    func copy(_ source: String, as name: String, executable: Bool = false) throws {
        guard let bytes = Self.readRegularFile(source, limit: Self.largestOutput) else {
            throw GraderError.io(path: source, reason: "cannot be read to stage it for the sandbox")
        }
        try add(name, bytes: bytes, executable: executable)
    }

    /// The bytes of `name` if the confined process left a regular file there (not a link, not a FIFO); else `nil`.
    func contents(of name: String) -> [UInt8]? { Self.readRegularFile("\(path)/\(name)", limit: Self.largestOutput) }

    /// Copies `name` out of the folder to `destination`, atomically and owned by the grader; false when there is
    /// no such regular file.
    func collect(_ name: String, to destination: String, executable: Bool = false) throws -> Bool {
        guard let bytes = contents(of: name) else { return false }
        try Self.writeAtomically(bytes, to: destination, mode: executable ? 0o755 : 0o644)
        return true
    }

    /// Removes the folder and gives its uid back; later calls do nothing.
    func close() {
        let first = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        try? FileManager.default.removeItem(atPath: path)
        release(sweptState.withLock { $0 })
    }

    deinit { close() }

    /// Reads a regular file without following a symbolic link in its last component; `nil` for anything else, or
    /// a file over `limit` bytes.
    static func readRegularFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= limit else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            offset += count
        }
        return bytes
    }

    /// Writes all of `bytes` to `fd`; 0, or the errno of the write that failed.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }

    /// Writes `bytes` to a temporary name beside `destination` and renames it into place: a concurrent reader sees
    /// the old file or the whole new one.
    static func writeAtomically(_ bytes: [UInt8], to destination: String, mode: mode_t) throws {
        let temporary = "\(destination).tmp\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw GraderError.io(path: destination, reason: String(cString: strerror(errno))) }
        var failure = writeAll(bytes, to: fd)
        fchmod(fd, mode)
        Glibc.close(fd)
        if failure == 0, rename(temporary, destination) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw GraderError.io(path: destination, reason: String(cString: strerror(failure)))
        }
    }
}
