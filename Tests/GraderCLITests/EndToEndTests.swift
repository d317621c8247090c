import Foundation
import Testing

/// Runs the built `grader` binary on the bundled submissions and checks scores, exit codes and reports.
@Suite("grader end to end", .serialized)
struct EndToEndTests {
    /// Grades `submission` and returns the parsed JSON results plus the run itself; checks the JUnit against the
    /// schema.
    static func grade(_ submission: String, extra: [String] = []) throws -> (
        json: [String: Any], run: CLI.Run, feedback: String
    ) {
        let junit = CLI.temporary("\(submission).xml")
        let json = CLI.temporary("\(submission).json")
        let feedback = CLI.temporary("\(submission).md")
        let run = try CLI.grader(
            ["grade", "submissions/hw6/\(submission)", "--junit", junit, "--json", json, "--feedback", feedback] + extra
        )
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CLI.validate(junit), "JUnit for \(submission) does not validate")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (object, run, try String(contentsOfFile: feedback, encoding: .utf8))
    }

    @Test("the reference submission gets full marks")
    func reference() throws {
        let (json, run, _) = try Self.grade("reference")
        #expect(json["score"] as? Double == 33 && json["maxScore"] as? Double == 33)
        #expect(run.stdout.contains("total: 33/33"))
        #expect(CLI.parts(json).values.allSatisfy { $0["status"] as? String == "passed" })
    }

    @Test("a cache folder given as a relative path works like an absolute one")
    func relativeCache() throws {
        let relative = ".build/grader-relative-cache-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: CLI.root + "/" + relative) }
        let run = try CLI.grader([
            "grade", "submissions/hw6/reference", "--problems", "problems/hw6", "--only", "parameter-counts",
            "--cache", relative,
        ])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("total: 5/33"))
        #expect(FileManager.default.fileExists(atPath: CLI.root + "/" + relative + "/references"))
    }

    @Test("grade reads back a grade whose inputs did not change, and --no-result-cache grades again")
    func gradeResultCache() throws {
        let cache = CLI.temporary("grade-result-cache-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let arguments = [
            "grade", "submissions/hw6/reference", "--problems", "problems/hw6", "--only", "variance-recursion",
            "--cache",
            cache,
        ]
        let first = try CLI.grader(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("total: 5/33"), "\(first.stdout)")
        let results = cache + "/results"
        // One stored grade per problem (those --only leaves out are stored as skipped): edit variance-recursion's.
        let stored = try FileManager.default.contentsOfDirectory(atPath: results).map { results + "/" + $0 }.filter {
            ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains("all 12 public")
        }
        try #require(stored.count == 1, "\(stored)")
        // The cache is the grader's own (private to its user): what it holds is what the next run reports. A grade
        // edited there shows that it was read, not computed again.
        let text = try String(contentsOfFile: stored[0], encoding: .utf8)
        try text.replacingOccurrences(of: "all 12 public", with: "all 12 (read back) public").write(
            toFile: stored[0], atomically: true, encoding: .utf8)
        let second = try CLI.grader(arguments + ["--feedback", cache + "/feedback.md"])
        #expect(second.status == 0, "\(second.stderr)")
        let feedback = try String(contentsOfFile: cache + "/feedback.md", encoding: .utf8)
        #expect(feedback.contains("(read back)"), "\(feedback)")
        // Another build of the grader (here a copy, written now as a rebuild would be) may grade differently under
        // the same version number: it grades afresh instead of serving this build's grade.
        let other = try CLI.reachableBinary(in: CLI.temporary("grade-result-cache-build-\(getpid())"))
        let rebuilt = try CLI.grader(arguments + ["--feedback", cache + "/feedback.md"], executable: other)
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(!(try String(contentsOfFile: cache + "/feedback.md", encoding: .utf8)).contains("(read back)"))
        let fresh = try CLI.grader(arguments + ["--feedback", cache + "/feedback.md", "--no-result-cache"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let regraded = try String(contentsOfFile: cache + "/feedback.md", encoding: .utf8)
        #expect(!regraded.contains("(read back)") && regraded.lowercased().contains("all 12 public"), "\(regraded)")
        // The grade --no-result-cache gave replaced the kept one: the next ordinary run reads that one back.
        try FileManager.default.removeItem(atPath: cache + "/feedback.md")
        let after = try CLI.grader(arguments + ["--feedback", cache + "/feedback.md"])
        #expect(after.status == 0, "\(after.stderr)")
        let kept = try String(contentsOfFile: cache + "/feedback.md", encoding: .utf8)
        #expect(!kept.contains("(read back)") && kept.lowercased().contains("all 12 public"), "\(kept)")
        // A changed file is another key: graded, not read back.
        let folder = CLI.temporary("grade-result-cache-folder-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for file in ["answers.yaml", "variance-recursion.swift"] {
            try FileManager.default.copyItem(
                atPath: CLI.root + "/submissions/hw6/reference/" + file, toPath: folder + "/" + file)
        }
        try FileHandle(forWritingAtPath: folder + "/variance-recursion.swift").map { handle in
            defer { try? handle.close() }
            _ = try handle.seekToEnd()
            handle.write(Data("// changed\n".utf8))
        }
        try FileManager.default.removeItem(atPath: cache + "/feedback.md")
        let changed = try CLI.grader(
            [
                "grade", folder, "--problems", "problems/hw6", "--only", "variance-recursion", "--cache", cache,
                "--feedback", cache + "/feedback.md",
            ])
        #expect(changed.status == 0, "\(changed.stderr)")
        let changedFeedback = try String(contentsOfFile: cache + "/feedback.md", encoding: .utf8)
        #expect(!changedFeedback.contains("(read back)") && changedFeedback.lowercased().contains("all 12 public"))
    }

    @Test("a grade that ran out of wall-clock time is never kept: on a busy machine it may be the machine's fault")
    func timeoutNotKept() throws {
        let cache = CLI.temporary("grade-timeout-cache-\(getpid())")
        let folder = CLI.temporary("grade-timeout-\(getpid())")
        defer {
            try? FileManager.default.removeItem(atPath: cache)
            try? FileManager.default.removeItem(atPath: folder)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Asleep, not busy: the wall clock stops it, not the CPU limit.
        try "import Glibc\nfunc outputVariance(widths: [Int]) -> Double {\n    sleep(30)\n    return 0\n}\n".write(
            toFile: folder + "/variance-recursion.swift", atomically: true, encoding: .utf8)
        let arguments = [
            "grade", folder, "--problems", "problems/hw6", "--only", "variance-recursion", "--cache", cache,
            "--timeout", "1", "--json", cache + "/results.json",
        ]
        let run = try CLI.grader(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let part = CLI.parts(try CLI.json(cache + "/results.json"))["variance-recursion.outputVariance"]
        #expect(part?["outcome"] as? String == "timeout", "\(String(describing: part))")
        let kept = ((try? FileManager.default.contentsOfDirectory(atPath: cache + "/results")) ?? []).filter {
            ((try? String(contentsOfFile: cache + "/results/" + $0, encoding: .utf8)) ?? "").contains("outputVariance")
        }
        #expect(kept.isEmpty, "\(kept)")
    }

    @Test("alice loses exactly the parts she got wrong, with targeted feedback")
    func alice() throws {
        let (json, _, feedback) = try Self.grade("alice")
        let parts = CLI.parts(json)
        let expected: [String: (String, Double)] = [
            "dropout-equivalence.commuting-activations": ("partial", 3.0 * (3 - 1) / 3),
            "dropout-equivalence.invertedDropout": ("passed", 2),  // prints debug output; it must not matter
            "variance-recursion.output-variance": ("passed", 2),
            "variance-recursion.outputVariance": ("passed", 3),
            "residual-jacobians.gradient-b1": ("failed", 0),
            "residual-jacobians.gradient-A2": ("failed", 0),
            "residual-jacobians.residualLayerJacobian": ("failed", 0),
            "parameter-counts.resnext-naive": ("failed", 0),
            "parameter-counts.resnext-split": ("failed", 0),
            "parameter-counts.mlp": ("passed", 1),
        ]
        for (id, (status, score)) in expected {
            #expect(parts[id]?["status"] as? String == status, "\(id)")
            #expect(abs((parts[id]?["score"] as? Double ?? -1) - score) < 1e-9, "\(id)")
        }
        #expect((parts["residual-jacobians.residualGradients"]?["score"] as? Double ?? 4) < 4)
        #expect((parts["parameter-counts.conv2dParameterCount"]?["score"] as? Double ?? 2) < 2)
        #expect((parts["residual-jacobians.gradient-b1"]?["mistake"] as? String)?.contains("relu'") == true)
        #expect((parts["residual-jacobians.residualLayerJacobian"]?["mistake"] as? String)?.contains("swapped") == true)
        #expect((parts["residual-jacobians.residualGradients"]?["mistake"] as? String)?.contains("relu' as 1") == true)
        #expect((parts["parameter-counts.resnext-naive"]?["mistake"] as? String)?.contains("bias") == true)
        #expect((parts["parameter-counts.resnext-split"]?["mistake"] as? String)?.contains("grouped") == true)
        #expect((parts["parameter-counts.conv2dParameterCount"]?["mistake"] as? String)?.contains("bias") == true)
        #expect(feedback.contains("identity term sits on the off-diagonal"))
        #expect(feedback.contains("First failing public input"))
    }

    @Test("bob's compile error costs only its problem's snippets; type slips and wrong signatures are explained")
    func bob() throws {
        let (json, _, feedback) = try Self.grade("bob")
        let parts = CLI.parts(json)
        let dropout = parts["dropout-equivalence.invertedDropout"]!
        #expect(dropout["status"] as? String == "error")
        #expect((dropout["details"] as? [String])?.first?.contains("dropout-equivalence.swift:4:") == true)
        #expect(!(dropout["details"] as? [String] ?? []).joined().contains("main.swift"))
        #expect(parts["residual-jacobians.residualLayerJacobian"]?["status"] as? String == "passed")
        let gradients = parts["residual-jacobians.residualGradients"]!
        #expect(gradients["message"] as? String == "`residualGradients` does not match the expected signature")
        #expect(
            (parts["variance-recursion.output-variance"]?["mistake"] as? String)?.contains("without the bias") == true)
        #expect((parts["variance-recursion.outputVariance"]?["mistake"] as? String)?.contains("bias") == true)
        #expect((parts["residual-jacobians.gradient-b1"]?["message"] as? String)?.contains("wrong shape") == true)
        #expect((parts["residual-jacobians.gradient-A2"]?["message"] as? String)?.contains("list of rows") == true)
        #expect((parts["parameter-counts.mlp"]?["message"] as? String)?.contains("finite") == true)
        #expect(parts["parameter-counts.resnext-naive"]?["status"] as? String == "passed")
        #expect((parts["parameter-counts.conv2dParameterCount"]?["mistake"] as? String)?.contains("groups") == true)
        #expect(feedback.contains("cannot find 'scal' in scope"))
    }

    @Test("a freshly initialised folder fails every part, its functions as starter code unchanged; init keeps files")
    func initScaffold() throws {
        let folder = CLI.temporary("fresh-\(UInt32.random(in: 0...UInt32.max))")
        let created = try CLI.grader(["init", folder, "--assignment", "hw6"])
        #expect(created.status == 0 && created.stdout.contains("answers.yaml"))
        let again = try CLI.grader(["init", folder, "--assignment", "hw6"])
        #expect(again.stdout.contains("kept"))
        let json = CLI.temporary("fresh.json")
        let run = try CLI.grader(["grade", folder, "--json", json])
        #expect(run.status == 0)
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        #expect(object["score"] as? Double == 0)
        for (id, part) in CLI.parts(object) {
            let status = part["status"] as? String
            #expect(status == "missing" || status == "error", "\(id): \(status ?? "")")
            if part["kind"] as? String == "snippet" {
                #expect(status == "missing", "\(id)")
                #expect((part["message"] as? String)?.contains("starter code `grader init` wrote, unchanged") == true)
            }
        }
    }

    @Test("--only grades the selected part and reports every other part as skipped")
    func only() throws {
        let junit = CLI.temporary("only.xml")
        let json = CLI.temporary("only.json")
        let run = try CLI.grader([
            "grade", "submissions/hw6/reference", "--only", "variance-recursion.outputVariance", "--junit", junit,
            "--json", json,
        ])
        #expect(run.status == 0)
        #expect(try CLI.validate(junit))
        let parts = CLI.parts(try CLI.json(json))
        #expect(parts["variance-recursion.outputVariance"]?["status"] as? String == "passed")
        #expect(parts.filter { $0.value["status"] as? String == "skipped" }.count == parts.count - 1)
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<skipped"))
    }

    @Test("limits come from the defaults, then problem.yaml, then the command line, and every report prints them")
    func limits() throws {
        let problems = try CLI.problemsCopy("limits-problems", editing: "variance-recursion") {
            $0 + "limits:\n  wall-seconds: 2\n  memory-mb: 512\n"
        }
        for (extra, memory) in [([String](), 512), (["--memory", "256"], 256)] {
            let junit = problems + ".xml"
            let json = problems + ".json"
            let feedback = problems + ".md"
            let run = try CLI.grader(
                [
                    "grade", "submissions/hw6/reference", "--problems", problems, "--junit", junit, "--json", json,
                    "--feedback", feedback,
                ] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try CLI.validate(junit))
            let report = try CLI.json(json)
            let byID = Dictionary(
                uniqueKeysWithValues: (report["problems"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
            let variance = byID["variance-recursion"]?["limits"] as? [String: Any]
            #expect(variance?["wallSeconds"] as? Double == 2 && variance?["memoryMegabytes"] as? Int == memory)
            let dropout = byID["dropout-equivalence"]?["limits"] as? [String: Any]
            #expect(
                dropout?["wallSeconds"] as? Double == 10
                    && dropout?["memoryMegabytes"] as? Int == (extra.isEmpty ? 1024 : 256))
            #expect(
                try String(contentsOfFile: junit, encoding: .utf8).contains(
                    "<property name=\"limit-memory-mb\" value=\"\(memory)\"/>"))
            #expect(
                try String(contentsOfFile: feedback, encoding: .utf8).contains("wall 2 s, CPU 5 s, memory \(memory) MB")
            )
            #expect(
                run.stdout.contains(
                    """
                    limits for variance-recursion: wall 2 s, CPU 5 s, memory \(memory) MB, output 4096 KiB, \
                    compile 60 s
                    """
                ))
        }
    }

    @Test("usage and definition errors exit 2 with a message naming the file")
    func errors() throws {
        let missing = try CLI.grader(["grade", "submissions/hw6/reference", "--problems", "/nonexistent"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent"))
        let folder = CLI.temporary("broken-problems/p1")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "title: T\nparts:\n  - id: a\n    kind: real\n    points: 1\n    answer: 1.0\n    tollerance: 3\n".write(
            toFile: folder + "/problem.yaml", atomically: true, encoding: .utf8)
        let broken = try CLI.grader(["list", "--problems", (folder as NSString).deletingLastPathComponent])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("problem.yaml:7: error: unknown key `tollerance`"), "\(broken.stderr)")
        let badOnly = try CLI.grader(["grade", "submissions/hw6/reference", "--only", "nope"])
        #expect(badOnly.status == 2)
    }

    @Test("grading without namespaces says so and still grades correctly")
    func fallback() throws {
        let (json, run, _) = try Self.grade("reference", extra: ["--no-namespaces"])
        #expect(json["score"] as? Double == 33)
        #expect((json["sandbox"] as? [String: Any])?["mode"] as? String == "rlimits-only")
        #expect(run.stdout.contains("no namespace sandbox"))
    }
}
