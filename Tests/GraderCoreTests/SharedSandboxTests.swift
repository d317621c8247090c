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
        # Which sandbox: its PID namespace, whose number the kernel may give the next one, and its pid 1's start.
        identity() { echo "$(readlink /proc/self/ns/pid) $(cut -d ' ' -f 22 /proc/1/stat)"; }
        case "$1" in
        namespace) identity ;;
        leave)
            identity
            echo kept > /tmp/kept
            mkdir /tmp/closed && echo inside > /tmp/closed/file && chmod 0 /tmp/closed
            ipcmk -M 4096 > /dev/null 2>&1
            echo "shm made: $(ipcs -m 2>/dev/null | grep -c '^0x')"
            # A process that outlives the run, in a session of its own, and later writes where the next run looks:
            # its /tmp, and the result channel (fd 3) of every process it can reach.
            setsid sh -c 'sleep 0.6; echo late > /tmp/late;
                for fd in /proc/[0-9]*/fd/3; do echo "R 0 9" > "$fd"; done; sleep 5' \
                > /dev/null 2>&1 < /dev/null 3>&- &
            echo "R 0 1" >&3 ;;
        look)
            identity
            sleep 1.2
            echo "tmp: $(ls -A /tmp | tr '\n' ' ')"
            echo "shm: $(ipcs -m 2>/dev/null | grep -c '^0x')"
            echo "left: $(grep -l 'ech[o] late' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)"
            echo "R 0 2" >&3 ;;
        launcher)
            identity
            cat /proc/$PPID/environ > /dev/null 2>&1 && echo "read its environment"
            ls /proc/$PPID/fd > /dev/null 2>&1 && echo "listed its descriptors"
            cat /proc/$PPID/maps > /dev/null 2>&1 && echo "read its memory map"
            # Its parent is pid 1, which the kernel spares every signal from inside it has no handler for.
            for signal in TERM HUP INT SEGV USR1 RTMIN XCPU STOP KILL; do kill -$signal $PPID 2> /dev/null; done
            for fd in /proc/$$/fd/*; do readlink "$fd"; done | grep -c socket | sed 's/^/sockets: /' ;;
        state)
            identity
            echo "tmp: $(stat -c '%a %u %Y %X' /tmp) $(python3 -c 'if True:
                import array, fcntl, os
                flags = array.array("i", [0])
                fcntl.ioctl(os.open("/tmp", os.O_RDONLY), 0x80086601, flags)
                print(os.listxattr("/tmp"), flags[0])')" ;;
        tamper)
            # What the launcher must put back through the descriptor it kept: /tmp's xattrs, its access ACL
            # (user::rwx user:65534:rwx group::r-x mask::rwx other::r-x), its no-dump flag, its times and mode, the
            # last of which locks a launcher that opens /tmp by name out.
            python3 -c 'if True:
                import array, fcntl, os, struct
                os.setxattr("/tmp", "user.kept", b"an input")
                entries = [(1, 7, -1), (2, 7, 65534), (4, 5, -1), (0x10, 7, -1), (0x20, 5, -1)]
                acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHi", *entry) for entry in entries)
                os.setxattr("/tmp", "system.posix_acl_access", acl)
                fcntl.ioctl(os.open("/tmp", os.O_RDONLY), 0x40086602, array.array("i", [0x40]))
                print("tampered")'
            touch -d '2001-02-03 04:05:06' /tmp
            chmod 0 /tmp
            echo "R 0 4" >&3 ;;
        pin)
            # A listening socket whose name carries an input, and a garbage cycle that holds it once the run is
            # over: a pair of sockets, each sent on the other, the first carrying the listener (SCM_RIGHTS).
            identity
            python3 -c 'if True:
                import array, socket
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind("\0kept-input-4.25")
                listener.listen()
                one, other = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
                def rights(*sockets):
                    numbers = array.array("i", [each.fileno() for each in sockets])
                    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, numbers)]
                one.sendmsg([b"x"], rights(one, listener))
                other.sendmsg([b"x"], rights(other))'
            echo "R 0 5" >&3 ;;
        findname)
            identity
            grep -q kept-input /proc/net/unix && echo found || echo "no name" ;;
        pidone)
            # pid 1, the launcher, is the same uid: these calls need no ptrace right. Its own limits and nice are
            # the run's to change.
            python3 -c 'if True:
                import ctypes, os, platform, resource, threading
                ioprio_set = {"x86_64": 251, "aarch64": 30}[platform.machine()]
                syscall = ctypes.CDLL(None, use_errno=True).syscall
                def attempt(name, call):
                    try:
                        worked = call() != -1
                    except OSError:
                        worked = False
                    print(name, "worked" if worked else "refused")
                attempt("prlimit", lambda: resource.prlimit(1, resource.RLIMIT_NOFILE, (16, 16)))
                attempt("nice", lambda: os.setpriority(os.PRIO_PROCESS, 1, 19))
                attempt("user nice", lambda: os.setpriority(os.PRIO_USER, 0, 19))
                attempt("affinity", lambda: os.sched_setaffinity(1, {0}))
                attempt("policy", lambda: os.sched_setscheduler(1, os.SCHED_BATCH, os.sched_param(0)))
                attempt("io priority", lambda: syscall(ioprio_set, 1, 1, (3 << 13)))
                attempt("group nice", lambda: os.setpriority(os.PRIO_PGRP, 1, 19))
                attempt("own limit", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32)))
                attempt("own limit by pid", lambda: resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE, (32, 32)))
                attempt("own nice", lambda: os.setpriority(os.PRIO_PROCESS, 0, 5))
                attempt("thread affinity", lambda: os.sched_setaffinity(threading.get_native_id(), {0}))'
            echo "R 0 6" >&3 ;;
        vfork)
            # A process in uninterruptible sleep when the run ends: a vfork parent, whose child sleeps on.
            identity
            python3 -c 'import ctypes, time; ctypes.CDLL(None).vfork() == 0 and time.sleep(30)' &
            sleep 0.3
            echo "R 0 7" >&3 ;;
        traced)
            # The binary asks its parent, the launcher, to trace it, and stops: a stop, not an end.
            exec python3 -c 'if True:
                import ctypes, os, signal
                ctypes.CDLL(None).ptrace(0, 0, 0, 0)
                os.kill(os.getpid(), signal.SIGSTOP)' ;;
        nest)
            # A namespace of the run's own, where its sockets never show in the sandbox's /proc/net, and a pty; a
            # thread, which the C library starts with clone3, or with clone where clone3 is refused.
            python3 -c 'if True:
                import ctypes, os, platform, threading
                libc = ctypes.CDLL(None, use_errno=True)
                clone = {"x86_64": 56, "aarch64": 220}[platform.machine()]
                def attempt(name, call):
                    result = call()
                    if result == 0:
                        os._exit(0)  # in the child of a clone
                    print(name, "worked" if result > 0 else "refused: " + os.strerror(ctypes.get_errno()))
                attempt("clone", lambda: libc.syscall(clone, 0x10000000 | 17, 0, 0, 0, 0))
                attempt("clone3", lambda: libc.syscall(435, 0, 0))
                attempt("unshare", lambda: 1 if libc.unshare(0x10000000) == 0 else -1)
                attempt("io_uring", lambda: libc.syscall(425, 1, 0))
                attempt("vsock", lambda: libc.socket(40, 1, 0))
                attempt("sock_diag", lambda: libc.socket(16, 3, 4))
                attempt("route netlink", lambda: libc.socket(16, 3, 0))
                cookie = ctypes.create_string_buffer(8)
                size = ctypes.c_uint(8)
                local = libc.socket(1, 1, 0)
                attempt("cookie", lambda: 1 if libc.getsockopt(local, 1, 57, cookie, ctypes.byref(size)) == 0 else -1)
                try:
                    with open("/proc/sys/kernel/msgmax", "w") as setting:
                        setting.write("4242")
                    print("sysctl worked")
                except OSError as error:
                    print("sysctl refused:", error.strerror)
                thread = threading.Thread(target=lambda: print("a thread ran"))
                thread.start()
                thread.join()
                try:
                    os.openpty()
                    print("pty worked")
                except OSError as error:
                    print("pty refused:", error.strerror)' ;;
        hide)
            # A listener whose port carries an input, held by a garbage cycle made in a network namespace of the
            # run's own (where the sandbox's /proc/net shows no socket), or in the sandbox's where none can be made.
            python3 -c 'if True:
                import array, ctypes, socket
                listener = socket.socket()
                listener.bind(("127.0.0.1", 4250))
                listener.listen()
                ctypes.CDLL(None).unshare(0x10000000 | 0x40000000)
                one, other = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
                def rights(*sockets):
                    numbers = array.array("i", [each.fileno() for each in sockets])
                    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, numbers)]
                one.sendmsg([b"x"], rights(one, listener))
                other.sendmsg([b"x"], rights(other))' ;;
        timewait)
            # Connections that stay in TIME_WAIT for a minute after the run, each port a byte of an input.
            python3 -c 'if True:
                import socket
                listener = socket.socket()
                listener.bind(("127.0.0.1", 5000))
                listener.listen()
                for byte in b"4.25":
                    client = socket.socket()
                    client.bind(("127.0.0.1", 20000 + byte))
                    client.connect(("127.0.0.1", 5000))
                    accepted, _ = listener.accept()
                    client.close()
                    accepted.close()'
            echo "R 0 8" >&3 ;;
        datagram)
            # A datagram to no one, which the loopback interface's counters count.
            python3 -c 'if True:
                import socket
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"4.25", ("127.0.0.1", 9))'
            echo "R 0 8" >&3 ;;
        flowlabel)
            # An IPv6 flow label, which outlives its socket for as long as the run asks, its address an input.
            python3 -c 'if True:
                import socket, struct
                address = socket.inet_ntop(socket.AF_INET6, b"input: 4.25".ljust(16, b"\0"))
                request = socket.inet_pton(socket.AF_INET6, address) + struct.pack("!I", 0x12345)
                request += struct.pack("=BBHHHI", 0, 255, 1, 0, 150, 0)  # get, any may share, create, 150 s
                socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).setsockopt(socket.IPPROTO_IPV6, 32, request)'
            echo "R 0 8" >&3 ;;
        noroute)
            # Datagrams to an address with no route: no packet, but a counter of /proc/net/snmp moves.
            python3 -c 'if True:
                import socket
                for _ in range(425):
                    try:
                        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("10.9.8.7", 9))
                    except OSError:
                        pass'
            echo "R 0 8" >&3 ;;
        devtimes)
            # The host's /dev/null, writable by anyone, whose times anyone who may write may set to the present (so
            # this also ends any other shared sandbox alive at the time, on this machine).
            python3 -c 'import os; os.utime("/dev/null")'
            echo "R 0 8" >&3 ;;
        netstate)
            identity
            echo "tcp rows $(tail -n +2 /proc/net/tcp | wc -l)"
            while read -r name bytes packets rest; do
                [ "$name" = lo: ] && echo "lo packets $packets"
            done < /proc/net/dev
            ;;
        zombie)
            # A process whose main thread ends while another thread runs on: it shows as a zombie, yet lives.
            identity
            python3 -c 'if True:
                import ctypes, platform, threading, time
                threading.Thread(target=lambda: time.sleep(30)).start()
                time.sleep(0.1)
                ctypes.CDLL(None).syscall({"x86_64": 60, "aarch64": 93}[platform.machine()], 0)' &
            sleep 0.5
            echo "R 0 9" >&3 ;;
        niceness) echo "nice $(nice) files $(ulimit -n) cpus $(nproc)" ;;
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
            #expect(leave.lines.contains("shm made: 1"), "the segment to look for was not made: \(leave.lines)")
            #expect(look.lines.contains("shm: 0"), "\(look.lines)")
            #expect(look.lines.contains("left: 0"), "\(look.lines)")
            #expect(String(decoding: look.outcome.results, as: UTF8.self) == "R 0 2\n", "\(look.outcome.results)")
        }
    }

    @Test("the launcher that serves the runs is out of their reach, and no signal of theirs reaches it")
    func launcherOutOfReach() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let probe = try run(sandbox, script, "launcher", group: group)
            #expect(probe.outcome.succeeded)
            #expect(probe.lines.count == 2 && probe.lines.last == "sockets: 0", "\(probe.lines)")
            let after = try run(sandbox, script, "namespace", group: group)
            #expect(
                after.lines == [probe.lines.first ?? "none"], "the sandbox survived its run's signals, SIGKILL included"
            )
        }
    }

    @Test(
        "a run that changes /tmp's mode, times or xattrs leaves the next run the /tmp the first one had",
        .enabled(if: ProcessRunner.which("python3") != nil, "the attack sets an xattr with python3"))
    func scratchPutBack() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let before = try run(sandbox, script, "state", group: group).lines
            let tamper = try run(sandbox, script, "tamper", group: group)
            #expect(tamper.outcome.succeeded && String(decoding: tamper.outcome.results, as: UTF8.self) == "R 0 4\n")
            let after = try run(sandbox, script, "state", group: group).lines
            #expect(tamper.lines == ["tampered"], "\(tamper.lines)")
            // No xattr and no inode flag at first.
            #expect(before.count == 2 && before[1].hasSuffix(" [] 0"), "\(before)")
            // The same sandbox (the first line), with /tmp as it was (the second).
            #expect(after == before, "\(before) \(after)")
        }
    }

    @Test(
        "a run that leaves what the launcher cannot remove counts, and its sandbox serves no other; sharing goes on",
        .enabled(if: ProcessRunner.which("python3") != nil, "the attack makes its sockets with python3"))
    func uncleanableSandboxEnds() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            // A socket held by a garbage cycle outlives every process; its name is the next run's to read.
            let pin = try run(sandbox, script, "pin", group: group)
            #expect(pin.outcome.succeeded && String(decoding: pin.outcome.results, as: UTF8.self) == "R 0 5\n")
            let next = try run(sandbox, script, "findname", group: group).lines
            #expect(next.count == 2 && next[0] != pin.lines.first && next[1] == "no name", "\(pin.lines) \(next)")
            // A failed sandbox turns nothing off: the group's runs share the new one.
            let third = try run(sandbox, script, "namespace", group: group).lines
            #expect(third == [next.first ?? "none"], "\(next) \(third)")
        }
    }

    @Test(
        "a run cannot change the limits, priority or CPUs of the launcher that forks the next run, only its own",
        .enabled(if: ProcessRunner.which("python3") != nil, "the attack calls the kernel through python3"))
    func launcherSettingsOutOfReach() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let before = try run(sandbox, script, "niceness", group: group).lines
            let attack = try run(sandbox, script, "pidone", group: group)
            #expect(
                attack.lines == [
                    "prlimit refused", "nice refused", "user nice refused", "affinity refused", "policy refused",
                    "io priority refused", "group nice refused", "own limit worked", "own limit by pid worked",
                    "own nice worked", "thread affinity worked",
                ], "\(attack.lines)")
            #expect(String(decoding: attack.outcome.results, as: UTF8.self) == "R 0 6\n")
            #expect(try run(sandbox, script, "niceness", group: group).lines == before, "\(before)")
        }
    }

    /// A leftover the launcher cannot see stopped: a vfork parent in uninterruptible sleep (its child sleeps on),
    /// and a zombie whose other thread runs on; each run answers with its own result.
    @Test(
        "a run that leaves a process the launcher cannot see stop ends, and its sandbox serves the next",
        .enabled(if: ProcessRunner.which("python3") != nil, "the attacks call the kernel through python3"),
        arguments: [("vfork", "R 0 7\n"), ("zombie", "R 0 9\n")])
    func unstoppableLeftover(attack: String, result: String) throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            var limits = SandboxLimits()
            limits.wallSeconds = 5
            let left = try run(sandbox, script, attack, group: group, limits: limits)
            #expect(left.outcome.succeeded && !left.outcome.timedOut, "\(left.outcome)")
            #expect(String(decoding: left.outcome.results, as: UTF8.self) == result)
            let next = try run(sandbox, script, "namespace", group: group, limits: limits)
            #expect(next.lines == [left.lines.first ?? "none"], "\(left.lines) \(next.lines)")
        }
    }

    @Test(
        "a run whose binary stops under its launcher's trace has not ended: it runs until its wall-clock limit",
        .enabled(if: ProcessRunner.which("python3") != nil, "the binary calls ptrace through python3"))
    func tracedStop() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            var limits = SandboxLimits()
            limits.wallSeconds = 2
            let traced = try run(sandbox, script, "traced", group: group, limits: limits)
            #expect(traced.outcome.timedOut, "\(traced.outcome)")
        }
    }

    @Test(
        "a run can make no namespace, pty, sysctl or socket the sandbox would not show, nor read a socket cookie",
        .enabled(if: ProcessRunner.which("python3") != nil, "the attack calls the kernel through python3"))
    func noNamespaceOfItsOwn() throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let nest = try run(sandbox, script, "nest", group: group).lines
            #expect(
                nest == [
                    "clone refused: Operation not permitted", "clone3 refused: Function not implemented",
                    "unshare refused: Operation not permitted", "io_uring refused: Function not implemented",
                    "vsock refused: Address family not supported by protocol",
                    "sock_diag refused: Address family not supported by protocol", "route netlink worked",
                    "cookie refused: Operation not permitted", "sysctl refused: Read-only file system", "a thread ran",
                    "pty refused: Permission denied",
                ], "\(nest)")
            _ = try run(sandbox, script, "hide", group: group)
            let next = try run(sandbox, script, "netstate", group: group).lines
            #expect(next.count == 3 && next[1] == "tcp rows 0", "the listener was kept: \(next)")
        }
    }

    @Test(
        "a run that leaves flow labels, connections in TIME_WAIT, moved counters or device times ends its sandbox",
        .enabled(if: ProcessRunner.which("python3") != nil, "the attack opens its sockets with python3"),
        arguments: ["timewait", "datagram", "flowlabel", "noroute", "devtimes"])
    func networkStateEndsSandbox(attack: String) throws {
        try withSandbox { sandbox, script in
            let group = sandbox.openGroup()
            let before = try run(sandbox, script, "netstate", group: group).lines
            let network = try run(sandbox, script, attack, group: group)
            #expect(network.outcome.succeeded && String(decoding: network.outcome.results, as: UTF8.self) == "R 0 8\n")
            let after = try run(sandbox, script, "netstate", group: group).lines
            #expect(before.count == 3 && before[1...] == ["tcp rows 0", "lo packets 0"], "\(before)")
            try #require(before.count == 3 && after.count == 3, "\(before) \(after)")
            #expect(after[0] != before[0] && after[1...] == before[1...], "\(before) \(after)")
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

    @Test("idle sandboxes never hold more of the uid pool than their limit")
    func idleLimit() throws {
        try withSandbox { sandbox, script in
            let groups = (0..<(Sandbox.idleSessionLimit + 4)).map { _ in sandbox.openGroup() }
            for group in groups { _ = try run(sandbox, script, "namespace", group: group) }
            let staging = (try sandbox.privateFolder(named: "probe") as NSString).deletingLastPathComponent
            #expect(Self.servingProcesses(under: staging).count == Sandbox.idleSessionLimit)
            for group in groups { sandbox.endGroup(group) }
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
