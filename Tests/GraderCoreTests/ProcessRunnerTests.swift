import Foundation
import Testing

@testable import GraderCore

/// The child process the grader starts as another user: what `setpriv` did in a process of its own, done between
/// `fork` and `exec`.
@Suite("starting a process as another user")
struct ProcessRunnerTests {
    /// A uid no account has, in the block the sandbox leases from.
    static let stranger: uid_t = 2_147_418_190

    @Test(
        "the child has the uid, the gid and no other group, with the same pipes, folder and environment",
        .enabled(if: getuid() == 0, "only root starts a process as another user"))
    func credentials() throws {
        let folder = NSTemporaryDirectory() + "runner-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var request = ProcessRequest(
            executable: "/bin/sh",
            arguments: ["-c", #"id -u; id -g; id -G; pwd; echo "$WHO"; ls /proc/$$/fd; cat; echo result >&3"#])
        request.userID = Self.stranger
        request.workingDirectory = folder
        request.environment = ["WHO=stranger", "PATH=/usr/bin:/bin"]
        request.input = Array("from stdin\n".utf8)
        let outcome = try ProcessRunner.run(request)
        #expect(outcome.succeeded, "\(String(decoding: outcome.stderr, as: UTF8.self))")
        let lines = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let id = "\(Self.stranger)"
        #expect(lines.prefix(3) == [id, id, id], "\(lines)")
        #expect(lines.dropFirst(3).first == folder, "\(lines)")
        #expect(lines.dropFirst(4).first == "stranger", "\(lines)")
        // Descriptors 0-3 and nothing else of the grader's (the shell's own `ls` pipe aside, none here).
        #expect(Array(lines.dropFirst(5).prefix(4)) == ["0", "1", "2", "3"] && lines.count == 10, "\(lines)")
        #expect(lines.last == "from stdin", "\(lines)")
        #expect(String(decoding: outcome.results, as: UTF8.self) == "result\n")
    }

    @Test(
        "a program that cannot start as another user is the launch error, and leaves no child behind",
        .enabled(if: getuid() == 0, "only root starts a process as another user"))
    func launchError() throws {
        var request = ProcessRequest(executable: "/nonexistent/program", arguments: [])
        request.userID = Self.stranger
        #expect {
            _ = try ProcessRunner.run(request)
        } throws: { error in
            (error as? ProcessLaunchError)?.code == ENOENT
        }
        var status: Int32 = 0
        #expect(waitpid(-1, &status, WNOHANG) <= 0)
    }
}
