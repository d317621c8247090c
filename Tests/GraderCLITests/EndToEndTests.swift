import Foundation
import Testing

/// Runs the built `grader` binary on the bundled submissions and checks scores, exit codes and reports.
@Suite("grader end to end", .serialized)
struct EndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let schema = root + "/../shared/schemas/junit-10.xsd"

    /// The `grader` executable built next to this test bundle.
    static var binary: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("grader").path
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func grader(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var env = ProcessInfo.processInfo.environment
        env["GRADER_CACHE"] = NSTemporaryDirectory() + "grader-tests-cache"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporary(_ name: String) -> String {
        let folder = NSTemporaryDirectory() + "grader-e2e-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/" + name
    }

    static func validate(_ junit: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        process.arguments = ["--noout", "--schema", schema, junit]
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Grades `submission` and returns the parsed JSON results plus the run itself; checks the JUnit against the schema.
    static func grade(_ submission: String, extra: [String] = []) throws -> (json: [String: Any], run: Run, feedback: String) {
        let junit = temporary("\(submission).xml"), json = temporary("\(submission).json"), feedback = temporary("\(submission).md")
        let run = try grader(["grade", "submissions/\(submission)", "--junit", junit, "--json", json, "--feedback", feedback] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try validate(junit), "JUnit for \(submission) does not validate")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (object, run, try String(contentsOfFile: feedback, encoding: .utf8))
    }

    static func parts(_ json: [String: Any]) -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for problem in json["problems"] as! [[String: Any]] {
            for part in problem["parts"] as! [[String: Any]] {
                result["\(problem["id"]!).\(part["id"]!)"] = part
            }
        }
        return result
    }

    @Test("the reference submission gets full marks")
    func reference() throws {
        let (json, run, _) = try Self.grade("reference")
        #expect(json["score"] as? Double == 26 && json["maxScore"] as? Double == 26)
        #expect(run.stdout.contains("total: 26/26"))
        #expect(Self.parts(json).values.allSatisfy { $0["status"] as? String == "passed" })
    }

    @Test("alice loses exactly the parts she got wrong, with targeted feedback")
    func alice() throws {
        let (json, _, feedback) = try Self.grade("alice")
        let parts = Self.parts(json)
        let expected: [String: (String, Double)] = [
            "dropout-equivalence.commuting-activations": ("partial", 3.0 * 6 / 7),
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
        #expect(feedback.contains("First failing input"))
    }

    @Test("bob's compile error costs only its problem's snippets; type slips and wrong signatures are explained")
    func bob() throws {
        let (json, _, feedback) = try Self.grade("bob")
        let parts = Self.parts(json)
        let dropout = parts["dropout-equivalence.invertedDropout"]!
        #expect(dropout["status"] as? String == "error")
        #expect((dropout["details"] as? [String])?.first?.contains("dropout-equivalence.swift:4:") == true)
        #expect(!(dropout["details"] as? [String] ?? []).joined().contains("main.swift"))
        #expect(parts["residual-jacobians.residualLayerJacobian"]?["status"] as? String == "passed")
        let gradients = parts["residual-jacobians.residualGradients"]!
        #expect(gradients["message"] as? String == "`residualGradients` does not match the expected signature")
        #expect((parts["variance-recursion.output-variance"]?["mistake"] as? String)?.contains("without the bias") == true)
        #expect((parts["variance-recursion.outputVariance"]?["mistake"] as? String)?.contains("bias") == true)
        #expect((parts["residual-jacobians.gradient-b1"]?["message"] as? String)?.contains("wrong shape") == true)
        #expect((parts["residual-jacobians.gradient-A2"]?["message"] as? String)?.contains("list of rows") == true)
        #expect((parts["parameter-counts.mlp"]?["message"] as? String)?.contains("finite") == true)
        #expect(parts["parameter-counts.resnext-naive"]?["status"] as? String == "passed")
        #expect((parts["parameter-counts.conv2dParameterCount"]?["mistake"] as? String)?.contains("groups") == true)
        #expect(feedback.contains("cannot find 'scal' in scope"))
    }

    @Test("a freshly initialised folder compiles and fails every part, and init keeps existing files")
    func initScaffold() throws {
        let folder = Self.temporary("fresh-\(UInt32.random(in: 0...UInt32.max))")
        let created = try Self.grader(["init", folder])
        #expect(created.status == 0 && created.stdout.contains("answers.yaml"))
        let again = try Self.grader(["init", folder])
        #expect(again.stdout.contains("kept"))
        let json = Self.temporary("fresh.json")
        let run = try Self.grader(["grade", folder, "--json", json])
        #expect(run.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        #expect(object["score"] as? Double == 0)
        for (id, part) in Self.parts(object) {
            let status = part["status"] as? String
            #expect(status == "missing" || status == "error", "\(id): \(status ?? "")")
            if part["kind"] as? String == "snippet" {
                #expect((part["message"] as? String)?.contains("TODO: implement") == true, "\(id)")
            }
        }
    }

    @Test("student output with NUL, ESC, ]]> and invalid UTF-8 before a crash still gives valid JUnit")
    func hostileOutput() throws {
        let folder = Self.temporary("noisy")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = """
            func outputVariance(widths: [Int]) -> Double {
                print("\\u{0}\\u{1B}[31m]]><![CDATA[ [[ATTACHMENT|/etc/passwd]] \\u{7}")
                let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x41]
                print(String(decoding: bytes, as: UTF8.self))
                fatalError("boom ]]> <tag>")
            }
            """
        try source.write(toFile: folder + "/variance-recursion.swift", atomically: true, encoding: .utf8)
        let junit = Self.temporary("noisy.xml")
        let run = try Self.grader(["grade", folder, "--junit", junit, "--only", "variance-recursion.outputVariance"])
        #expect(run.status == 0)
        #expect(try Self.validate(junit))
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<skipped"))
        #expect(xml.contains("crashed"))
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" })
    }

    @Test("usage and definition errors exit 2 with a message naming the file")
    func errors() throws {
        let missing = try Self.grader(["grade", "submissions/reference", "--problems", "/nonexistent"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent"))
        let folder = Self.temporary("broken-problems/p1")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "title: T\nparts:\n  - id: a\n    kind: real\n    points: 1\n    answer: 1.0\n    tollerance: 3\n".write(toFile: folder + "/problem.yaml", atomically: true, encoding: .utf8)
        let broken = try Self.grader(["list", "--problems", (folder as NSString).deletingLastPathComponent])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("problem.yaml:7: unknown key `tollerance`"), "\(broken.stderr)")
        let badOnly = try Self.grader(["grade", "submissions/reference", "--only", "nope"])
        #expect(badOnly.status == 2)
    }

    @Test("grading without namespaces says so and still grades correctly")
    func fallback() throws {
        let (json, run, _) = try Self.grade("reference", extra: ["--no-namespaces"])
        #expect(json["score"] as? Double == 26)
        #expect((json["sandbox"] as? [String: Any])?["mode"] as? String == "rlimits-only")
        #expect(run.stdout.contains("no namespace sandbox"))
    }
}
