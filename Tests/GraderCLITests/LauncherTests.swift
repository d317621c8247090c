import Foundation
import Testing

/// `grader-launch`'s sweep, which removes what a run's uid left in the world-writable folders before the uid is
/// used again: it removes that uid's files, folders and links, and nothing else, however the tree is laid out.
@Suite("grader-launch")
struct LauncherTests {
    static var launcher: String {
        URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("grader-launch").path
    }

    /// Runs the launcher with `arguments` (watch mode: this process is its parent) and waits.
    static func launch(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        process.arguments = ["--parent", "\(getpid())"] + arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(
        "the sweep removes what the run's uid left, as that uid, and nothing else",
        .enabled(if: getuid() == 0, "a uid of a run's own needs root"))
    func sweep() throws {
        let uid: uid_t = 2_147_000_123
        let shared = CLI.temporary("sweep-\(UInt32.random(in: 0...UInt32.max))")
        let victim = CLI.temporary("sweep-victim-\(UInt32.random(in: 0...UInt32.max))")
        let manager = FileManager.default
        for folder in [shared, shared + "/world", shared + "/own/inner", victim] {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        chmod(shared, 0o777)
        chmod(shared + "/world", 0o777)
        let owned = [
            shared + "/own", shared + "/own/inner", shared + "/own/inner/file", shared + "/own-file",
            shared + "/world/own-file",
        ]
        let kept = [
            shared + "/root-file", shared + "/world/root-file", shared + "/own/inner/root-file", victim + "/precious",
        ]
        for file in owned + kept where !file.hasSuffix("/own") && !file.hasSuffix("/inner") {
            try "x".write(toFile: file, atomically: false, encoding: .utf8)
        }
        // A link the uid made to a folder of root's, as a race would plant it: the link goes, never what it names.
        try manager.createSymbolicLink(atPath: shared + "/world/link", withDestinationPath: victim)
        for path in owned + [shared + "/world/link"] { lchown(path, uid, uid) }
        // A root-owned file in the uid's own folder: the folder is the uid's, so all it holds goes with it.
        let status = try Self.launch(["--user", "\(uid):\(uid)", "--sweep", shared, "--", "/usr/bin/true"])
        #expect(status == 0)
        for path in owned + [shared + "/world/link"] {
            var info = stat()
            #expect(lstat(path, &info) != 0, "\(path) is still there")
        }
        for path in [shared + "/root-file", shared + "/world/root-file", victim + "/precious", shared + "/world"] {
            #expect(manager.fileExists(atPath: path), "\(path) was removed")
        }
    }

    @Test(
        "PROGRAM gets a session keyring of its own, never the grader's, and no message queue",
        .enabled(if: getuid() == 0, "a uid of a run's own needs root"))
    func keyringAndQueues() throws {
        // This process joins a session keyring (as a grader started by a service manager or a login has one), which
        // its children inherit: keyctl(KEYCTL_JOIN_SESSION_KEYRING, "grader-launch-test").
        typealias Syscall = @convention(c) (Int, Int, Int, Int, Int, Int) -> Int
        let system = unsafeBitCast(try #require(dlsym(dlopen(nil, RTLD_NOW), "syscall")), to: Syscall.self)
        let joined = "grader-launch-test".withCString { system(250, 1, Int(bitPattern: $0), 0, 0, 0) }
        try #require(joined > 0)
        #expect(try String(contentsOfFile: "/proc/keys", encoding: .utf8).contains("grader-launch-test"))
        // /proc/keys lists the keys a process may view: a keyring it possesses (its session keyring) among them.
        let output = CLI.temporary("keyring-\(UInt32.random(in: 0...UInt32.max))")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        chmod(output, 0o666)
        let status = try Self.launch([
            "--user", "2147000124:2147000124", "--", "/bin/bash", "-c",
            "cat /proc/keys > \(output); ulimit -q >> \(output)",
        ])
        #expect(status == 0)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(!text.contains("grader-launch-test"), "PROGRAM possesses the grader's session keyring:\n\(text)")
        #expect(text.split(separator: "\n").last == "0", "RLIMIT_MSGQUEUE is not 0:\n\(text)")
    }

    @Test(
        "a leftover whose main thread ended while another thread runs on is killed; the launcher returns",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "it is made with python3"))
    func livingZombieKilled() throws {
        // It shows as a zombie ('Z'); the launcher skipped it, then waited for it (30 s) in a blocking waitpid.
        let marker = "living-zombie-\(UInt32.random(in: 0...UInt32.max))"
        let leftover = """
            import ctypes, platform, threading, time
            threading.Thread(target=lambda: time.sleep(30)).start()
            time.sleep(0.1)
            ctypes.CDLL(None).syscall({"x86_64": 60, "aarch64": 93}[platform.machine()], 0)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.launcher)
        process.arguments = [
            "--parent", "\(getpid())", "--", "/bin/sh", "-c",
            "python3 -c '\(leftover)' \(marker) & sleep 0.5",
        ]
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let returned = !process.isRunning
        if !returned { process.terminate() }
        process.waitUntilExit()
        #expect(returned, "the launcher still waited after 20 s")
        let left = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { entry in
            guard Int(entry) != nil, let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return false }
            return String(decoding: command, as: UTF8.self).contains(marker)
        }
        #expect(left.isEmpty, "the leftover lives on: \(left)")
    }
}
