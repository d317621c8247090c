import Foundation
import Testing

/// A grader killed with SIGKILL (the OOM killer, a CI job's hard timeout, `kill -9`) can clean up nothing itself:
/// the student's processes must still end with it, and its staging folder must go at the next start.
@Suite("grader killed with SIGKILL")
struct GraderKillTests {
    @Test(
        "no student process outlives a SIGKILLed grader, and the next grader removes its staging folder",
        arguments: [true, false])
    func sigkill(namespaces: Bool) throws {
        if namespaces { try CLI.requireBubblewrap() }
        let marker = "9\(Int.random(in: 100_000...999_999)).5"  // a valid `sleep` duration, short enough for comm
        let folder = try CLI.referenceCopy("killed")
        let fixture = try String(
            contentsOfFile: CLI.snippet("sleep-with-session-child"), encoding: .utf8)
        let reference = try String(
            contentsOfFile: CLI.root + "/submissions/hw6/reference/residual-jacobians.swift", encoding: .utf8)
        let source =
            fixture.replacingOccurrences(of: "@@MARKER@@", with: marker) + "\n"
            + reference.replacingOccurrences(of: "func residualLayerJacobian(", with: "func correctLayerJacobian(")
        try source.write(toFile: folder + "/residual-jacobians.swift", atomically: true, encoding: .utf8)
        // Not named after the marker: the staging path is on bubblewrap's and the launcher's command lines, which
        // must not pass for the snippet's processes (they also run the reference, before any snippet).
        let temporary = CLI.temporary("kill-tmp-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments =
            ["grade", folder, "--only", "residual-jacobians.residualLayerJacobian", "--timeout", "120"]
            + (namespaces ? ["--require-sandbox"] : ["--no-namespaces"])
        var environment = ProcessInfo.processInfo.environment
        environment["GRADER_CACHE"] = CLI.cache
        environment["TMPDIR"] = temporary  // its staging folder goes here, where this test can find it
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.root)
        let log = temporary + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? logHandle.close() }
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Both the snippet (renamed to the marker) and its session child (a `sleep` with the marker) are running.
        // A monotonic clock: the wall clock of these machines has been seen to jump. Polled through /proc only.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(240))
        // As an ordinary user without namespaces, the process limit counts every process of the user, so the child
        // may never start; the snippet alone must then end with the grader.
        let expected = namespaces || getuid() == 0 ? 2 : 1
        while HostileSnippetTests.processes(containing: marker).count < expected && clock.now < deadline {
            usleep(50_000)
        }
        let running = HostileSnippetTests.processes(containing: marker)
        try #require(
            running.count >= expected,
            """
            the snippet and its child never both ran: \(running); the grader said: \
            \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            """
        )
        let staging = try FileManager.default.contentsOfDirectory(atPath: temporary).filter {
            $0.hasPrefix("grader-stage-")
        }
        #expect(staging.count == 1, "\(staging)")

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let killedAt = clock.now
        var left = HostileSnippetTests.processes(containing: marker)
        while !left.isEmpty && killedAt.duration(to: clock.now) < .seconds(2) {
            usleep(20_000)
            left = HostileSnippetTests.processes(containing: marker)
        }
        #expect(left.isEmpty, "still running 2 s after the grader was killed: \(left)")
        for pid in left.compactMap({ pid_t($0.split(separator: " ").first ?? "") }) { kill(pid, SIGKILL) }
        #expect(
            staging.allSatisfy { FileManager.default.fileExists(atPath: temporary + "/" + $0) },
            "nothing removed it yet")

        // The next grader (here a quick one) removes the dead grader's staging folder, and only that.
        let next = try CLI.grader(
            ["grade", folder, "--only", "parameter-counts.mlp"] + (namespaces ? [] : ["--no-namespaces"]),
            environment: ["TMPDIR": temporary])
        #expect(next.status == 0, "\(next.stderr)")
        let after = try FileManager.default.contentsOfDirectory(atPath: temporary).filter {
            $0.hasPrefix("grader-stage-")
        }
        #expect(after.isEmpty, "left behind: \(after)")
    }

    @Test("a staging folder whose grader still runs is never removed")
    func liveFolderKept() throws {
        let temporary = CLI.temporary("kill-live-\(UInt32.random(in: 0...UInt32.max))")
        let live = temporary + "/grader-stage-live"
        let dead = temporary + "/grader-stage-dead"
        let unclaimed = temporary + "/grader-stage-new"
        for folder in [live, dead, unclaimed] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        // This test process stands for a live grader; a pid that cannot be running now stands for a dead one.
        let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let start = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")[19]
        try "\(getpid()) \(start)\n".write(toFile: live + "/.owner", atomically: true, encoding: .utf8)
        // The same pid with another start: a reused pid.
        try "\(getpid()) 1\n".write(toFile: dead + "/.owner", atomically: true, encoding: .utf8)
        let run = try CLI.grader(
            ["grade", "submissions/hw6/reference", "--only", "parameter-counts.mlp"], environment: ["TMPDIR": temporary]
        )
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(
            FileManager.default.fileExists(atPath: unclaimed), "a folder without an owner record may be being created")
        #expect(!FileManager.default.fileExists(atPath: dead))
    }
}
