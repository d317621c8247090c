import Foundation
import GraderCore
import Testing

/// `grader check` as CI runs it: exit codes, GitHub annotations and job summary, JUnit read by a real consumer,
/// and the ready-to-copy CI examples.
@Suite("CI check")
struct CheckTests {
    @Test("exit 0 at full marks, 1 short of them or below --min-score, 2 for usage errors")
    func exitCodes() throws {
        let passed = try CLI.grader(["check", "submissions/hw6/reference"])
        #expect(passed.status == 0)
        #expect(passed.stdout.hasSuffix("check passed: every part at full marks (33/33)\n"))
        let failed = try CLI.grader(["check", "submissions/hw6/bob", "--quiet"])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("check failed: 10 parts short of full marks (12.38/33)"))
        #expect(!failed.stdout.contains("::error"), "annotations outside GitHub Actions")
        #expect(try CLI.grader(["check", "submissions/hw6/alice", "--min-score", "10.8", "--quiet"]).status == 0)
        let below = try CLI.grader(["check", "submissions/hw6/alice", "--min-score", "20", "--quiet"])
        #expect(below.status == 1 && below.stdout.contains("below the minimum of 20"))
        #expect(try CLI.grader(["check", "submissions/hw6/alice", "--min-score", "-1"]).status == 2)
        #expect(try CLI.grader(["check", "submissions/hw6/alice", "--problems", "/nonexistent"]).status == 2)
    }

    @Test("check reads back a grade whose inputs did not change, and decides on it; --no-result-cache grades again")
    func resultCache() throws {
        let cache = CLI.temporary("check-result-cache-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let arguments = [
            "check", "submissions/hw6/reference", "--problems", "problems/hw6", "--only", "variance-recursion",
            "--min-score", "5", "--quiet", "--cache", cache,
        ]
        let first = try CLI.grader(arguments)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        // The kept grade of outputVariance, edited to no points: the cache is the grader's own (private to its
        // user), and what it holds is what the next check decides on.
        let results = cache + "/results"
        let stored = try FileManager.default.contentsOfDirectory(atPath: results).map { results + "/" + $0 }.filter {
            ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains("all 12 public")
        }
        try #require(stored.count == 1, "\(stored)")
        let text = try String(contentsOfFile: stored[0], encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"score\":3,", with: "\"score\":0,")
            .replacingOccurrences(of: "\"score\":5,\"title\"", with: "\"score\":2,\"title\"")
        #expect(edited != text)
        try edited.write(toFile: stored[0], atomically: true, encoding: .utf8)
        let second = try CLI.grader(arguments)
        #expect(second.status == 1, "read back: \(second.stdout)")
        #expect(second.stdout.contains("below the minimum of 5"), "\(second.stdout)")
        // Graded again, the function passes; and the grade it gave replaces the edited one.
        let fresh = try CLI.grader(arguments + ["--no-result-cache"])
        #expect(fresh.status == 0, "\(fresh.stdout)\(fresh.stderr)")
        #expect(try CLI.grader(arguments).status == 0)
    }

    @Test("on GitHub Actions: annotations at the student's file and line, and the feedback in the job summary")
    func githubActions() throws {
        let summary = CLI.temporary("step-summary-\(UInt32.random(in: 0...UInt32.max)).md")
        try "# earlier step\n".write(toFile: summary, atomically: true, encoding: .utf8)
        let run = try CLI.grader(
            ["check", "submissions/hw6/bob", "--quiet"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(run.status == 1)
        let annotations = run.stdout.split(separator: "\n").filter { $0.hasPrefix("::error ") }
        #expect(annotations.count == 10)
        // The compile error, at its line; a wrong answer, at its key in answers.yaml; a failing function, at its
        // declaration.
        #expect(
            annotations.contains {
                $0.hasPrefix(
                    """
                    ::error \
                    file=submissions/hw6/bob/dropout-equivalence.swift,line=4,\
                    title=dropout-equivalence.invertedDropout 0/2::compile error
                    """
                )
            })
        #expect(
            annotations.contains {
                $0.hasPrefix(
                    """
                    ::error file=submissions/hw6/bob/answers.yaml,line=9,title=variance-recursion.output-variance \
                    0/2::
                    """
                )
            })
        #expect(
            annotations.contains {
                $0.hasPrefix(
                    """
                    ::error \
                    file=submissions/hw6/bob/variance-recursion.swift,line=4,title=variance-recursion.outputVariance \
                    0/3::
                    """
                )
            })
        #expect(annotations.allSatisfy { !$0.dropFirst(2).contains("\n") && $0.contains("::") })
        let written = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(written.hasPrefix("# earlier step\n# HW6 feedback: submissions/hw6/bob"))
        #expect(written.contains("**check failed: 10 parts short of full marks"))
    }

    @Test(
        "junitparser reads the JUnit report with the counts the grader reports",
        arguments: ["reference", "alice", "bob"])
    func junitparser(_ submission: String) throws {
        try CLI.requireTool(
            "python3", install: "sudo apt-get install python3 python3-pip", for: "the junitparser check")
        let junit = CLI.temporary("junitparser-\(submission).xml")
        let json = CLI.temporary("junitparser-\(submission).json")
        _ = try CLI.grader(["check", "submissions/hw6/\(submission)", "--junit", junit, "--json", json, "--quiet"])
        let script = """
            import json, sys
            from junitparser import JUnitXml, Failure, Error, Skipped
            xml = JUnitXml.fromfile(sys.argv[1])
            cases = {}
            for suite in xml:
                for case in suite:
                    kinds = [type(r).__name__.lower() for r in case.result]
                    cases[case.classname + "." + case.name] = kinds[0] if kinds else "passed"
            print(json.dumps({"tests": xml.tests, "failures": xml.failures, "errors": xml.errors, "cases": cases}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, junit]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            """
            python3 with junitparser failed; install junitparser with `python3 -m pip install junitparser` \
            (scripts/test.sh does this): \(errors)
            """
        )
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let parts = CLI.parts(try CLI.json(json))
        let statuses = parts.values.compactMap { $0["status"] as? String }
        #expect(parsed["tests"] as? Int == parts.count)
        #expect(parsed["failures"] as? Int == statuses.filter { ["failed", "partial", "missing"].contains($0) }.count)
        #expect(parsed["errors"] as? Int == statuses.filter { $0 == "error" }.count)
        let cases = parsed["cases"] as? [String: String] ?? [:]
        for (id, part) in parts {
            let status = part["status"] as? String ?? ""
            let kind =
                [
                    "failed": "failure", "partial": "failure", "missing": "failure", "error": "error",
                    "skipped": "skipped",
                ][status] ?? "passed"
            #expect(cases[id] == kind, "\(id): grader \(status), junitparser \(cases[id] ?? "none")")
        }
    }

    /// The tokens of the `grader check` command in a CI script, from `check` on.
    static func checkCommand(in script: String) -> [String]? {
        let tokens = script.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard let index = tokens.firstIndex(where: { $0.hasSuffix("grader") || $0.hasSuffix("/grader") }),
            tokens.count > index + 1,
            tokens[index + 1] == "check"
        else { return nil }
        return Array(tokens[(index + 1)...])
    }

    /// Checks that every option in `command` exists in `grader check --help`, and returns the value of `--junit`.
    static func verify(_ command: [String]) throws -> String? {
        let help = try CLI.grader(["check", "--help"])
        #expect(help.status == 0)
        for option in command where option.hasPrefix("--") {
            #expect(help.stdout.contains(option), "`grader check` has no option \(option)")
        }
        return command.firstIndex(of: "--junit").map { command[$0 + 1] }
    }

    static func mapping(_ tree: YAMLTree?, _ key: String) -> YAMLTree? {
        guard case .mapping(let entries, _)? = tree else { return nil }
        return entries.first { $0.key == key }?.value
    }

    static func text(_ tree: YAMLTree?) -> String? {
        if case .scalar(let text, _, _)? = tree { return text }
        return nil
    }

    @Test("the GitHub Actions example runs the real check and publishes its JUnit report")
    func githubExample() throws {
        let path = CLI.root + "/examples/ci/github-actions.yml"
        let tree = try YAMLReader.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
        let job = Self.mapping(Self.mapping(tree, "jobs"), "grade")
        guard case .sequence(let steps, _)? = Self.mapping(job, "steps") else {
            Issue.record("no jobs.grade.steps")
            return
        }
        let command = try #require(
            steps.lazy.compactMap { Self.text(Self.mapping($0, "run")).flatMap(Self.checkCommand) }.first)
        let junit = try #require(try Self.verify(command))
        let publish = try #require(steps.first { Self.text(Self.mapping($0, "uses"))?.contains("junit") == true })
        #expect(Self.text(Self.mapping(Self.mapping(publish, "with"), "report_paths")) == junit)
        #expect(Self.text(Self.mapping(publish, "if")) == "always()")
        #expect(command.contains("--require-sandbox"))
    }

    @Test("the GitLab CI example runs the real check and hands its JUnit report to GitLab")
    func gitlabExample() throws {
        let path = CLI.root + "/examples/ci/gitlab-ci.yml"
        let tree = try YAMLReader.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
        let job = Self.mapping(tree, "grade")
        guard case .sequence(let script, _)? = Self.mapping(job, "script") else {
            Issue.record("no grade.script")
            return
        }
        let command = try #require(script.lazy.compactMap { Self.text($0).flatMap(Self.checkCommand) }.first)
        let junit = try #require(try Self.verify(command))
        let artifacts = Self.mapping(job, "artifacts")
        #expect(Self.text(Self.mapping(Self.mapping(artifacts, "reports"), "junit")) == junit)
        #expect(Self.text(Self.mapping(artifacts, "when")) == "always")
    }
}
