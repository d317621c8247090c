import Foundation
import GraderCore
import Synchronization
import Testing

/// One hostile `residualLayerJacobian` (a fixture in `Fixtures/snippets/`) in an otherwise full-marks submission.
struct HostileSnippet: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable {
        /// The attack came to nothing and the function's correct answer got full marks.
        case passes
        /// The part gets 0 as an error whose message contains this text.
        case error(String)
        /// The part gets 0 as a plain failure whose printed output contains this text.
        case fails(printing: String)
    }

    let fixture: String
    let outcome: Outcome
    /// The whole file is refused (compile error, too large), so `residualGradients` is lost too.
    var wholeFile = false
    /// Text the part's details must hold as well: what tells one refusal from another (a link that failed, say,
    /// from a compile that did).
    var detail: String? = nil
    var extra: [String] = []
    /// Grades with a controlling terminal, as a grader started by hand has.
    var terminal = false
    /// Grades with an empty cache, so that the references are computed during the run; its folder is made
    /// beforehand, readable by everyone, as a CI job or a shared machine may have it.
    var freshCache = false

    var testDescription: String { fixture }

    static let layer = "residual-jacobians.residualLayerJacobian"
    static let gradients = "residual-jacobians.residualGradients"

    /// Every case with what the grader must say; limits are lowered so the suite stays quick.
    static let all: [HostileSnippet] =
        [
            HostileSnippet(fixture: "infinite-loop", outcome: .error("CPU limit"), extra: ["--timeout", "15"]),
            HostileSnippet(fixture: "sleep-forever", outcome: .error("timed out after 3 s")),
            HostileSnippet(fixture: "fork-bomb", outcome: .error("limit")),
            HostileSnippet(fixture: "spawn-bomb", outcome: .error("limit")),
            HostileSnippet(fixture: "memory-bomb-huge", outcome: .error("memory limit of 1024 MB")),
            HostileSnippet(fixture: "memory-bomb-growing", outcome: .error("memory limit of 1024 MB")),
            HostileSnippet(fixture: "stdout-flood", outcome: .error("output limit")),
            HostileSnippet(fixture: "stderr-flood", outcome: .error("output limit")),
            HostileSnippet(fixture: "stack-overflow", outcome: .error("segmentation fault")),
            HostileSnippet(fixture: "index-out-of-range", outcome: .error("Index out of range")),
            HostileSnippet(fixture: "fatal-error", outcome: .error("not implemented yet")),
            HostileSnippet(fixture: "exit-zero", outcome: .error("exited (code 0) before finishing")),
            HostileSnippet(fixture: "close-standard-streams", outcome: .passes),
            HostileSnippet(
                fixture: "close-result-channel", outcome: .error("result channel (file descriptor 3) was closed")),
            HostileSnippet(fixture: "read-outside", outcome: .passes),
            HostileSnippet(fixture: "write-outside", outcome: .passes),
            HostileSnippet(fixture: "network-loopback", outcome: .passes),
            HostileSnippet(fixture: "read-environment", outcome: .passes),
            HostileSnippet(fixture: "leave-process", outcome: .passes),
            HostileSnippet(fixture: "fake-frames", outcome: .error("frames the harness did not write")),
            HostileSnippet(fixture: "takeover-main", outcome: .error("compile error"), wholeFile: true),
            HostileSnippet(
                fixture: "replace-harness-runtime", outcome: .error("compile error"), wholeFile: true,
                detail: "could not be linked"),
            HostileSnippet(fixture: "top-level-code", outcome: .error("compile error"), wholeFile: true),
            HostileSnippet(
                fixture: "type-checker-bomb", outcome: .error("compiler ran over its 4 s limit"), wholeFile: true,
                extra: ["--compile-timeout", "4"]),
            HostileSnippet(fixture: "huge-source", outcome: .error("over the 1024 KiB limit"), wholeFile: true),
            HostileSnippet(fixture: "invalid-utf8", outcome: .error("compile error"), wholeFile: true),
            HostileSnippet(fixture: "wrong-signature", outcome: .error("does not match the expected signature")),
            HostileSnippet(fixture: "noisy-crash", outcome: .error("boom")),
            // Limits are set from outside, before the student's binary is loaded: shadowing setrlimit and running code
            // before main change nothing. The generous wall and CPU limits are what let these attacks win before.
            HostileSnippet(
                fixture: "shadow-setrlimit-memory", outcome: .error("could not hold 3 GB"), extra: ["--timeout", "20"]),
            HostileSnippet(fixture: "shadow-setrlimit-processes", outcome: .error("started only")),
            HostileSnippet(
                fixture: "before-main", outcome: .error("could not hold 3 GB before main"),
                extra: ["--timeout", "20", "--cpu", "5"]),
            // A frame forged with the right value, then a crash: counts for nothing.
            HostileSnippet(fixture: "forged-frame-then-crash", outcome: .error("aborted")),
            // The sandbox's pid 1 is the launcher, undumpable: no ptrace, no /proc/1/mem, no code of the student's
            // running there without the limits (bubblewrap's own init could be taken over so).
            HostileSnippet(fixture: "hijack-pid-1", outcome: .passes, extra: ["--timeout", "6"]),
        ] + escapes

    /// Attacks on what runs outside the student's binary, in every mode: linker options in the module's own
    /// autolink section (the link is the grader's alone and runs in the sandbox: the options are never read,
    /// nothing is embedded or written, and the module, whose section the linker discards, does not link); what
    /// reference work leaves within reach; what one run leaves for the next; processes that outlive the run; the
    /// grader's terminal.
    static let escapes: [HostileSnippet] = [
        HostileSnippet(fixture: "linker-options", outcome: .error("compile error"), wholeFile: true),
        HostileSnippet(fixture: "reference-binary", outcome: .passes, freshCache: true),
        HostileSnippet(fixture: "read-cache", outcome: .passes, freshCache: true),
        HostileSnippet(fixture: "write-cache", outcome: .passes, freshCache: true),
        HostileSnippet(fixture: "leftover-file", outcome: .passes),
        HostileSnippet(fixture: "leftover-ipc", outcome: .passes),
        HostileSnippet(fixture: "leftover-key", outcome: .passes),
        HostileSnippet(fixture: "process-ladder", outcome: .passes),
        HostileSnippet(fixture: "terminal-keystrokes", outcome: .passes, terminal: true),
    ]

    /// The cases rerun without namespaces, with Landlock (the kernel here has it): the limits, the process cleanup,
    /// the clean environment, and no file or TCP connection outside the run's own folder.
    static let fallback: [HostileSnippet] =
        [
            HostileSnippet(fixture: "infinite-loop", outcome: .error("CPU limit"), extra: ["--timeout", "15"]),
            HostileSnippet(fixture: "fork-bomb", outcome: .error("limit")),
            HostileSnippet(fixture: "spawn-bomb", outcome: .error("limit")),
            HostileSnippet(fixture: "stdout-flood", outcome: .error("output limit")),
            HostileSnippet(fixture: "leave-process", outcome: .passes),
            HostileSnippet(fixture: "read-environment", outcome: .passes),
            HostileSnippet(fixture: "read-outside", outcome: .passes),
            HostileSnippet(fixture: "write-outside", outcome: .passes),
            HostileSnippet(fixture: "network-loopback", outcome: .passes),
            HostileSnippet(
                fixture: "shadow-setrlimit-memory", outcome: .error("could not hold 3 GB"), extra: ["--timeout", "20"]),
            HostileSnippet(fixture: "shadow-setrlimit-processes", outcome: .error("started only")),
            HostileSnippet(
                fixture: "before-main", outcome: .error("could not hold 3 GB before main"),
                extra: ["--timeout", "20", "--cpu", "5"]),
            HostileSnippet(fixture: "forged-frame-then-crash", outcome: .error("aborted")),
        ] + escapes

    /// Without namespaces and without Landlock (an old kernel): what the uid of its own still stops, and what it
    /// cannot. Files it writes in world-writable folders are removed after the run.
    /// The uid of its own, the launcher's kill and the sweep after each run hold the escapes off.
    static let fallbackWithoutLandlock: [HostileSnippet] =
        ([
            HostileSnippet(fixture: "fork-bomb", outcome: .error("limit")),
            HostileSnippet(fixture: "leave-process", outcome: .passes),
            // Documented in SECURITY.md: without a mount namespace or Landlock, world-readable files are readable.
            HostileSnippet(fixture: "read-outside", outcome: .fails(printing: "LEAKED")),
            HostileSnippet(fixture: "write-outside", outcome: .passes),
        ] + escapes).map { hostile in
            var hostile = hostile
            hostile.extra.append("--no-landlock")
            return hostile
        }
}

/// What one hostile run left behind, gathered by `HostileSnippetTests.run`.
struct HostileRun {
    let run: CLI.Run
    let parts: [String: [String: Any]]
    let junit: String
    let leftovers: [String]
    let filesOutside: [String]
    let connections: Int
    /// The cache folder made for this run (`freshCache`).
    let cache: String?
}

/// Grades submissions with one hostile function each and checks that only that function is lost, with a clear
/// reason, the report stays valid, no process survives, nothing outside the sandbox is read, written or reached,
/// and the grader's own memory stays bounded.
@Suite("hostile snippets")
struct HostileSnippetTests {
    /// A function that crashes on some inputs, the very first public one among them, gets credit for every trial
    /// it passes: the trials after a crash run each in a process of its own. The expected counts come from the
    /// trials themselves, drawn the way the grader draws them.
    @Test("a crash on the first trial costs only the trials that crash, public and hidden")
    func trialsAfterACrash() throws {
        let problems = try ProblemLoader.load(directory: CLI.root + "/problems/hw6")
        let problem = try #require(problems.problem("residual-jacobians"))
        let part = try #require(problem.parts.first { $0.id == "residualLayerJacobian" })
        let spec = try #require(part.snippet)
        let publicTrials = InputGenerators.trials(for: spec)
        let hiddenTrials = InputGenerators.hiddenTrials(for: spec, problem: problem.id, part: part.id, secret: nil)
        func size(_ trial: [SnippetValue]) -> Int {
            if case .array(let rows) = trial[0] { return rows.count }
            return -1
        }
        let crashing = size(publicTrials[0])
        let publicPassing = publicTrials.filter { size($0) != crashing }.count
        let hiddenPassing = hiddenTrials.filter { size($0) != crashing }.count
        try #require(publicPassing > 0 && publicPassing < publicTrials.count && hiddenPassing > 0)

        let folder = try CLI.referenceCopy("crash-on-some-inputs")
        let fixture = try String(
            contentsOfFile: CLI.snippet("crash-on-some-inputs"), encoding: .utf8
        ).replacingOccurrences(of: "@@SIZE@@", with: "\(crashing)")
        let reference = try String(contentsOfFile: folder + "/residual-jacobians.swift", encoding: .utf8)
            .replacingOccurrences(of: "func residualLayerJacobian(", with: "func correctLayerJacobian(")
        try (fixture + "\n" + reference).write(
            toFile: folder + "/residual-jacobians.swift", atomically: true, encoding: .utf8)
        let json = folder + ".json"
        let run = try CLI.grader(["grade", folder, "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        let graded = try #require(CLI.parts(try CLI.json(json))[HostileSnippet.layer])
        let trials = graded["trials"] as? [String: Any] ?? [:]
        #expect(trials["publicPassed"] as? Int == publicPassing, "\(graded)")
        #expect(trials["hiddenPassed"] as? Int == hiddenPassing, "\(graded)")
        #expect((graded["message"] as? String ?? "").contains("crashes on this size"), "\(graded)")
        #expect(graded["status"] as? String == "partial")
    }

    /// As root, bubblewrap starts as a uid of the run's own, so the sandbox is unprivileged outside its namespaces
    /// as well. Inside, the code cannot tell (bubblewrap nests its user namespaces), so the test looks from outside,
    /// while the slow function runs, at every process whose command line names the student's binary: bubblewrap's
    /// and the code's. Started as root, bubblewrap is uid 0 there.
    @Test("the sandbox is a run's own uid and gid outside its namespaces, with no group kept, never root's")
    func unprivilegedOutside() throws {
        try CLI.requireBubblewrap()
        let folder = try CLI.referenceCopy("outside-identity")
        let fixture = try String(contentsOfFile: CLI.snippet("outside-identity"), encoding: .utf8)
        let reference = try String(contentsOfFile: folder + "/residual-jacobians.swift", encoding: .utf8)
            .replacingOccurrences(of: "func residualLayerJacobian(", with: "func correctLayerJacobian(")
        try (fixture + "\n" + reference).write(
            toFile: folder + "/residual-jacobians.swift", atomically: true, encoding: .utf8)
        // A cache of its own: from the suite's, a rerun would take the results of the last one and run nothing.
        let cache = CLI.temporary("outside-identity-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            atPath: cache, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let status = Mutex<Int32?>(nil)
        let grading = Thread {
            let run = try? CLI.grader(
                ["grade", folder, "--only", "residual-jacobians", "--quiet"], environment: ["GRADER_CACHE": cache])
            status.withLock { $0 = run?.status ?? -1 }
        }
        grading.start()
        // "Uid: real effective saved filesystem", "Gid: ...", "Groups: ..." of each process seen, by pid.
        var seen: [String: [String]] = [:]
        while status.withLock({ $0 }) == nil {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
                guard let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                    String(decoding: command, as: UTF8.self).contains("/sandbox/snippet"),
                    let text = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8)
                else { continue }
                seen[entry] = text.split(separator: "\n").filter {
                    $0.hasPrefix("Uid:") || $0.hasPrefix("Gid:") || $0.hasPrefix("Groups:")
                }.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            }
            usleep(10_000)
        }
        #expect(status.withLock { $0 } == 0)
        #expect(!seen.isEmpty, "no process of the sandbox was seen while it ran")
        for (pid, lines) in seen {
            let ids = lines.map { $0.split(separator: " ").dropFirst().compactMap { UInt64($0) } }
            try #require(lines.count == 3 && ids[0].count == 4 && ids[1].count == 4, "\(pid): \(lines)")
            #expect(!ids[0].contains(0) && !ids[1].contains(0), "process \(pid) of the sandbox is root's: \(lines)")
            if getuid() == 0 {
                // An ordinary user's groups stay theirs; root's never reach the sandbox.
                #expect(ids[2].isEmpty, "process \(pid) kept supplementary groups: \(lines)")
                // The block of uids the runs lease (SECURITY.md), one number for uid and gid.
                #expect(ids[0].allSatisfy { $0 >= 2_147_418_112 } && ids[1] == ids[0], "\(pid): \(lines)")
            }
        }
    }

    @Test("a hostile function costs only its own part, in namespaces", arguments: HostileSnippet.all)
    func namespaces(_ hostile: HostileSnippet) throws {
        try CLI.requireBubblewrap()
        try check(hostile, namespaces: true)
    }

    @Test(
        "without namespaces the limits, the process cleanup, the clean environment and Landlock still hold",
        arguments: HostileSnippet.fallback)
    func rlimitsOnly(_ hostile: HostileSnippet) throws {
        try CLI.requireLandlock()
        try check(hostile, namespaces: false)
    }

    @Test(
        "without namespaces or Landlock the limits, the cleanup and the uid of its own still hold",
        arguments: HostileSnippet.fallbackWithoutLandlock)
    func withoutLandlock(_ hostile: HostileSnippet) throws {
        try check(hostile, namespaces: false, confinesFiles: false)
    }

    /// The literal of each `residualLayerJacobian` trial's `A` in the reference results cached in `cache`, public
    /// trials first, as the fixture prints them (-0.0 as 0.0); and how many are public.
    static func trialMatrices(in cache: String) throws -> (literals: [String], publicCount: Int) {
        for file in try FileManager.default.contentsOfDirectory(atPath: cache + "/references")
        where file.hasSuffix(".json") {
            let json =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: "\(cache)/references/\(file)"))) as? [String: Any]
            guard let part = (json?["snippets"] as? [String: Any])?["residualLayerJacobian"] as? [String: Any],
                let trials = part["trials"] as? [[Any]], let publicCount = part["publicCount"] as? Int
            else { continue }
            // A wire value is {"array": {"_0": [...]}} or {"double": {"_0": x}}.
            func unwrap(_ value: Any) -> Any? { ((value as? [String: Any])?.values.first as? [String: Any])?["_0"] }
            let literals = trials.map { trial -> String in
                let rows = (unwrap(trial[0]) as? [Any] ?? []).map { row in
                    (unwrap(row) as? [Any] ?? []).map { (unwrap($0) as? Double ?? .nan) + 0.0 }
                }
                return "\(rows)"
            }
            return (literals, publicCount)
        }
        throw CocoaError(.fileNoSuchFile)
    }

    @Test("no output a grading shows comes from a run after a hidden run: the page cache carries public inputs only")
    func pageCacheOrder() throws {
        try CLI.requireBubblewrap()
        let folder = try CLI.referenceCopy("page-cache")
        let runtime = SnippetBuilder.runtimeLibraryDirectory(of: try SnippetBuilder.findCompiler())
        let source = try String(contentsOfFile: CLI.snippet("page-cache"), encoding: .utf8)
            .replacingOccurrences(of: "@@RUNTIME@@", with: runtime)
        let reference = try String(
            contentsOfFile: CLI.root + "/submissions/hw6/reference/residual-jacobians.swift", encoding: .utf8
        )
        .replacingOccurrences(of: "func residualLayerJacobian(", with: "func correctLayerJacobian(")
        .replacingOccurrences(of: "func residualGradients(", with: "func correctGradients(")
        try (source + "\n" + reference).write(
            toFile: folder + "/residual-jacobians.swift", atomically: true, encoding: .utf8)
        // The channel is a few thousand page-cache bits of shared libraries: other processes of a loaded machine
        // (the rest of the test suite) can flip some. Up to three gradings, each from an empty cache; every one must
        // keep hidden inputs out of the feedback, and one must show the channel carrying the first public input.
        var carried = false
        var lastShown = ""
        for _ in 0..<3 where !carried {
            let cache = CLI.temporary("cache-page-\(UInt32.random(in: 0...UInt32.max))")
            let json = folder + ".json"
            let run = try CLI.grader(
                ["grade", folder, "--only", "residual-jacobians", "--json", json], environment: ["GRADER_CACHE": cache])
            #expect(run.status == 0, "\(run.stderr)")
            let reader = CLI.parts(try CLI.json(json))["residual-jacobians.residualGradients"] ?? [:]
            let shown = "\(reader["message"] ?? "") \(reader["output"] ?? "") \(reader["details"] ?? "")"
            let (literals, publicCount) = try Self.trialMatrices(in: cache)
            carried = shown.contains("T1 A=\(literals[0])")
            lastShown = shown
            for hidden in literals[publicCount...] {
                #expect(!shown.contains(hidden), "a hidden trial's input reached the feedback: \(hidden)")
            }
        }
        // The channel works on this machine: the first public trial's input came through it.
        #expect(carried, "the page cache carried nothing here, so this test shows nothing: \(lastShown.prefix(500))")
    }

    private func check(_ hostile: HostileSnippet, namespaces: Bool, confinesFiles: Bool = true) throws {
        let result = try Self.run(hostile, namespaces: namespaces)
        let run = result.run
        let layer = result.parts[HostileSnippet.layer] ?? [:]
        let message = layer["message"] as? String ?? ""
        print(
            """
            hostile \(hostile.fixture) [\(namespaces ? "namespaces" : "rlimits-only")]: \
            \(layer["status"] ?? "?"): \(message) (\(String(format: "%.1f", run.seconds)) s, grader peak \
            \(run.peakKilobytes / 1024) MB, whole tree peak \(run.peakTreeKilobytes / 1024) MB)
            """
        )

        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CLI.validate(result.junit), "JUnit does not validate")
        // As an ordinary user the fallback runs student code as the grader's own uid: what only a uid of the run's
        // own keeps (no state left in System V IPC or keyrings for the next run; without Landlock, no file outside
        // the run's folder) is not promised there, and every report says so instead.
        let ownUidOnly =
            ["leftover-ipc", "leftover-key"].contains(hostile.fixture)
            || (!confinesFiles
                && ["write-outside", "leftover-file", "reference-binary", "read-cache"].contains(
                    hostile.fixture))
        if !namespaces, getuid() != 0, ownUidOnly {
            #expect(run.stdout.contains("the grader's own uid") && run.stdout.contains("not for final grades"))
            #expect(run.stdout.contains(confinesFiles ? "System V IPC" : "every file of the grader's user"))
            #expect(result.leftovers.isEmpty, "processes left running: \(result.leftovers)")
            return
        }
        switch hostile.outcome {
        case .passes:
            #expect(layer["status"] as? String == "passed", "\(message) \(layer["output"] ?? "")")
        case .error(let text):
            #expect(layer["status"] as? String == "error")
            #expect(layer["score"] as? Double == 0)
            #expect(message.contains(text), "\(message)")
        case .fails(let printed):
            #expect(layer["status"] as? String == "failed")
            #expect((layer["output"] as? String ?? "").contains(printed) || message.contains("public trials: 0 of"))
        }
        if let detail = hostile.detail {
            let details = (layer["details"] as? [String] ?? []).joined(separator: "\n")
            #expect(details.contains(detail), "\(details)")
        }
        for (id, part) in result.parts where id != HostileSnippet.layer {
            let lost = hostile.wholeFile && id == HostileSnippet.gradients
            #expect(part["status"] as? String == (lost ? "error" : "passed"), "\(id): \(part["message"] ?? "")")
        }
        #expect(result.leftovers.isEmpty, "processes left running: \(result.leftovers)")
        #expect(result.filesOutside.isEmpty, "files written outside the sandbox: \(result.filesOutside)")
        #expect(result.connections == 0, "the snippet reached a server on the host's loopback")
        #expect(run.peakKilobytes < 400 << 10, "grader peak memory \(run.peakKilobytes) KB")
        // The whole tree: the compiler, the sandbox and everything the student started. One process may hold up to
        // the 1024 MB memory limit; 3 GB held by a snippet means a limit did not hold.
        #expect(
            run.peakTreeKilobytes < 2 << 20, "the grader and its descendants held \(run.peakTreeKilobytes / 1024) MB")
        let xml = try String(contentsOfFile: result.junit, encoding: .utf8)
        #expect(!xml.contains("[[ATTACHMENT|") && !xml.contains("[[PROPERTY|"))
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" })
        if confinesFiles { #expect(!xml.contains("LEAKED"), "the snippet read something outside its sandbox") }
        if let cache = result.cache {
            let mode = (try FileManager.default.attributesOfItem(atPath: cache)[.posixPermissions] as? Int) ?? 0
            #expect(
                mode == 0o700,
                "the cache folder, made readable by all before the run, has mode \(String(mode, radix: 8))")
        }
    }

    /// Builds the submission, serves a loopback port, grades, then looks for survivors and escaped files.
    static func run(_ hostile: HostileSnippet, namespaces: Bool) throws -> HostileRun {
        let folder = try CLI.referenceCopy("hostile-\(hostile.fixture)")
        let marker = "9\(Int.random(in: 100_000...999_999)).5"  // also a valid `sleep` duration
        let canary = CLI.temporary("canary-\(marker)")
        try "secret canary \(marker)".write(toFile: canary, atomically: true, encoding: .utf8)
        let secret = "s3cr3t-\(marker)"
        let cache = CLI.temporary("cache-\(marker)")
        let outside = [
            CLI.temporary("escape-\(marker)"), folder + "/escape-\(marker)", "/tmp/escape-\(marker)",
            CLI.root + "/escape-\(marker)",
        ]
        let listener = try LoopbackListener()
        defer { listener.close() }

        let readable = [
            CLI.root + "/submissions/hw6/alice/answers.yaml",
            CLI.root + "/problems/hw6/residual-jacobians/reference.swift",
            CLI.binary, canary,
        ]
        var source: String
        if hostile.fixture == "huge-source" {
            source = "func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] { [] }\n"
            source += String(
                repeating: "// padding padding padding padding padding padding padding padding padding\n", count: 70_000
            )
        } else {
            let data = try Data(contentsOf: URL(fileURLWithPath: CLI.snippet(hostile.fixture)))
            source = String(decoding: data, as: UTF8.self)
        }
        let substitutions = [
            "@@MARKER@@": marker, "@@PORT@@": "\(listener.port)", "@@SECRET@@": secret,
            "@@SECRET_PATHS@@": readable.map { "\"\($0)\"" }.joined(separator: ", "),
            "@@CACHE@@": cache,
            "@@WRITE_PATHS@@": outside.map { "\"\($0)\"" }.joined(separator: ", "),
            "@@AUTOLINK@@": autolinkSection(
                ["--noinhibit-exec", "--export-dynamic", "--format=binary"] + readable + ["--format=elf"]
                    + zip(["--Map=", "--dependency-file=", "--why-extract=", "--print-archive-stats="], outside).map {
                        $0 + $1
                    }),
            // linkerAttack builds the same file for the batch and Gradescope tests.
        ]
        for (key, value) in substitutions { source = source.replacingOccurrences(of: key, with: value) }
        var bytes = Data(source.utf8)
        if hostile.fixture == "invalid-utf8" {
            bytes = try Data(contentsOf: URL(fileURLWithPath: CLI.snippet("invalid-utf8")))
        }
        bytes += Data(("\n" + (try referenceHelpers())).utf8)
        try bytes.write(to: URL(fileURLWithPath: folder + "/residual-jacobians.swift"))

        // As a grader started by a service manager or a login is: with a session keyring of its own, which every
        // process it starts inherits unless the launcher gives it another.
        if hostile.fixture == "leftover-key" { _ = joinSessionKeyring }
        let junit = folder + ".xml"
        let json = folder + ".json"
        let arguments =
            ["grade", folder, "--junit", junit, "--json", json, "--timeout", "3", "--cpu", "1"]
            + (namespaces ? [] : ["--no-namespaces"]) + hostile.extra
        var environment = ["GRADER_TEST_SECRET": secret]
        if hostile.freshCache {
            try FileManager.default.createDirectory(
                atPath: cache, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            environment["GRADER_CACHE"] = cache
        }
        let run = try CLI.grader(arguments, environment: environment, inTerminal: hostile.terminal)
        let parts = (try? CLI.json(json)).map(CLI.parts) ?? [:]
        return HostileRun(
            run: run, parts: parts, junit: junit, leftovers: processes(containing: marker),
            filesOutside: outside.filter { FileManager.default.fileExists(atPath: $0) },
            connections: listener.acceptedConnections(),
            cache: hostile.freshCache ? cache : nil)
    }

    /// Gives this test process a new session keyring, once: `keyctl(KEYCTL_JOIN_SESSION_KEYRING, name)`.
    static let joinSessionKeyring: Void = {
        typealias Syscall = @convention(c) (Int, Int, Int, Int, Int, Int) -> Int
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "syscall") else { return }
        _ = "grader-tests".withCString { unsafeBitCast(symbol, to: Syscall.self)(250, 1, Int(bitPattern: $0), 0, 0, 0) }
    }()

    /// A whole `residual-jacobians.swift` that attacks through the linker (`linker-options.swift`): it asks the link
    /// to embed the files in `reading` and to write the files in `writing`, and otherwise is the reference's file.
    static func linkerAttack(reading: [String], writing: [String]) throws -> String {
        let options =
            ["--noinhibit-exec", "--export-dynamic", "--format=binary"] + reading + ["--format=elf"]
            + zip(["--Map=", "--dependency-file=", "--why-extract=", "--print-archive-stats="], writing).map { $0 + $1 }
        let fixture = try String(contentsOfFile: CLI.snippet("linker-options"), encoding: .utf8)
            .replacingOccurrences(of: "@@AUTOLINK@@", with: autolinkSection(options))
            .replacingOccurrences(of: "@@SECRET_PATHS@@", with: reading.map { "\"\($0)\"" }.joined(separator: ", "))
        return fixture + "\n" + (try referenceHelpers())
    }

    /// The reference submission's residual-jacobians.swift with its layer Jacobian renamed `correctLayerJacobian`,
    /// which a fixture returns when its attack came to nothing; `residualGradients` is still there to be graded.
    static func referenceHelpers() throws -> String {
        let reference = try String(
            contentsOfFile: CLI.root + "/submissions/hw6/reference/residual-jacobians.swift", encoding: .utf8)
        let helpers = reference.replacingOccurrences(
            of: "func residualLayerJacobian(", with: "func correctLayerJacobian(")
        try #require(helpers != reference)
        return helpers
    }

    /// A declaration that puts `options` in the object's autolink section, each ending in NUL, as Swift 6.3 allows
    /// any file to: `swift-autolink-extract` hands them to the linker as arguments.
    static func autolinkSection(_ options: [String]) -> String {
        let bytes: [UInt8] = options.flatMap { Array($0.utf8) + [0] }
        return """
            @section(".swift1_autolink_entries") @used
            let __linkerOptions: (\(bytes.map { _ in "UInt8" }.joined(separator: ", "))) = \
            (\(bytes.map(String.init).joined(separator: ", ")))
            """
    }

    /// Live processes whose command line or name holds `marker`.
    static func processes(containing marker: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            let command =
                FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) }
                ?? ""
            let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            // A zombie is already dead; it only waits for its parent to collect it.
            if state.split(separator: ")").last?.split(separator: " ").first == "Z" { return nil }
            return command.contains(marker) || name.contains(marker)
                ? "\(pid) \(name.trimmingCharacters(in: .whitespacesAndNewlines))" : nil
        }
    }
}

/// A TCP server on 127.0.0.1 that only counts the connections that reached it.
final class LoopbackListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socket in
                bind(fd, socket, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, socket, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Connections waiting to be accepted (each is accepted and closed).
    func acceptedConnections() -> Int {
        var count = 0
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return count }
            Glibc.close(client)
            count += 1
        }
    }

    func close() { Glibc.close(fd) }
}
