import Foundation
import Testing

/// A broken or hostile answers file or folder layout, built from a copy of the full-marks reference submission.
struct HostileInput: Sendable, CustomTestStringConvertible {
    let name: String
    /// Changes the copied folder; gets the folder's path.
    let setup: @Sendable (String) throws -> Void
    /// Parts (`problem.part`) with the status and message text they must get; every other part must pass.
    var expected: [String: (status: String, message: String)] = [:]
    /// Status and message text for every answers.yaml part not listed in `expected`, when it is not "passed".
    var otherAnswers: (status: String, message: String)?
    /// Text that must appear among the report's warnings.
    var warnings: [String] = []
    /// Text the terminal output must contain.
    var printed: String?

    var testDescription: String { name }

    static let answerParts = [
        "dropout-equivalence.commuting-activations", "variance-recursion.output-variance",
        "residual-jacobians.gradient-b1",
        "residual-jacobians.gradient-A2", "parameter-counts.resnext-naive", "parameter-counts.resnext-split",
        "parameter-counts.mlp", "double-descent.peak-location",
    ]

    /// Replaces answers.yaml with a fixture from `Fixtures/answers/`.
    static func answers(_ fixture: String) -> @Sendable (String) throws -> Void {
        { folder in
            try FileManager.default.removeItem(atPath: folder + "/answers.yaml")
            try FileManager.default.copyItem(
                atPath: "\(CLI.fixtures)/answers/\(fixture).yaml", toPath: folder + "/answers.yaml")
        }
    }

    static func replace(_ name: String, in folder: String) throws {
        try FileManager.default.removeItem(atPath: folder + "/" + name)
    }

    static let all: [HostileInput] = [
        HostileInput(
            name: "malformed YAML", setup: answers("malformed"),
            otherAnswers: ("missing", "answers.yaml:5: invalid YAML")),
        HostileInput(
            name: "YAML alias bomb", setup: answers("alias-bomb"),
            otherAnswers: ("missing", "expands to more than 100000 values")),
        HostileInput(
            name: "100 MB answers file",
            setup: { folder in
                let path = folder + "/answers.yaml"
                try replace("answers.yaml", in: folder)
                _ = FileManager.default.createFile(
                    atPath: path, contents: Data("parameter-counts:\n  mlp: 4353\n".utf8))
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.truncate(atOffset: 100 << 20)
                try handle.close()
            }, otherAnswers: ("missing", "over the 1024 KiB limit")),
        HostileInput(
            name: "duplicate keys", setup: answers("duplicate-keys"),
            otherAnswers: ("missing", "answers.yaml:5: duplicate key `mlp` (first on line 4)")),
        HostileInput(
            name: "wrong types", setup: answers("wrong-types"),
            expected: [
                "dropout-equivalence.commuting-activations": ("failed", "not an option"),
                "variance-recursion.output-variance": ("failed", "must be a number"),
                "residual-jacobians.gradient-b1": ("failed", "found a mapping"),
                "residual-jacobians.gradient-A2": ("failed", "list of rows"),
                "parameter-counts.resnext-naive": ("failed", "whole number"),
                "parameter-counts.resnext-split": ("failed", "whole number, found a list"),
                "parameter-counts.mlp": ("failed", "found `true`"),
            ]),
        HostileInput(
            name: "NaN and infinities", setup: answers("non-finite"),
            expected: [
                "dropout-equivalence.commuting-activations": ("missing", "no answer given"),
                "variance-recursion.output-variance": ("failed", "nan"),
                "residual-jacobians.gradient-b1": ("failed", "inf at [0]"),
                "residual-jacobians.gradient-A2": ("failed", "-inf at [0][1]"),
                "parameter-counts.mlp": ("failed", "finite"),
            ]),
        HostileInput(
            name: "integers beyond 64 bits", setup: answers("huge-integers"),
            expected: [
                "parameter-counts.resnext-naive": ("failed", "too large"),
                "parameter-counts.resnext-split": ("failed", "too large"),
                "parameter-counts.mlp": ("passed", ""),
            ], otherAnswers: ("missing", "no answer given")),
        HostileInput(
            name: "ragged matrices", setup: answers("ragged"),
            expected: [
                "residual-jacobians.gradient-b1": ("failed", "must be a number at [0]"),
                "residual-jacobians.gradient-A2": ("failed", "ragged"),
            ], otherAnswers: ("missing", "no answer given")),
        HostileInput(
            name: "unknown problem and part ids", setup: answers("unknown-ids"),
            warnings: [
                "unknown part `dropout-equivalence.bonus-question`", "unknown problem `homework-7`",
                "`outputVariance` is a function",
            ]),
        HostileInput(
            name: "empty answers file", setup: answers("empty"), otherAnswers: ("missing", "answers.yaml is empty")),
        HostileInput(name: "UTF-8 byte-order mark", setup: answers("bom")),
        HostileInput(name: "CRLF line ends", setup: answers("crlf")),
        HostileInput(
            name: "answers.yaml links outside the folder",
            setup: { folder in
                try replace("answers.yaml", in: folder)
                try FileManager.default.createSymbolicLink(
                    atPath: folder + "/answers.yaml",
                    withDestinationPath: CLI.root + "/submissions/hw6/reference/answers.yaml")
            }, otherAnswers: ("missing", "symbolic link to a file outside the submission folder")),
        HostileInput(
            name: "a snippet file links outside the folder",
            setup: { folder in
                try replace("variance-recursion.swift", in: folder)
                try FileManager.default.createSymbolicLink(
                    atPath: folder + "/variance-recursion.swift", withDestinationPath: "../../../../../etc/passwd")
            }, expected: ["variance-recursion.outputVariance": ("error", "symbolic link to a file outside")]),
        HostileInput(
            name: "a link that stays inside the folder is followed",
            setup: { folder in
                try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: true)
                try FileManager.default.moveItem(
                    atPath: folder + "/parameter-counts.swift", toPath: folder + "/src/counts.swift")
                try FileManager.default.createSymbolicLink(
                    atPath: folder + "/parameter-counts.swift", withDestinationPath: "src/counts.swift")
            }),
        HostileInput(
            name: "a folder where answers.yaml should be",
            setup: { folder in
                try replace("answers.yaml", in: folder)
                try FileManager.default.createDirectory(
                    atPath: folder + "/answers.yaml", withIntermediateDirectories: true)
            }, otherAnswers: ("missing", "answers.yaml is a folder, expected a file")),
        HostileInput(
            name: "a FIFO where a snippet file should be",
            setup: { folder in
                try replace("dropout-equivalence.swift", in: folder)
                #expect(mkfifo(folder + "/dropout-equivalence.swift", 0o644) == 0)
            }, expected: ["dropout-equivalence.invertedDropout": ("error", "not a regular file")]),
        HostileInput(
            name: "a missing folder",
            setup: { folder in
                try FileManager.default.removeItem(atPath: folder)
            },
            expected: [
                "dropout-equivalence.invertedDropout": ("missing", "is missing"),
                "variance-recursion.outputVariance": ("missing", "is missing"),
                "residual-jacobians.residualLayerJacobian": ("missing", "is missing"),
                "residual-jacobians.residualGradients": ("missing", "is missing"),
                "parameter-counts.conv2dParameterCount": ("missing", "is missing"),
                "double-descent.ridgeTestError": ("missing", "is missing"),
                "double-descent.doubleDescentCurve": ("missing", "is missing"),
            ], otherAnswers: ("missing", "answers.yaml is missing"), warnings: ["is not a folder"]),
        HostileInput(
            name: "an empty folder",
            setup: { folder in
                for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                    try replace(name, in: folder)
                }
            },
            expected: [
                "dropout-equivalence.invertedDropout": ("missing", "is missing"),
                "variance-recursion.outputVariance": ("missing", "is missing"),
                "residual-jacobians.residualLayerJacobian": ("missing", "is missing"),
                "residual-jacobians.residualGradients": ("missing", "is missing"),
                "parameter-counts.conv2dParameterCount": ("missing", "is missing"),
                "double-descent.ridgeTestError": ("missing", "is missing"),
                "double-descent.doubleDescentCurve": ("missing", "is missing"),
            ], otherAnswers: ("missing", "answers.yaml is missing")),
    ]
}

/// Broken and hostile answers files and folders: each costs only the parts it touches, with a message naming the
/// file and the problem, and the grading finishes with a valid report.
@Suite("hostile inputs")
struct HostileInputTests {
    @Test("a broken answers file or folder costs only what it touches", arguments: HostileInput.all)
    func input(_ hostile: HostileInput) throws {
        let folder = try CLI.referenceCopy("input")
        try hostile.setup(folder)
        let junit = folder + ".xml"
        let json = folder + ".json"
        let run = try CLI.grader(["grade", folder, "--assignment", "hw6", "--junit", junit, "--json", json])
        print(
            """
            hostile input \(hostile.name): exit \(run.status), \(String(format: "%.2f", run.seconds)) s, grader \
            peak \(run.peakKilobytes / 1024) MB
            """
        )
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CLI.validate(junit))
        let report = try CLI.json(json)
        for (id, part) in CLI.parts(report) {
            let status = part["status"] as? String ?? ""
            let message = part["message"] as? String ?? ""
            let want: (status: String, message: String)
            if let listed = hostile.expected[id] {
                want = listed
            } else if HostileInput.answerParts.contains(id), let others = hostile.otherAnswers {
                want = others
            } else {
                want = ("passed", "")
            }
            #expect(status == want.status, "\(id): \(status): \(message)")
            #expect(want.message.isEmpty || message.contains(want.message), "\(id): \(message)")
        }
        let warnings = (report["warnings"] as? [[String: Any]] ?? []).map { warning in
            """
            \(warning["file"] ?? ""):\(warning["line"] ?? ""): \(warning["severity"] ?? ""): \
            \(warning["message"] ?? "")
            """
        }.joined(separator: "\n")
        for warning in hostile.warnings { #expect(warnings.contains(warning), "\(warnings)") }
        #expect(run.peakKilobytes < 400 << 10)
    }

    /// `residual-jacobians.swift` of the reference with `edit` applied to its source.
    static func editedJacobians(_ edit: (String) -> String) throws -> String {
        let folder = try CLI.referenceCopy("braces")
        let path = folder + "/residual-jacobians.swift"
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let edited = edit(source)
        try #require(edited != source)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        return folder
    }

    @Test("a missing closing brace is a compile error for every function of the file, never \"not defined\"")
    func missingBrace() throws {
        // The brace closing residualLayerJacobian is gone: residualGradients is now nested inside it.
        let folder = try Self.editedJacobians {
            $0.replacingOccurrences(of: "    return J\n}\n", with: "    return J\n")
        }
        let json = folder + ".json"
        let run = try CLI.grader(["grade", folder, "--json", json, "--only", "residual-jacobians"])
        #expect(run.status == 0, "\(run.stderr)")
        let parts = CLI.parts(try CLI.json(json))
        for id in ["residual-jacobians.residualLayerJacobian", "residual-jacobians.residualGradients"] {
            let part = try #require(parts[id])
            let message = part["message"] as? String ?? ""
            let details = (part["details"] as? [String] ?? []).joined(separator: "\n")
            #expect(part["status"] as? String == "error", "\(id): \(part["status"] ?? ""): \(message)")
            #expect(message.contains("compile error in residual-jacobians.swift"), "\(id): \(message)")
            #expect(details.contains("expected '}'"), "\(id): the compiler's message is not shown: \(details)")
            #expect(!message.contains("not defined"), "\(id): \(message)")
        }
        #expect(!run.stdout.contains("not defined"), "\(run.stdout)")
    }

    @Test("a function nested inside another, with balanced braces, is reported as nested with its line")
    func nestedFunction() throws {
        // The closing brace moved from residualLayerJacobian to the end of the file: it compiles, but the second
        // function is local to the first.
        let folder = try Self.editedJacobians {
            $0.replacingOccurrences(of: "    return J\n}\n", with: "    return J\n") + "}\n"
        }
        let json = folder + ".json"
        let run = try CLI.grader(["grade", folder, "--json", json, "--only", "residual-jacobians"])
        #expect(run.status == 0, "\(run.stderr)")
        let parts = CLI.parts(try CLI.json(json))
        let nested = try #require(parts["residual-jacobians.residualGradients"])
        let message = nested["message"] as? String ?? ""
        #expect(nested["status"] as? String == "error", "\(message)")
        #expect(message.contains("nested inside another declaration"), "\(message)")
        #expect(nested["line"] as? Int == 22, "\(nested["line"] ?? "no line")")
        #expect(parts["residual-jacobians.residualLayerJacobian"]?["status"] as? String == "passed")
    }

    @Test("names with spaces and non-ASCII characters, in the folder and in the path")
    func unusualNames() throws {
        let folder = CLI.temporary("Zoë O'Brien 学生 \(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/reference", toPath: folder)
        let junit = folder + "/report with spaces.xml"
        let json = folder + "/résultats.json"
        let run = try CLI.grader(["grade", folder, "--junit", junit, "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CLI.validate(junit))
        let report = try CLI.json(json)
        #expect(report["score"] as? Double == 33)
        #expect((report["submission"] as? String)?.contains("Zoë O'Brien 学生") == true)
    }

    /// A submission folder, a cache and a home under a fresh folder that `nobody` owns when the tests run as root,
    /// the prefix that runs the grader as `nobody` then, and the grader to run: a copy beside them, with the
    /// problems, since `nobody` may not reach the clone (one inside a private folder).
    static func nobodyFolders(_ name: String) throws -> (
        base: String, folder: String, cache: String, home: String, prefix: [String], grader: NobodyGrader
    ) {
        let asRoot = getuid() == 0
        if asRoot {
            try CLI.requireTool("setpriv", install: "sudo apt-get install util-linux", for: "dropping to nobody")
        }
        let base = CLI.temporary("\(name)-\(UInt32.random(in: 0...UInt32.max))")
        let folder = base + "/submission"
        let cache = base + "/cache"
        let home = base + "/home"
        for path in [base, cache, home] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/reference", toPath: folder)
        if asRoot { for path in [base, folder, cache, home] { chown(path, 65534, 65534) } }
        chmod(CLI.temporary(""), 0o755)
        return (
            base, folder, cache, home,
            asRoot ? ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"] : [],
            try NobodyGrader(base: base)
        )
    }

    /// The grader and the problems where `nobody` reaches them: copies under `base`.
    struct NobodyGrader {
        let executable: String
        let problems: String

        init(base: String) throws {
            executable = try CLI.reachableBinary(in: base)
            problems = base + "/problems"
            try FileManager.default.copyItem(atPath: CLI.root + "/problems/hw6", toPath: problems)
        }
    }

    /// A grader whose launcher sits where the user running it cannot reach (here, a link into a folder only root
    /// may enter) refuses to run student code and says why and what to do, rather than "not found".
    @Test("a launcher out of the user's reach is named, with what to do")
    func unreachableLauncher() throws {
        guard getuid() == 0 else { return }  // only root can build a folder another user cannot enter
        try CLI.requireTool("setpriv", install: "sudo apt-get install util-linux", for: "dropping to nobody")
        let (base, folder, cache, home, prefix, grader) = try Self.nobodyFolders("nobody-unreachable")
        let closed = base + "/closed"
        try FileManager.default.createDirectory(atPath: closed, withIntermediateDirectories: true)
        chmod(closed, 0o700)
        let launcher = URL(fileURLWithPath: grader.executable).deletingLastPathComponent().path + "/grader-launch"
        try FileManager.default.moveItem(atPath: launcher, toPath: closed + "/grader-launch")
        try FileManager.default.createSymbolicLink(atPath: launcher, withDestinationPath: closed + "/grader-launch")
        let run = try CLI.grader(
            ["grade", folder, "--cache", cache, "--problems", grader.problems],
            environment: ["HOME": home, "GRADER_CACHE": cache],
            prefix: prefix, executable: grader.executable)
        #expect(run.status == 2)
        #expect(
            run.stderr.contains("it is beside the grader (\(launcher)), but user 65534 may not reach it"),
            "\(run.stderr)")
        #expect(run.stderr.contains("copy the grader and grader-launch together into a folder this user can read"))
    }

    /// Without namespaces or Landlock, snippets run as the grader's own user when it is not root: then nothing on
    /// disk is out of their reach, so the grader must keep reference outputs in memory, cache nothing, and say so.
    @Test(
        """
        as a non-root user without namespaces or Landlock: no reference output or result reaches the disk, and \
        the report says why
        """
    )
    func nonRootUnsandboxed() throws {
        let (base, folder, cache, home, prefix, grader) = try Self.nobodyFolders("nobody-plain")
        let json = base + "/results.json"
        let run = try CLI.grader(
            [
                "grade", folder, "--json", json, "--cache", cache, "--no-namespaces", "--no-landlock", "--problems",
                grader.problems,
            ],
            environment: ["HOME": home, "GRADER_CACHE": cache],
            prefix: prefix, executable: grader.executable)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try CLI.json(json)
        #expect(report["score"] as? Double == 33)
        let note = (report["sandbox"] as? [String: Any])?["note"] as? String ?? ""
        #expect(note.contains("kept reference outputs in memory") && note.contains("not for final grades"), "\(note)")
        let kept = (FileManager.default.enumerator(atPath: cache)?.allObjects as? [String]) ?? []
        #expect(kept.isEmpty, "the cache holds \(kept.prefix(5))")
    }

    /// With Landlock, a snippet running as the grader's own user still sees no file outside its folder, the
    /// toolchain and the system's: the grader keeps its cache, and a snippet that reads it finds nothing.
    @Test("as a non-root user without namespaces, Landlock keeps the cache out of the snippet's reach")
    func nonRootLandlock() throws {
        try CLI.requireLandlock()
        let (base, folder, cache, home, prefix, grader) = try Self.nobodyFolders("nobody-landlock")
        let attack = try String(contentsOfFile: CLI.snippet("read-cache"), encoding: .utf8)
            .replacingOccurrences(of: "@@CACHE@@", with: cache)
        let reference = try String(contentsOfFile: folder + "/residual-jacobians.swift", encoding: .utf8)
            .replacingOccurrences(of: "func residualLayerJacobian(", with: "func correctLayerJacobian(")
        try (attack + "\n" + reference).write(
            toFile: folder + "/residual-jacobians.swift", atomically: true, encoding: .utf8)
        if getuid() == 0 { chown(folder + "/residual-jacobians.swift", 65534, 65534) }
        let json = base + "/results.json"
        // Twice: the second run finds the references the first cached, and must not read them either.
        for _ in 0..<2 {
            let run = try CLI.grader(
                ["grade", folder, "--json", json, "--cache", cache, "--no-namespaces", "--problems", grader.problems],
                environment: ["HOME": home, "GRADER_CACHE": cache],
                prefix: prefix, executable: grader.executable)
            #expect(run.status == 0, "\(run.stderr)")
            let report = try CLI.json(json)
            let note = (report["sandbox"] as? [String: Any])?["note"] as? String ?? ""
            #expect(note.contains("Landlock") && note.contains("not for final grades"), "\(note)")
            let layer = CLI.parts(report)["residual-jacobians.residualLayerJacobian"] ?? [:]
            #expect(layer["status"] as? String == "passed", "\(layer["message"] ?? "") \(layer["output"] ?? "")")
            #expect(report["score"] as? Double == 33)
        }
        let kept = (FileManager.default.enumerator(atPath: cache)?.allObjects as? [String]) ?? []
        #expect(kept.contains { $0.hasPrefix("references/") }, "the grader caches again once Landlock guards the cache")
    }

    /// Runs the grader as `nobody` (through `setpriv` when the tests run as root, else as the user running them),
    /// the way a student without root runs it: bubblewrap still isolates snippets, and a file the grader cannot read
    /// is reported, not fatal.
    @Test("as a non-root user: unreadable files are reported and snippets are still sandboxed")
    func nonRoot() throws {
        try CLI.requireBubblewrap()
        let asRoot = getuid() == 0
        if asRoot {
            try CLI.requireTool("setpriv", install: "sudo apt-get install util-linux", for: "dropping to nobody")
        }
        let base = CLI.temporary("nobody-\(UInt32.random(in: 0...UInt32.max))")
        let folder = base + "/submission"
        let cache = base + "/cache"
        let home = base + "/home"
        for path in [base, cache, home] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/reference", toPath: folder)
        if asRoot { for path in [base, cache, home] { chown(path, 65534, 65534) } }
        chmod(CLI.temporary(""), 0o755)
        chmod(folder + "/answers.yaml", 0o000)
        let json = base + "/results.json"
        let grader = try NobodyGrader(base: base)
        let run = try CLI.grader(
            ["grade", folder, "--json", json, "--cache", cache, "--problems", grader.problems],
            environment: ["HOME": home, "GRADER_CACHE": cache],
            prefix: asRoot ? ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"] : [],
            executable: grader.executable)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try CLI.json(json)
        #expect(
            (report["sandbox"] as? [String: Any])?["mode"] as? String == "namespaces", "\(report["warnings"] ?? "")")
        for (id, part) in CLI.parts(report) {
            let message = part["message"] as? String ?? ""
            if HostileInput.answerParts.contains(id) {
                #expect(
                    part["status"] as? String == "missing"
                        && message.contains("answers.yaml cannot be read: Permission denied"), "\(id): \(message)")
            } else {
                #expect(part["status"] as? String == "passed", "\(id): \(message)")
            }
        }
    }
}
