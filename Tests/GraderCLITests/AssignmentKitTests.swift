import Foundation
import GraderCore
import Testing
import ZIPFoundation

/// `grader assign` end to end: what the student kit holds and does not, public checks against it, final grading
/// with hidden trials, the lookup-table attack, and Gradescope's `run_autograder` in a simulated `/autograder`.
@Suite("assignment kits", .serialized)
struct AssignmentKitTests {
    /// One kit for the suite, built from the bundled problems.
    static let kit: Result<String, Error> = Result {
        let folder = CLI.temporary("kit-\(UInt32.random(in: 0...UInt32.max))")
        let run = try CLI.grader(["assign", "--assignment", "hw6", "--out", folder])
        guard run.status == 0 else { throw KitError(message: "grader assign failed: \(run.stderr)") }
        return folder
    }

    struct KitError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Every regular file under `folder`, relative.
    static func files(_ folder: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if enumerator?.fileAttributes?[.type] as? FileAttributeType == .typeRegular { files.append(path) }
        }
        return files.sorted()
    }

    @Test("the student kit holds no reference code, no answer key, no mistake expression and no secret")
    func studentKitHoldsNoAnswers() throws {
        let student = try Self.kit.get() + "/student"
        let files = Self.files(student)
        #expect(files.contains("HANDOUT.md") && files.contains("variance-recursion/public-trials.json"))
        #expect(!files.contains { $0.hasSuffix(".swift") }, "\(files)")
        #expect(!files.contains { ($0 as NSString).lastPathComponent == "secret" })
        let secret = try String(contentsOfFile: try Self.kit.get() + "/autograder/secret", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The bundled answers (DESIGN section 4), the known-mistake functions and expressions of the references.
        let forbidden = [
            "213504", "78592", "4353", "0.08449", "212992", "resnextNaiveBlock", "resnextPath", "mlpParameterCount",
            "outputVarianceWithoutBias", "handoutGradients", "jacobianWithoutIdentity",
            "gradientsIgnoringReluDerivative",
            "conv2dIgnoringBias", "dropoutWithoutRescaling", "expression:", "implementation:", secret,
        ]
        for file in files {
            var text = try String(contentsOfFile: "\(student)/\(file)", encoding: .utf8)
            if file.hasSuffix("public-trials.json"),
                var json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                var parts = json["parts"] as? [String: Any]
            {
                // An experiment's public data set is thousands of numbers drawn from a seed: a key's digits turn up
                // in it by chance. What it holds besides is checked below; the experiment's data are no answer.
                parts["doubleDescentCurve"] = nil
                json["parts"] = parts
                text = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
            }
            for needle in forbidden { #expect(!text.contains(needle), "\(file) contains \(needle)") }
        }
        // A withheld part's hint speaks of its value, and public checks never judge the value.
        #expect(
            !(try String(contentsOfFile: student + "/dropout-equivalence/problem.yaml", encoding: .utf8)).contains(
                "positive homogeneity"))
        // What it must hold: the signatures and the public trials' expected outputs.
        let handout = try String(contentsOfFile: student + "/HANDOUT.md", encoding: .utf8)
        #expect(handout.contains("func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double])"))
        #expect(handout.contains("graded at final grading") && handout.contains("hidden inputs, never shown"))
        let trials = try CLI.json(student + "/variance-recursion/public-trials.json")
        let parts = trials["parts"] as? [String: [String: Any]]
        #expect((parts?["outputVariance"]?["trials"] as? [Any])?.count == 12)
        #expect((parts?["outputVariance"]?["expected"] as? [Any])?.count == 12)
        // The autograder folder has everything.
        #expect(Self.files(try Self.kit.get() + "/autograder").contains("variance-recursion/reference.swift"))
    }

    @Test("the reference submission passes public checks (answers pending, never passed) and final grading")
    func referencePassesBoth() throws {
        let kit = try Self.kit.get()
        let json = CLI.temporary("kit-reference.json")
        let junit = CLI.temporary("kit-reference.xml")
        let check = try CLI.grader([
            "check", "submissions/hw6/reference", "--problems", kit + "/student", "--json", json, "--junit", junit,
        ])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("public checks passed: 6 of 6 parts; 9 parts are graded at final grading"))
        #expect(!check.stdout.contains("total:"))
        #expect(try CLI.validate(junit))
        let report = try CLI.json(json)
        #expect(report["checks"] as? String == "public")
        for (id, part) in CLI.parts(report) {
            if part["kind"] as? String == "snippet" {
                #expect(part["status"] as? String == "passed", "\(id)")
                #expect((part["message"] as? String)?.contains("hidden trials run at final grading") == true, "\(id)")
            } else {
                #expect(part["status"] as? String == "pending", "\(id): a withheld answer must never show as passed")
                #expect(part["score"] as? Double == 0)
            }
        }
        // The instructor's own full-marks submission: only the instructor grades as `reference`.
        let final = try CLI.grader([
            "grade", "submissions/hw6/reference", "--problems", kit + "/autograder", "--student", "reference", "--json",
            json,
        ])
        #expect(final.status == 0 && final.stdout.contains("total: 33/33"), "\(final.stdout)\(final.stderr)")
        #expect(!final.stdout.contains("without a secret"))
        for (id, part) in CLI.parts(try CLI.json(json)) where part["kind"] as? String == "snippet" {
            #expect(
                (part["message"] as? String)?.hasPrefix("all 12 public and 12 hidden") == true
                    || id.hasSuffix("conv2dParameterCount")
                    || ((part["message"] as? String)?.hasPrefix("all 10 public and 10 hidden") == true
                        && id.hasSuffix("ridgeTestError")),
                "\(id)")
            #expect(part["flag"] == nil, "\(id)")
        }
    }

    @Test("answers of the wrong form fail public checks; wrong values wait for final grading")
    func answerForms() throws {
        let kit = try Self.kit.get()
        let folder = try CLI.referenceCopy("forms")
        var answers = try String(contentsOfFile: folder + "/answers.yaml", encoding: .utf8)
        answers = answers.replacingOccurrences(of: "gradient-b1: [4, -2]", with: "gradient-b1: [4, -2, 1]")
            .replacingOccurrences(of: "resnext-naive: 213504", with: "resnext-naive: 12.5")
            .replacingOccurrences(of: "resnext-split: 78592", with: "resnext-split: 1")
        try answers.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
        let json = CLI.temporary("forms.json")
        let check = try CLI.grader(["check", folder, "--problems", kit + "/student", "--json", json])
        #expect(check.status == 1)
        let parts = CLI.parts(try CLI.json(json))
        #expect(parts["residual-jacobians.gradient-b1"]?["status"] as? String == "failed")
        #expect((parts["residual-jacobians.gradient-b1"]?["message"] as? String)?.contains("expected 2, got 3") == true)
        #expect(parts["parameter-counts.resnext-naive"]?["status"] as? String == "failed")
        // A wrong value of the right form is not revealed as wrong: that would leak the key one guess at a time.
        #expect(parts["parameter-counts.resnext-split"]?["status"] as? String == "pending")
        #expect(check.stdout.contains("(2 of them cannot be read as written: fix them now)"))
    }

    @Test("final grading with the autograder folder says a number is wrong, never how far off: that hands out the key")
    func noDistanceAtFinalGrading() throws {
        let kit = try Self.kit.get()
        let folder = try CLI.referenceCopy("distance")
        var answers = try String(contentsOfFile: folder + "/answers.yaml", encoding: .utf8)
        answers = answers.replacingOccurrences(of: "resnext-split: 78592", with: "resnext-split: 1")
        try answers.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
        for (problems, shows) in [(kit + "/autograder", false), (CLI.root + "/problems/hw6", true)] {
            let json = CLI.temporary("distance-\(shows).json")
            let run = try CLI.grader([
                "grade", folder, "--problems", problems, "--student", "reference", "--json", json,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let part = CLI.parts(try CLI.json(json))["parameter-counts.resnext-split"] ?? [:]
            let text = "\(part["message"] ?? "") \(part["details"] ?? "")"
            #expect(part["status"] as? String == "failed", "\(part)")
            // The key is 78592: 1 off by 78591 names it.
            #expect(text.contains("78591") == shows, "\(problems): \(text)")
        }
    }

    /// Replaces the body of `outputVariance` in `folder` with `body`.
    static func writeOutputVariance(_ folder: String, body: String) throws {
        try "func outputVariance(widths: [Int]) -> Double {\n\(body)\n}\n"
            .write(toFile: folder + "/variance-recursion.swift", atomically: true, encoding: .utf8)
    }

    @Test("a lookup table harvested from public feedback passes public checks, then fails final grading and is flagged")
    func lookupTableAttack() throws {
        let kit = try Self.kit.get()
        let root = CLI.temporary("attack-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let folder = root + "/mallory"
        try CLI.fullMarksCopy(at: folder, problems: kit + "/autograder")
        // The attack of the issue: run the public checks, read the first failing input and its expected output from
        // the feedback, add one line to the table, repeat.
        var table: [String] = []
        let json = CLI.temporary("attack.json")
        var runs = 0
        while runs < 20 {
            try Self.writeOutputVariance(folder, body: table.joined(separator: "\n") + "\n    return 0")
            let check = try CLI.grader([
                "check", folder, "--problems", kit + "/student", "--only", "variance-recursion.outputVariance",
                "--json", json,
            ])
            runs += 1
            let part = CLI.parts(try CLI.json(json))["variance-recursion.outputVariance"]!
            if part["status"] as? String == "passed" {
                #expect(check.status == 0)
                break
            }
            let details = part["details"] as? [String] ?? []
            func quoted(_ prefix: String) -> String? {
                details.first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: "`").dropFirst().first }.map(
                    String.init)
            }
            let call = try #require(quoted("First failing public input"), "no failing input in \(details)")
            let widths = call.replacingOccurrences(of: "outputVariance(widths: ", with: "").dropLast()
            table.append("    if widths == \(widths) { return \(try #require(quoted("Expected:"))) }")
        }
        #expect(table.count == 12, "harvested \(table.count) trials in \(runs) runs")
        // Public checks: full marks on the part.
        let publicReport = CLI.parts(try CLI.json(json))["variance-recursion.outputVariance"]!
        #expect(publicReport["status"] as? String == "passed" && publicReport["score"] as? Double == 3)

        // Final grading: at most a third of the points, flagged, and nothing of a hidden trial shown, even when the
        // fallback prints its input and crashes with it, hoping the report shows the hidden inputs.
        try Self.writeOutputVariance(
            folder,
            body: table.joined(separator: "\n")
                + "\n    print(\"LEAK \\(widths)\")\n    fatalError(\"LEAK \\(widths)\")")
        let feedback = CLI.temporary("attack.md")
        let final = try CLI.grader([
            "grade", folder, "--problems", kit + "/autograder", "--json", json, "--feedback", feedback,
        ])
        #expect(final.status == 0, "\(final.stderr)")
        let part = CLI.parts(try CLI.json(json))["variance-recursion.outputVariance"]!
        #expect((part["score"] as? Double ?? 3) <= 1 + 1e-9, "\(part)")
        #expect((part["flag"] as? [String: Any])?["reason"] as? String == "public-only")
        let report =
            try String(contentsOfFile: json, encoding: .utf8) + (try String(contentsOfFile: feedback, encoding: .utf8))
            + final.stdout
        #expect(!report.contains("LEAK"), "a hidden input reached the report")
        #expect(report.contains("Flagged for review"))

        // The class view: summary.json's flags and a section of index.html.
        let out = CLI.temporary("attack-reports-\(UInt32.random(in: 0...UInt32.max))")
        try CLI.fullMarksCopy(at: root + "/honest", problems: kit + "/autograder")
        let batch = try CLI.grader([
            "batch", root, "--problems", kit + "/autograder", "--out", out, "--quiet", "--allow-unsandboxed",
        ])
        #expect(batch.status == 0, "\(batch.stderr)")
        let summary = try CLI.json(out + "/summary.json")
        let flags = summary["flags"] as? [[String: Any]] ?? []
        #expect(flags.count == 1)
        #expect(
            flags.first?["student"] as? String == "mallory"
                && flags.first?["part"] as? String == "variance-recursion.outputVariance")
        #expect(flags.first?["reason"] as? String == "public-only")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("<h2>Flagged for review</h2>") && html.contains("variance-recursion.outputVariance"))

        // One deliberately wrong entry does not dodge the flag: it follows the gap between public and hidden.
        try Self.writeOutputVariance(folder, body: table.dropLast().joined(separator: "\n") + "\n    return 0")
        _ = try CLI.grader(["grade", folder, "--problems", kit + "/autograder", "--json", json])
        let dodge = CLI.parts(try CLI.json(json))["variance-recursion.outputVariance"]!
        #expect((dodge["flag"] as? [String: Any])?["reason"] as? String == "public-only", "\(dodge)")
    }

    @Test("hidden trials: as many as asked, none equal to a public trial, and a different set for a different secret")
    func hiddenTrialsAreFresh() throws {
        let problems = try ProblemLoader.load(directory: CLI.root + "/problems/hw6")
        for problem in problems.problems {
            for part in problem.snippetParts {
                guard let spec = part.snippet else { continue }
                let visible = Set(InputGenerators.trials(for: spec).map(WireFormat.line))
                let first = InputGenerators.hiddenTrials(
                    for: spec, problem: problem.id, part: part.id, secret: String(repeating: "a", count: 64))
                let second = InputGenerators.hiddenTrials(
                    for: spec, problem: problem.id, part: part.id, secret: String(repeating: "b", count: 64))
                #expect(first.count == spec.hiddenTrials, "\(part.id)")
                #expect(
                    first.allSatisfy { !visible.contains(WireFormat.line($0)) },
                    "\(part.id): a hidden trial equals a public one")
                #expect(Set(first.map(WireFormat.line)).count == first.count)
                #expect(
                    first.map(WireFormat.line) != second.map(WireFormat.line),
                    "\(part.id): the secret does not change the hidden trials")
                // Reproducible: final grading on another machine draws the same.
                #expect(
                    first.map(WireFormat.line)
                        == InputGenerators.hiddenTrials(
                            for: spec, problem: problem.id, part: part.id, secret: String(repeating: "a", count: 64)
                        ).map(WireFormat.line))
            }
        }
    }

    @Test("a correct solution in another style passes every hidden trial and is never flagged")
    func otherStyleNotFlagged() throws {
        let kit = try Self.kit.get()
        let folder = try CLI.referenceCopy("other-style")
        // Recursive, from the last layer back, where the reference loops forward.
        try """
        func outputVariance(widths: [Int]) -> Double {
            guard let last = widths.last else { return 1 }
            return outputVariance(widths: Array(widths.dropLast())) / 3 + 1 / (3 * Double(last))
        }
        """.write(toFile: folder + "/variance-recursion.swift", atomically: true, encoding: .utf8)
        let json = CLI.temporary("other-style.json")
        let run = try CLI.grader([
            "grade", folder, "--problems", kit + "/autograder", "--student", "reference", "--json", json,
        ])
        #expect(run.status == 0 && run.stdout.contains("total: 33/33"), "\(run.stdout)")
        #expect(CLI.parts(try CLI.json(json)).values.allSatisfy { $0["flag"] == nil })
    }

    @Test("a part may opt in to immediate feedback: its key goes into the kit and the handout says so")
    func immediateFeedback() throws {
        let problems = try CLI.problemsCopy("practice-problems", editing: "parameter-counts") {
            $0.replacingOccurrences(
                of: "  - id: mlp\n    kind: integer\n",
                with: "  - id: mlp\n    kind: integer\n    immediate-feedback: true\n")
        }
        let kit = CLI.temporary("practice-kit-\(UInt32.random(in: 0...UInt32.max))")
        let assign = try CLI.grader(["assign", "--problems", problems, "--out", kit, "--no-gradescope"])
        #expect(assign.status == 0, "\(assign.stderr)")
        #expect(assign.stdout.contains("7 answer parts graded at final grading; 1 with immediate feedback"))
        let kitDefinition = try String(contentsOfFile: kit + "/student/parameter-counts/problem.yaml", encoding: .utf8)
        #expect(kitDefinition.contains("answer: 4353") && !kitDefinition.contains("213504"))
        #expect(kitDefinition.contains("answer: 4224"), "the mistake without biases, as a value with its feedback")
        #expect(try String(contentsOfFile: kit + "/student/HANDOUT.md", encoding: .utf8).contains("Practice part"))
        let json = CLI.temporary("practice.json")
        _ = try CLI.grader(["grade", "submissions/hw6/reference", "--problems", kit + "/student", "--json", json])
        #expect(CLI.parts(try CLI.json(json))["parameter-counts.mlp"]?["status"] as? String == "passed")
        let folder = try CLI.referenceCopy("practice-wrong")
        let answers = try String(contentsOfFile: folder + "/answers.yaml", encoding: .utf8).replacingOccurrences(
            of: "mlp: 4353", with: "mlp: 4224")
        try answers.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
        _ = try CLI.grader(["grade", folder, "--problems", kit + "/student", "--json", json])
        let mlp = CLI.parts(try CLI.json(json))["parameter-counts.mlp"]
        #expect(mlp?["status"] as? String == "failed" && (mlp?["mistake"] as? String)?.contains("bias") == true)
        // --no-gradescope writes no zip.
        #expect(!FileManager.default.fileExists(atPath: kit + "/gradescope"))
    }

    @Test("rebuilding a kit needs --force and keeps the secret")
    func rebuildKeepsSecret() throws {
        let kit = CLI.temporary("rebuild-kit-\(UInt32.random(in: 0...UInt32.max))")
        #expect(try CLI.grader(["assign", "--assignment", "hw6", "--out", kit, "--no-gradescope"]).status == 0)
        let secret = try String(contentsOfFile: kit + "/autograder/secret", encoding: .utf8)
        let refused = try CLI.grader(["assign", "--assignment", "hw6", "--out", kit, "--no-gradescope"])
        #expect(refused.status == 2 && refused.stderr.contains("--force"))
        let again = try CLI.grader(["assign", "--assignment", "hw6", "--out", kit, "--no-gradescope", "--force"])
        #expect(again.status == 0 && again.stdout.contains("secret: kept"))
        #expect(try String(contentsOfFile: kit + "/autograder/secret", encoding: .utf8) == secret)
        // A student kit cannot be graded as a class, nor assigned again.
        let batch = try CLI.grader([
            "batch", "submissions/hw6", "--problems", kit + "/student", "--out", CLI.temporary("kit-batch"),
            "--allow-unsandboxed",
        ])
        #expect(batch.status == 2 && batch.stderr.contains("student kit"))
        let reassign = try CLI.grader(["assign", "--problems", kit + "/student", "--out", CLI.temporary("kit-of-kit")])
        #expect(reassign.status == 2 && reassign.stderr.contains("student kit"))
    }

    @Test("the CI examples run the public checks against the kit in the student's repository, never the references")
    func ciExamples() throws {
        let kit = try Self.kit.get()
        let repository = try CLI.referenceCopy("student-repository")
        try FileManager.default.copyItem(atPath: kit + "/student", toPath: repository + "/kit")
        for path in ["github-actions.yml", "gitlab-ci.yml"] {
            let file = CLI.root + "/examples/ci/" + path
            let tree = try YAMLReader.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
            var scripts: [String] = []
            if case .sequence(let steps, _)? = CheckTests.mapping(
                CheckTests.mapping(CheckTests.mapping(tree, "jobs"), "grade"), "steps")
            {
                scripts += steps.compactMap { CheckTests.text(CheckTests.mapping($0, "run")) }
            }
            if case .sequence(let lines, _)? = CheckTests.mapping(CheckTests.mapping(tree, "grade"), "script") {
                scripts += lines.compactMap { CheckTests.text($0) }
            }
            let command = try #require(
                scripts.lazy.compactMap(CheckTests.checkCommand(in:)).first, "\(path): no grader check")
            let problems = command.firstIndex(of: "--problems").map { command[$0 + 1] }
            #expect(
                problems == "kit",
                "\(path) checks against \(problems ?? "the default problems folder, which holds the references")")
            // Run it as the workflow would, from the repository root.
            var arguments = command.map { $0 == "." ? repository : $0 }
            for option in ["--problems"] {
                if let index = arguments.firstIndex(of: option) { arguments[index + 1] = repository + "/kit" }
            }
            for option in ["--junit", "--feedback"] {
                if let index = arguments.firstIndex(of: option) {
                    arguments[index + 1] = CLI.temporary("ci-\(path)-\(option.dropFirst(2))")
                }
            }
            let run = try CLI.grader(arguments)
            #expect(run.status == 0, "\(path): \(run.stdout)\(run.stderr)")
            #expect(
                run.stdout.contains(
                    "check passed: public checks passed: 6 of 6 parts; 9 parts are graded at final grading"))
        }
    }

    /// `swift package dump-package` in `folder`: the manifest as SwiftPM reads it.
    static func dumpPackage(_ folder: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swift", "package", "--package-path", folder, "--scratch-path",
            CLI.temporary("dump-\(UInt32.random(in: 0...UInt32.max))"), "dump-package",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }

    @Test(
        "Gradescope's run_autograder grades /autograder/submission and writes a results.json with Gradescope's fields")
    func gradescope() throws {
        let zip = try Self.kit.get() + "/gradescope/autograder.zip"
        let root = CLI.temporary("autograder-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root + "/source", withIntermediateDirectories: true)
        try FileManager.default.unzipItem(at: URL(fileURLWithPath: zip), to: URL(fileURLWithPath: root + "/source"))
        let unpacked = Self.files(root + "/source")
        for needed in [
            "setup.sh", "run_autograder", "autograder/secret", "autograder/variance-recursion/reference.swift",
            "grader/Package.swift", "grader/Sources/grader/Grader.swift", "grader/Sources/grader-launch/main.c",
        ] {
            #expect(unpacked.contains(needed), "the zip has no \(needed)")
        }
        // Only what grading needs: no tests (they hold the bundled assignments' answers), and a manifest that
        // declares no test targets without them.
        #expect(!unpacked.contains { $0.hasPrefix("grader/Tests/") }, "the zip ships the grader's tests")
        let manifest = try Self.dumpPackage(root + "/source/grader")
        #expect(
            manifest.contains("\"grader-launch\"") && !manifest.contains("GraderCLITests"), "\(manifest.prefix(300))")
        let secretMode =
            try FileManager.default.attributesOfItem(atPath: root + "/source/autograder/secret")[.posixPermissions]
            as? Int
        #expect(secretMode == 0o600, "the secret unpacks readable by others: \(String(secretMode ?? 0, radix: 8))")
        #expect(FileManager.default.isExecutableFile(atPath: root + "/source/run_autograder"))
        #expect(FileManager.default.isExecutableFile(atPath: root + "/source/setup.sh"))
        // A student who uploaded their folder, not its contents.
        try FileManager.default.createDirectory(atPath: root + "/submission", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/alice", toPath: root + "/submission/hw6")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root + "/source/run_autograder"]
        var environment = ProcessInfo.processInfo.environment
        environment["GRADER_AUTOGRADER_ROOT"] = root
        environment["GRADER"] = CLI.binary
        environment["GRADER_CACHE"] = CLI.cache
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let results = try CLI.json(root + "/results/results.json")
        // Gradescope's documented fields: score, output, visibility, and tests with score, max_score, name, status,
        // output and visibility (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
        let score = try #require(results["score"] as? Double)
        #expect(score > 0 && score < 33)
        #expect(results["output"] is String)
        let visibilities: Set<String> = ["hidden", "after_due_date", "after_published", "visible"]
        #expect(visibilities.contains(results["visibility"] as? String ?? ""))
        let tests = try #require(results["tests"] as? [[String: Any]])
        #expect(tests.count == 15)
        for test in tests {
            #expect(
                test["name"] is String && test["score"] is Double && test["max_score"] is Double
                    && test["output"] is String)
            #expect(["passed", "failed"].contains(test["status"] as? String ?? ""))
            #expect(visibilities.contains(test["visibility"] as? String ?? ""))
        }
        #expect(abs(tests.compactMap { $0["score"] as? Double }.reduce(0, +) - score) < 1e-9)
    }

    @Test(
        """
        Gradescope's run_autograder: a submission whose module carries linker options gets neither the secret nor \
        a file written, in every mode
        """,
        arguments: BatchTests.modes.map { $0.filter { $0 != "--allow-unsandboxed" } })
    func gradescopeLinkerAttack(_ mode: [String]) throws {
        if mode.isEmpty {
            try CLI.requireBubblewrap()
        } else if !mode.contains("--no-landlock") {
            try CLI.requireLandlock()
        }
        let zip = try Self.kit.get() + "/gradescope/autograder.zip"
        let root = CLI.temporary("autograder-attack-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root + "/source", withIntermediateDirectories: true)
        try FileManager.default.unzipItem(at: URL(fileURLWithPath: zip), to: URL(fileURLWithPath: root + "/source"))
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/alice", toPath: root + "/submission")
        let secret = root + "/source/autograder/secret"
        let written = ["map", "dependencies", "why", "stats"].map {
            CLI.temporary("gradescope-\($0)-\(UInt32.random(in: 0...UInt32.max))")
        }
        try HostileSnippetTests.linkerAttack(
            reading: [secret, root + "/source/autograder/residual-jacobians/reference.swift"], writing: written
        )
        .write(toFile: root + "/submission/residual-jacobians.swift", atomically: true, encoding: .utf8)
        // GRADER names the grader; a wrapper adds the mode's flags to the command run_autograder gives it.
        let wrapper = root + "/grader-in-mode"
        try "#!/bin/sh\nexec '\(CLI.binary)' \"$@\" \(mode.joined(separator: " "))\n".write(
            toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root + "/source/run_autograder"]
        var environment = ProcessInfo.processInfo.environment
        environment["GRADER_AUTOGRADER_ROOT"] = root
        environment["GRADER"] = wrapper
        environment["GRADER_CACHE"] = CLI.cache
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let results = try String(contentsOfFile: root + "/results/results.json", encoding: .utf8)
        let key = try String(contentsOfFile: secret, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!results.contains(key) && !results.contains("LEAKED"), "the secret reached the results")
        #expect(written.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "the link wrote outside its folder")
        let tests = try #require(try CLI.json(root + "/results/results.json")["tests"] as? [[String: Any]])
        let residual = tests.filter {
            ["residual-jacobians.residualLayerJacobian", "residual-jacobians.residualGradients"].contains(
                $0["name"] as? String ?? "")
        }
        #expect(residual.count == 2 && residual.allSatisfy { $0["score"] as? Double == 0 }, "\(residual)")
    }
}
