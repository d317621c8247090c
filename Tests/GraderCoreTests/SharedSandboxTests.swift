import Foundation
import Testing

@testable import GraderCore

/// Runs of one group in one sandbox (`SandboxSession`), attacked as a student's code would: what one run leaves
/// (files, a process, a forged result, System V IPC) must not reach the next run, the launcher that serves the runs
/// must be out of their reach, and a run that breaks the sandbox is run again alone. A shell script stands in for the
/// student's binary; its argument says what it does.
@Suite(
    "shared sandboxes", .serialized,
    .enabled(if: ProcessRunner.which("bwrap") != nil, "a shared sandbox is a bubblewrap sandbox"))
struct SharedSandboxTests {
    static let script = #"""
        #!/bin/sh
        case "$1" in
        namespace) readlink /proc/self/ns/pid ;;
        leave)
            readlink /proc/self/ns/pid
            echo kept > /tmp/kept
            mkdir /tmp/closed && echo inside > /tmp/closed/file && chmod 0 /tmp/closed
            ipcmk -M 4096 > /dev/null 2>&1
            # A process that outlives the run, in a session of its own, and later writes where the next run looks:
            # its /tmp, and the result channel (fd 3) of every process it can reach.
            setsid sh -c 'sleep 0.6; echo late > /tmp/late;
                for fd in /proc/[0-9]*/fd/3; do echo "R 0 9" > "$fd"; done; sleep 5' \
                > /dev/null 2>&1 < /dev/null 3>&- &
            echo "R 0 1" >&3 ;;
        look)
            readlink /proc/self/ns/pid
            sleep 1.2
            echo "tmp: $(ls -A /tmp | tr '\n' ' ')"
            echo "shm: $(ipcs -m 2>/dev/null | grep -c '^0x')"
            echo "left: $(grep -l 'ech[o] late' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)"
            echo "R 0 2" >&3 ;;
        launcher)
            readlink /proc/self/ns/pid
            cat /proc/$PPID/environ > /dev/null 2>&1 && echo "read its environment"
            ls /proc/$PPID/fd > /dev/null 2>&1 && echo "listed its descriptors"
            cat /proc/$PPID/maps > /dev/null 2>&1 && echo "read its memory map"
            kill -TERM $PPID; kill -HUP $PPID; kill -INT $PPID
            for fd in /proc/$$/fd/*; do readlink "$fd"; done | grep -c socket | sed 's/^/sockets: /' ;;
        killer)
            kill -9 $PPID
            echo survived ;;
        limits) echo "cpu $(ulimit -t) files $(ulimit -n)" ;;
        sleep) sleep 10 ;;
        esac
        """#

    /// A sandbox, the script in a folder of its own, and what `body` does with them.
    func withSandbox(_ body: (Sandbox, String) throws -> Void) throws {
        let sandbox = try Sandbox(runtimeLibraries: "/usr/lib", requireIsolation: true)
        defer { sandbox.close() }
        let folder = NSTemporaryDirectory() + "shared-sandbox-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/snippet"
        try Self.script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        try body(sandbox, path)
    }

    func run(
        _ sandbox: Sandbox, _ script: String, _ entry: String, group: Sandbox.RunGroup?,
        limits: SandboxLimits = SandboxLimits()
    ) throws -> (outcome: ProcessOutcome, lines: [String]) {
        let outcome = try sandbox.run(
            binary: script, entry: entry, trials: ["1"], limits: limits, owner: .student, group: group)
        let lines = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        return (outcome, lines)
    }

    @Test("the runs of a group share one sandbox; another group, or a run with none, gets its own")
    func sharing() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let first = try run(sandbox, script, "namespace", group: group).lines
            let second = try run(sandbox, script, "namespace", group: group).lines
            let other = try run(sandbox, script, "namespace", group: sandbox.openGroup()).lines
            let alone = try run(sandbox, script, "namespace", group: nil).lines
            #expect(first.count == 1 && first == second, "\(first) \(second)")
            #expect(other != first && alone != first && alone != other, "\(first) \(other) \(alone)")
        }
    }

    @Test("nothing a run leaves reaches the next run in its sandbox: files, a process, a forged result, IPC")
    func nothingCarriesOver() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let leave = try run(sandbox, script, "leave", group: group)
            #expect(leave.outcome.succeeded && String(decoding: leave.outcome.results, as: UTF8.self) == "R 0 1\n")
            let look = try run(sandbox, script, "look", group: group)
            // The same sandbox, or the test proves nothing.
            #expect(look.lines.first == leave.lines.first, "\(leave.lines) \(look.lines)")
            #expect(look.lines.contains("tmp: "), "\(look.lines)")
            #expect(look.lines.contains("shm: 0"), "\(look.lines)")
            #expect(look.lines.contains("left: 0"), "\(look.lines)")
            #expect(String(decoding: look.outcome.results, as: UTF8.self) == "R 0 2\n", "\(look.outcome.results)")
        }
    }

    @Test("the launcher that serves the runs is out of their reach, and ignores their signals")
    func launcherOutOfReach() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let probe = try run(sandbox, script, "launcher", group: group)
            #expect(probe.outcome.succeeded)
            #expect(probe.lines.count == 2 && probe.lines.last == "sockets: 0", "\(probe.lines)")
            let after = try run(sandbox, script, "namespace", group: group)
            #expect(after.lines == [probe.lines[0]], "the sandbox survived its run's signals")
        }
    }

    @Test("a run that kills its launcher is run again in a sandbox of its own; the group then starts another")
    func launcherKilled() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let before = try run(sandbox, script, "namespace", group: group).lines
            let killer = try run(sandbox, script, "killer", group: group)
            // Alone, its parent is bubblewrap's init, which a signal from inside does not kill.
            #expect(killer.outcome.succeeded && killer.lines == ["survived"], "\(killer.lines)")
            let after = try run(sandbox, script, "namespace", group: group).lines
            #expect(after.count == 1 && after != before, "\(before) \(after)")
        }
    }

    @Test("a run over its wall-clock limit ends its sandbox; every run has its own limits")
    func limitsPerRun() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let before = try run(sandbox, script, "namespace", group: group).lines
            var short = SandboxLimits()
            short.wallSeconds = 1
            let started = ContinuousClock.now
            let slow = try run(sandbox, script, "sleep", group: group, limits: short)
            #expect(slow.outcome.timedOut && started.duration(to: .now) < .seconds(5))
            let after = try run(sandbox, script, "namespace", group: group).lines
            #expect(after.count == 1 && after != before, "\(before) \(after)")
            var limits = SandboxLimits()
            limits.cpuSeconds = 3
            limits.openFiles = 20
            #expect(try run(sandbox, script, "limits", group: group, limits: limits).lines == ["cpu 3 files 20"])
            limits.cpuSeconds = 7
            limits.openFiles = 30
            #expect(try run(sandbox, script, "limits", group: group, limits: limits).lines == ["cpu 7 files 30"])
        }
    }

    @Test("an ended group leaves no process behind")
    func endedGroup() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            _ = try run(sandbox, script, "namespace", group: group)
            // This sandbox's own: other suites' sandboxes run beside this one.
            let staging = (try sandbox.privateFolder(named: "probe") as NSString).deletingLastPathComponent
            #expect(!Self.servingProcesses(under: staging).isEmpty, "a sandbox waits for the group's next run")
            sandbox.endGroup(group)
            #expect(Self.servingProcesses(under: staging).isEmpty)
        }
    }

    /// The pids of this machine's processes that serve a shared sandbox whose work folder is under `staging`.
    static func servingProcesses(under staging: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int(entry) != nil, let bytes = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else {
                return false
            }
            let arguments = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains("--serve") && arguments.contains { $0.hasPrefix(staging + "/") }
        }
    }
}
