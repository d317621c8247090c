import Foundation

/// Reads whole files for the grader, where Foundation's `FileManager.contents(atPath:)`, `Data(contentsOf:)` and
/// `String(contentsOfFile:)` would leak: on Linux those read a file whose size is 0 into a 4 KiB buffer that the
/// empty `Data` they return never frees (swift-foundation's zero-size path), so a batch reading the empty files of
/// a class, or a fuzzer feeding empty `problem.yaml`s, grew by 4 KiB a read. `FileHandle` reads without that path.
enum FileBytes {
    /// Why a file could not be read, naming it.
    struct ReadError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// The file at `path` (links followed) as a cache key sees a build of it: size and modification time. Not its
    /// device, inode or change time, which an image layer or a copy that keeps times changes for the same bytes.
    static func buildIdentity(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): none" }
        return "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    /// The grader's own executable as `buildIdentity` sees it, read once: what names the grader's build in cache keys.
    static let graderBuild = buildIdentity(of: "/proc/self/exe")

    /// `; only N KiB are free on its device` when the device that holds `path` has less than `threshold` bytes free
    /// for the grader, else nothing: what a failed write's message adds, so that a full disk is named as one.
    static func lowSpaceNote(_ path: String, threshold: UInt64 = 16 << 20) -> String {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return "" }
        return lowSpaceNote(free: UInt64(info.f_bavail) * UInt64(info.f_frsize), threshold: threshold)
    }

    /// The note for `free` bytes (`lowSpaceNote(_:threshold:)`).
    static func lowSpaceNote(free: UInt64, threshold: UInt64 = 16 << 20) -> String {
        free < threshold ? "; only \(free >> 10) KiB are free on its device" : ""
    }

    /// The bytes of the file at `path`; `nil` when it cannot be opened or read.
    static func read(_ path: String) -> Data? { try? contents(path) }

    /// The bytes of the file at `path`, or an error that names it and the cause.
    static func contents(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do { return try handle.readToEnd() ?? Data() } catch {
            throw ReadError(path: path, reason: "\(error)")
        }
    }
}
