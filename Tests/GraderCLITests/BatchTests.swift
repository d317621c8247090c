import Foundation
import GraderCore
import Testing

/// `grader batch` and `grader merge` on small classes built from the bundled submissions.
@Suite("batch", .serialized)
struct BatchTests {
    /// A class: reference, alice and bob, a student whose id needs CSV quoting, and one with an empty folder.
    static func makeClass(_ name: String) throws -> String {
        let root = CLI.temporary("\(name)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for student in ["reference", "alice", "bob"] {
            try FileManager.default.copyItem(
                atPath: CLI.root + "/submissions/hw6/\(student)", toPath: root + "/\(student)")
        }
        try CLI.fullMarksCopy(at: root + "/o\"brien, pat")
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        return root
    }

    static func files(under folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: folder + "/" + path) { result[path] = data }
        }
        return result
    }

    static func resultFiles(_ cache: String) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: cache + "/results")) ?? [])
    }

    /// A reference that fails on one student's numbers (here it traps on exactly that student's widths) costs that
    /// student the parts that need them: a grader-error naming the student, the variant and the cause. Everyone else
    /// is graded, the faulty student's other parts too, and the batch exits 3 naming the part.
    @Test("a reference that fails on one student's variant costs that student's parts only, and the batch says whose")
    func referenceFailsOnOneVariant() throws {
        let problems = try ProblemLoader.load(directory: CLI.root + "/problems/hw6")
        let problem = try #require(problems.problem("variance-recursion"))
        let students = ["ann", "ben", "cat"]
        let faulty = "ben"
        let widths = try #require(try problem.variant(student: faulty, secret: nil)["widths"]).swiftLiteral
        for other in students where other != faulty {
            try #require(try problem.variant(student: other, secret: nil)["widths"]?.swiftLiteral != widths)
        }
        let folder = try CLI.problemsCopy("variant-fault", editing: "variance-recursion") { $0 }
        let reference = folder + "/variance-recursion/reference.swift"
        let text = try String(contentsOfFile: reference, encoding: .utf8)
        try text.replacingOccurrences(
            of: "func outputVariance(widths: [Int]) -> Double {\n",
            with: "func outputVariance(widths: [Int]) -> Double {\n    if widths == \(widths) { fatalError(\"no\") }\n"
        ).write(toFile: reference, atomically: true, encoding: .utf8)
        let root = CLI.temporary("variant-fault-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for student in students where student != faulty {
            try CLI.fullMarksCopy(at: root + "/" + student, problems: folder)
        }
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/reference", toPath: root + "/" + faulty)
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--problems", folder, "--cache", root + "-cache"])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("1 part could not be graded"), "\(run.stderr)")
        #expect(run.stderr.contains("ben: variance-recursion.output-variance"), "\(run.stderr)")
        for student in students {
            let parts = CLI.parts(try CLI.json(out + "/\(student)/results.json"))
            let part = parts["variance-recursion.output-variance"] ?? [:]
            if student == faulty {
                let message = part["message"] as? String ?? ""
                #expect(part["outcome"] as? String == "grader-error", "\(part)")
                #expect(message.contains("student `ben`") && message.contains(widths), "\(message)")
                #expect(message.contains("reference implementation failed"), "\(message)")
                #expect(parts["variance-recursion.outputVariance"]?["status"] as? String == "passed")
            } else {
                for (id, graded) in parts {
                    #expect(graded["status"] as? String == "passed", "\(student) \(id): \(graded["message"] ?? "")")
                }
            }
        }
    }

    /// Constraints that some students' draws never meet (here one value in 1,400, which 1,000 draws miss about half
    /// the time) cost those students the parts that need their numbers; the others are graded, and the batch exits 3.
    @Test(
        "a student whose numbers cannot be drawn gets grader-error on the parts that need them; the others are graded")
    func exhaustedDraws() throws {
        let folder = try CLI.problemsCopy("exhausted-draws", editing: "variance-recursion") {
            $0.replacingOccurrences(
                of: "  widths: {choices: [4, 8, 16, 32, 64, 128], shape: [3], default: [16, 32, 8]}\n",
                with: """
                      widths: {choices: [4, 8, 16, 32, 64, 128], shape: [3], default: [16, 32, 8]}
                      rare: {integer: [1, 1400], default: 1}
                    constraints:
                      - rare == 1

                    """)
        }
        let problem = try #require(try ProblemLoader.load(directory: folder).problem("variance-recursion"))
        let ids = (0..<30).map { "student-\($0)" }
        let drawn = ids.filter { (try? problem.variant(student: $0, secret: nil)) != nil }
        let undrawable = try #require(ids.first { !drawn.contains($0) })
        let healthy = try #require(drawn.first)
        #expect(throws: GraderError.self) { try problem.variant(student: undrawable, secret: nil) }

        let root = CLI.temporary("exhausted-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try CLI.fullMarksCopy(at: root + "/" + healthy, problems: folder)
        try FileManager.default.copyItem(
            atPath: CLI.root + "/submissions/hw6/reference", toPath: root + "/" + undrawable)
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--problems", folder, "--cache", root + "-cache"])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("\(undrawable): variance-recursion.output-variance"), "\(run.stderr)")
        let faulty = CLI.parts(try CLI.json(out + "/\(undrawable)/results.json"))
        let part = faulty["variance-recursion.output-variance"] ?? [:]
        #expect(part["outcome"] as? String == "grader-error", "\(part)")
        #expect((part["message"] as? String ?? "").contains("could not draw the numbers of student `\(undrawable)`"))
        #expect(faulty["variance-recursion.outputVariance"]?["status"] as? String == "passed")
        for (id, graded) in CLI.parts(try CLI.json(out + "/\(healthy)/results.json")) {
            #expect(graded["status"] as? String == "passed", "\(healthy) \(id): \(graded["message"] ?? "")")
        }
    }

    @Test("every student gets reports and a gradebook row; the class gets a summary and an overview page")
    func wholeClass() throws {
        let root = try Self.makeClass("class")
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--gradescope", "--cache", root + "-cache"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("5 students graded"))
        for student in ["reference", "alice", "bob", "o\"brien, pat", "empty"] {
            for file in ["junit.xml", "feedback.md", "results.json", "gradescope/results.json"] {
                #expect(FileManager.default.fileExists(atPath: "\(out)/\(student)/\(file)"), "\(student)/\(file)")
            }
            #expect(try CLI.validate("\(out)/\(student)/junit.xml"))
        }
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        #expect(
            gradebook == """
                student,dropout-equivalence,variance-recursion,residual-jacobians,parameter-counts,\
                double-descent,total\r
                alice,4,5,0.78,1.67,0,11.44\r
                bob,1,0,3,1.38,7,12.38\r
                empty,0,0,0,0,0,0\r
                "o""brien, pat",5,5,11,5,7,33\r
                reference,5,5,11,5,7,33\r

                """)
        let summary = try CLI.json(out + "/summary.json")
        #expect(summary["students"] as? Int == 5 && summary["fullMarks"] as? Int == 2)
        #expect((summary["compileErrors"] as? [String]) == ["bob"])
        let parts = summary["parts"] as? [[String: Any]] ?? []
        let naive = parts.first { $0["part"] as? String == "resnext-naive" }
        #expect((naive?["mistakes"] as? [[String: Any]])?.first?["students"] as? Int == 1)
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Score distribution") && html.contains("o&quot;brien, pat"))
        #expect(html.contains("href=\"o%22brien%2C%20pat/feedback.md\""))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
        let gradescope = try CLI.json(out + "/alice/gradescope/results.json")
        #expect(abs((gradescope["score"] as? Double ?? 0) - 11.44) < 0.01 && gradescope["max_score"] as? Double == 33)
        let tests = gradescope["tests"] as? [[String: Any]] ?? []
        #expect(tests.count == 15)
        #expect(
            tests.allSatisfy {
                ["name", "score", "max_score", "status", "output", "visibility"].allSatisfy($0.keys.contains)
            })
    }

    @Test(
        """
        the same inputs give byte-identical reports, and the shared compile grades as one file at a time does; \
        --timings says where the time went, on stderr only
        """)
    func deterministic() throws {
        let root = try Self.makeClass("same")
        // A crash's message names the file by `#fileID`: the student's own name for it on both paths, never the name
        // a shared call gives its copy of the file.
        try CLI.fullMarksCopy(at: root + "/crasher")
        try "func outputVariance(widths: [Int]) -> Double {\n    fatalError(\"deliberate crash\")\n}\n".write(
            toFile: root + "/crasher/variance-recursion.swift", atomically: true, encoding: .utf8)
        let first = try CLI.grader([
            "batch", root, "--out", root + "-a", "--cache", root + "-cache-a", "--quiet", "--timings",
        ])
        for section in ["phases (wall time):", "child processes (summed over jobs):", "compiler calls", "cache ("] {
            #expect(first.stderr.contains(section), "\(first.stderr)")
        }
        // Every student with code had runs, and every student's shared objects were linked: counts, not guesses.
        // The experiment's training runs (double descent) are filed apart from the other runs, the student's and the
        // reference's.
        for counted in [
            #"student code, sandboxed run +[1-9][0-9]*x"#, #"shared call without -O +[1-9][0-9]*x"#,
            #"student code, experiment run +[1-9][0-9]*x"#, #"reference, experiment run +[1-9][0-9]*x"#,
        ] {
            #expect(first.stderr.range(of: counted, options: .regularExpression) != nil, "\(counted)")
        }
        #expect(!first.stdout.contains("phases"))
        // A shared call that fails on a student's error (bob's) is not taken for a stale plan and run again through
        // the driver: its messages name the files it was given.
        #expect(first.stderr.contains("shared call without -O, failed"), "\(first.stderr)")
        #expect(!first.stderr.contains("swiftc, sandboxed"), "\(first.stderr)")
        let second = try CLI.grader([
            "batch", root, "--out", root + "-b", "--cache", root + "-cache-b", "--quiet", "--compile-one-by-one",
        ])
        #expect(first.status == 0 && second.status == 0)
        let a = Self.files(under: root + "-a")
        let b = Self.files(under: root + "-b")
        #expect(a.count == b.count && a.count > 15)
        for (path, data) in a { #expect(b[path] == data, "\(path) differs") }
        let crash = try String(contentsOfFile: root + "-a/crasher/feedback.md", encoding: .utf8)
        #expect(crash.contains("Submission/variance-recursion.swift:2: Fatal error: deliberate crash"), "\(crash)")
        // The shared path was really used: student binaries linked from shared objects.
        let binaries = (try FileManager.default.contentsOfDirectory(atPath: root + "-cache-a/bin")).filter {
            $0.hasPrefix("batch-")
        }
        #expect(binaries.count >= 3, "\(binaries)")
    }

    @Test("a shared compile never puts one student's code into another student's binary, with -O or without")
    func noLeakBetweenStudents() throws {
        let root = CLI.temporary("leak-\(UInt32.random(in: 0...UInt32.max))")
        var markers: [String] = []
        for index in 0..<3 {
            let marker = "MARKER_\(index)_\(UInt32.random(in: 0...UInt32.max))"
            markers.append(marker)
            let folder = "\(root)/student\(index)"
            try CLI.fullMarksCopy(at: folder)
            let file = folder + "/variance-recursion.swift"
            let source = try String(contentsOfFile: file, encoding: .utf8)
            try (source + "\nlet signature = \"\(marker)\"\nfunc helper() -> String { signature }\n").write(
                toFile: file, atomically: true, encoding: .utf8)
            // The experiment's file is compiled with -O, in calls of its own: its marker must be code that runs, or
            // the optimiser drops it.
            let experiment = folder + "/double-descent.swift"
            let curve = try String(contentsOfFile: experiment, encoding: .utf8)
            let body = "    seed: UInt64\n) -> [Double] {\n"
            #expect(curve.components(separatedBy: body).count == 2)
            try curve.replacingOccurrences(
                of: body, with: body + "    if seed == 1 { print(\"\(marker)_O\") }\n"
            ).write(toFile: experiment, atomically: true, encoding: .utf8)
        }
        let cache = root + "-cache"
        let run = try CLI.grader(["batch", root, "--out", root + "-out", "--cache", cache, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let binaries = try FileManager.default.contentsOfDirectory(atPath: cache + "/bin").filter {
            $0.hasPrefix("batch-")
        }
        #expect(binaries.count == 3)
        for binary in binaries {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(cache)/bin/\(binary)"))
            let found = markers.filter { bytes.range(of: Data($0.utf8)) != nil }
            #expect(found.count == 1, "\(binary) holds \(found)")
            let optimized = markers.filter { bytes.range(of: Data(($0 + "_O").utf8)) != nil }
            #expect(optimized == found, "\(binary) holds \(optimized) from -O calls")
        }
        #expect(
            CLI.parts(try CLI.json(root + "-out/student1/results.json")).values.allSatisfy {
                $0["status"] as? String == "passed"
            })
    }

    @Test("a rerun regrades only what changed: one student's file, or one problem's definition")
    func regradesOnlyChanges() throws {
        let root = try Self.makeClass("resume")
        let cache = root + "-cache"
        let out = root + "-out"
        #expect(try CLI.grader(["batch", root, "--out", out, "--cache", cache, "--quiet"]).status == 0)
        let initial = Self.resultFiles(cache)
        // Reference and o"brien hand in the same Swift files but their own numbers (and answers.yaml); `empty` runs
        // no code: 4 x 5.
        #expect(initial.count == 20)

        // The reports of the first run, by inode: a rerun keeps a report that holds what it would write, writes one
        // that differs, and writes a whole folder that is gone again.
        let reports = { () throws -> [String: UInt64] in
            var found: [String: UInt64] = [:]
            for student in try FileManager.default.contentsOfDirectory(atPath: out) {
                for name in ["junit.xml", "feedback.md", "results.json"] {
                    var info = stat()
                    if stat(out + "/" + student + "/" + name, &info) == 0 {
                        found[student + "/" + name] = UInt64(info.st_ino)
                    }
                }
            }
            return found
        }
        let written = try reports()
        #expect(written.count == 15, "three reports for each of five students")
        // Alice's reports stay linked elsewhere while her folder is gone: a file system that hands out a freed inode
        // number again (ext4, XFS) would otherwise give her new reports the old numbers.
        let kept = root + "-kept"
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        for name in ["junit.xml", "feedback.md", "results.json"] {
            try FileManager.default.linkItem(atPath: out + "/alice/" + name, toPath: kept + "/" + name)
        }
        try FileManager.default.removeItem(atPath: out + "/alice")
        try "tampered".write(toFile: out + "/empty/feedback.md", atomically: false, encoding: .utf8)
        #expect(try CLI.grader(["batch", root, "--out", out, "--cache", cache, "--quiet"]).status == 0)
        #expect(Self.resultFiles(cache) == initial, "an unchanged rerun graded something again")
        let rewritten = try reports()
        #expect(Set(rewritten.keys) == Set(written.keys))
        #expect(
            Set(rewritten.filter { written[$0.key] != $0.value }.keys)
                == ["alice/junit.xml", "alice/feedback.md", "alice/results.json", "empty/feedback.md"])
        #expect(try String(contentsOfFile: out + "/empty/feedback.md", encoding: .utf8) != "tampered")

        let file = root + "/alice/variance-recursion.swift"
        try (try String(contentsOfFile: file, encoding: .utf8) + "\n// edited\n").write(
            toFile: file, atomically: true, encoding: .utf8)
        #expect(try CLI.grader(["batch", root, "--out", out, "--cache", cache, "--quiet"]).status == 0)
        let afterEdit = Self.resultFiles(cache)
        #expect(afterEdit.subtracting(initial).count == 1)

        let problems = try CLI.problemsCopy("", at: root + "-problems", editing: "parameter-counts") {
            $0.replacingOccurrences(of: "Every convolution has a bias;", with: "Each convolution has a bias;")
        }
        #expect(
            try CLI.grader(["batch", root, "--out", out, "--cache", cache, "--problems", problems, "--quiet"]).status
                == 0)
        #expect(
            Self.resultFiles(cache).subtracting(afterEdit).count == 4,
            "only parameter-counts, for the four students who run code")
        #expect(
            try String(contentsOfFile: out + "/alice/feedback.md", encoding: .utf8).contains(
                "Each convolution has a bias;"))

        // Another build of the grader (here a copy, written now as a rebuild would be) may grade differently under
        // the same version number: it regrades everything, and a score it moves is put down to the grader.
        let graded = Self.resultFiles(cache)
        let inputs = { (path: String) throws -> [String: String]? in
            let problems = try CLI.json(path)["problems"] as? [[String: Any]]
            return problems?.first?["inputs"] as? [String: String]
        }
        let before = try inputs(out + "/alice/results.json")
        let other = try CLI.reachableBinary(in: root + "-build")
        #expect(
            try CLI.grader(
                ["batch", root, "--out", out, "--cache", cache, "--problems", problems, "--quiet"], executable: other
            ).status == 0)
        #expect(Self.resultFiles(cache).subtracting(graded).count == 20, "every problem of the four who run code")
        let after = try inputs(out + "/alice/results.json")
        #expect(before?["grader"] != nil && before?["grader"] != after?["grader"])
        #expect(before?["submission"] != nil && before?["submission"] == after?["submission"])
    }

    @Test("an interrupted batch resumes: the rerun grades only what the first run did not finish")
    func resumesAfterInterruption() throws {
        let root = try Self.makeClass("interrupted")
        // Graded last (ids sort by bytes) and slow: it sleeps until the wall-clock limit.
        try CLI.fullMarksCopy(at: root + "/zz-sleeper")
        try "import Glibc\nfunc outputVariance(widths: [Int]) -> Double { while true { sleep(100) } }\n"
            .write(toFile: root + "/zz-sleeper/variance-recursion.swift", atomically: true, encoding: .utf8)
        for problem in ["dropout-equivalence", "residual-jacobians", "parameter-counts", "double-descent"] {
            // Its own files, not the reference's: otherwise their grades would already be cached.
            let file = "\(root)/zz-sleeper/\(problem).swift"
            try (try String(contentsOfFile: file, encoding: .utf8) + "\n// zz\n").write(
                toFile: file, atomically: true, encoding: .utf8)
        }
        let cache = root + "-cache"
        let out = root + "-out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["batch", root, "--out", out, "--cache", cache, "--quiet", "--timeout", "4", "--jobs", "1"]
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.root)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        // Students go one at a time, and a student's problems are graded (and cached) once all their public runs
        // and then all their hidden runs are done: when the four classmates' 4 x 5 grades are cached, the sleeper's
        // public runs are under way, the sleeping one for its 4 s.
        while Self.resultFiles(cache).count < 20 && Date() < deadline && process.isRunning { usleep(50_000) }
        usleep(1_500_000)
        #expect(process.isRunning, "the batch finished before it could be interrupted")
        // SIGKILL, the hardest interruption (the test runner may ignore SIGINT and SIGTERM, which its children
        // inherit).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = Self.resultFiles(cache)
        #expect(before.count == 20, "\(before.count) grades cached when interrupted")
        #expect(!FileManager.default.fileExists(atPath: out + "/gradebook.csv"))

        let rerun = try CLI.grader(["batch", root, "--out", out, "--cache", cache, "--quiet", "--timeout", "4"])
        #expect(rerun.status == 0)
        // The sleeper's five unfinished problems are graded; four are kept: the one that ran out of wall-clock time
        // is not (a busy machine's timeout must not stick).
        #expect(
            Self.resultFiles(cache).subtracting(before).count == 4,
            "only the sleeper's five unfinished problems are graded, the timed-out one not kept")
        #expect(
            try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8).contains("zz-sleeper,5,2,11,5,7,30"))
    }

    @Test("the class summary reads typed outcomes: a crash whose message says \"timed out after\" is not a timeout")
    func typedOutcomes() throws {
        let root = try Self.makeClass("outcomes")
        for (student, body) in [
            ("liar", "fatalError(\"timed out after 10 s (wall-clock limit)\")"),
            ("sleeper", "while true { sleep(100) }"),
        ] {
            try CLI.fullMarksCopy(at: root + "/" + student)
            try "import Glibc\nfunc outputVariance(widths: [Int]) -> Double { \(body) }\n"
                .write(toFile: "\(root)/\(student)/variance-recursion.swift", atomically: true, encoding: .utf8)
        }
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--cache", root + "-cache", "--quiet", "--timeout", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try CLI.json(out + "/summary.json")
        #expect(summary["timedOut"] as? [String] == ["sleeper"], "\(summary["timedOut"] ?? "")")
        #expect(summary["compileErrors"] as? [String] == ["bob"])
        let liar = CLI.parts(try CLI.json(out + "/liar/results.json"))["variance-recursion.outputVariance"]
        #expect(liar?["outcome"] as? String == "crash" && liar?["kind"] as? String == "snippet")
        let sleeper = CLI.parts(try CLI.json(out + "/sleeper/results.json"))["variance-recursion.outputVariance"]
        #expect(sleeper?["outcome"] as? String == "timeout")
        let bob = CLI.parts(try CLI.json(out + "/bob/results.json"))
        #expect(bob["dropout-equivalence.invertedDropout"]?["outcome"] as? String == "compile-error")
        #expect(bob["variance-recursion.output-variance"]?["outcome"] as? String == "wrong")
    }

    @Test("without namespaces batch refuses final grading, unless allowed, and then every report says so")
    func unsandboxed() throws {
        let root = try Self.makeClass("unsandboxed")
        let out = root + "-out"
        let cache = root + "-cache"
        let refused = try CLI.grader(["batch", root, "--out", out, "--cache", cache, "--quiet", "--no-namespaces"])
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains("--allow-unsandboxed") && refused.stderr.contains("apt-get install bubblewrap"),
            "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/gradebook.csv"))

        let allowed = try CLI.grader([
            "batch", root, "--out", out, "--cache", cache, "--quiet", "--no-namespaces", "--allow-unsandboxed",
        ])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let summary = try CLI.json(out + "/summary.json")
        #expect(
            (summary["unsandboxed"] as? String)?.contains("not for final grades") == true,
            "\(summary["unsandboxed"] ?? "none")")
        #expect(try String(contentsOfFile: out + "/index.html", encoding: .utf8).contains("not for final grades"))
        for student in ["reference", "alice"] {
            let report = try CLI.json("\(out)/\(student)/results.json")
            #expect((report["sandbox"] as? [String: Any])?["mode"] as? String == "rlimits-only")
            #expect(
                try String(contentsOfFile: "\(out)/\(student)/feedback.md", encoding: .utf8).contains(
                    "not for final grades"))
            #expect(
                try String(contentsOfFile: "\(out)/\(student)/junit.xml", encoding: .utf8).contains(
                    "not for final grades"))
        }
    }

    /// Files a student could hand in to change how classmates' files type-check or link in a shared compile call:
    /// the code put before the student's own file, and whether that file spells `Swift.Double` itself so that it
    /// still compiles next to its own `typealias Double = Float`. The regex literals hide the braces' true nesting
    /// from a hand-written lexer (`#/\}func/#` even ends like a declaration).
    static let sabotages: [(name: String, file: String, code: String, qualified: Bool)] = [
        (
            "a typealias Double = Float hidden between regex literals", "residual-jacobians.swift",
            "fileprivate let opening = #/\\{/#\ntypealias Double = Float\nfileprivate let closing = #/\\}func/#\n", true
        ),
        (
            "a max that shadows the standard library's, hidden between regex literals", "residual-jacobians.swift",
            """
            fileprivate let opening = #/\\{/#\nfunc max(_ a: Double, _ b: Double) -> Double { a + b \
            }\nfileprivate let closing = #/\\}func/#\n
            """,
            false
        ),
        (
            "an extension of Double that redefines +", "variance-recursion.swift",
            "extension Double {\n    static func + (left: Double, right: Double) -> Double { left * right }\n}\n", false
        ),
        (
            "@c, @section and @used declarations", "variance-recursion.swift",
            """
            @c func graderSabotage(_ n: Int) -> Int { n }\n@used @section(\".init_array\") let early: \
            @convention(c) () -> Void = { }\n
            """,
            false
        ),
        (
            "a global symbol with the name of a libc function", "variance-recursion.swift",
            "@c(pow) func fakePow(_ a: Double, _ b: Double) -> Double { 0 }\n", false
        ),
        // Swift ends a line comment at a carriage return: the declaration after it is code, which a scanner that
        // ends comments at \n alone would leave internal, and @_transparent inlines into classmates' objects.
        (
            "a transparent max hidden after a carriage return in a comment", "parameter-counts.swift",
            """
            // helper\r@_transparent func max(_ a: Double, _ b: Double) -> Double { return a < b ? b + 0.5 : a + \
            0.5 }\n
            """,
            false
        ),
        // Swift skips comments inside an interpolation: a scanner that does not ends the interpolation at the `)`
        // in the comment, then the string at its `"""`, and reads the raw string `#"""` on to the `"""#` in the last
        // comment, past a declaration it then leaves internal (and transparent: inlined, it leaves classmates'
        // objects no symbol of the saboteur's to fail their links).
        (
            "a transparent max hidden by a comment inside an interpolation", "residual-jacobians.swift",
            """
            fileprivate let text = \"\"\"
            \\(0 /* ) \"\"\" #\"\"\" */)
            \"\"\"
            @_transparent func max(_ a: Double, _ b: Double) -> Double { return a < b ? b + 0.5 : a + 0.5 }
            // \"\"\"#\n
            """,
            false
        ),
    ]

    @Test(
        "one student's file cannot change how five classmates' files in the same compiler call type-check or link",
        arguments: Self.sabotages.map(\.name))
    func sabotage(_ name: String) throws {
        let sabotage = try #require(Self.sabotages.first { $0.name == name })
        let root = CLI.temporary("sabotage-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for index in 1...5 {
            let folder = root + "/classmate-\(index)"
            try CLI.fullMarksCopy(at: folder)
            // Each classmate's files differ, so each is its own unit in the shared call.
            for file in ["residual-jacobians.swift", "variance-recursion.swift"] {
                let path = folder + "/" + file
                try (try String(contentsOfFile: path, encoding: .utf8) + "\n// classmate \(index)\n").write(
                    toFile: path, atomically: true, encoding: .utf8)
            }
        }
        let saboteur = root + "/saboteur"
        try CLI.fullMarksCopy(at: saboteur)
        let path = saboteur + "/" + sabotage.file
        var own = try String(contentsOfFile: path, encoding: .utf8)
        if sabotage.qualified { own = own.replacingOccurrences(of: "Double", with: "Swift.Double") }
        try (sabotage.code + own).write(toFile: path, atomically: true, encoding: .utf8)
        let out = root + "-out"
        // One job: every file without -O in one shared call, the saboteur's beside all ten of the classmates'. With
        // more jobs the files are shared out over as many calls (`BatchCompiler.callSize`), and the saboteur would
        // meet only some of them.
        let run = try CLI.grader(["batch", root, "--out", out, "--cache", root + "-cache", "--quiet", "--jobs", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        for index in 1...5 {
            #expect(
                gradebook.contains("classmate-\(index),5,5,11,5,7,33\r\n"),
                "\(name): classmate \(index) lost marks:\n\(gradebook)")
        }
    }

    /// The grading modes of a batch: namespaces, and the fallback with and without Landlock.
    static let modes: [[String]] = [
        [], ["--no-namespaces", "--allow-unsandboxed"], ["--no-namespaces", "--allow-unsandboxed", "--no-landlock"],
    ]

    /// Skips a test of `mode` (one of `modes`) on a machine without what that mode confines with.
    static func requireSandbox(for mode: [String]) throws {
        if mode.isEmpty {
            try CLI.requireBubblewrap()
        } else if !mode.contains("--no-landlock") {
            try CLI.requireLandlock()
        }
    }

    @Test(
        "a student whose module carries linker options reads and writes nothing, in a batch, in every mode",
        arguments: Self.modes)
    func linkerAttack(_ mode: [String]) throws {
        try Self.requireSandbox(for: mode)
        let root = CLI.temporary("linker-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for index in 1...3 { try CLI.fullMarksCopy(at: root + "/classmate-\(index)") }
        try CLI.fullMarksCopy(at: root + "/attacker")
        let written = ["map", "dependencies", "why", "stats"].map {
            CLI.temporary("linker-\($0)-\(UInt32.random(in: 0...UInt32.max))")
        }
        let stolen = [
            root + "/classmate-1/answers.yaml", CLI.root + "/problems/hw6/residual-jacobians/reference.swift",
        ]
        try HostileSnippetTests.linkerAttack(reading: stolen, writing: written)
            .write(toFile: root + "/attacker/residual-jacobians.swift", atomically: true, encoding: .utf8)
        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--cache", root + "-cache", "--quiet"] + mode)
        #expect(run.status == 0, "\(run.stderr)")
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        for index in 1...3 { #expect(gradebook.contains("classmate-\(index),5,5,11,5,7,33\r\n"), "\(gradebook)") }
        // The attacker's module does not link: its residual-jacobians functions (7 points) are lost, nothing else.
        #expect(gradebook.contains("attacker,5,5,4,5,7,26\r\n"), "\(gradebook)")
        #expect(written.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "the link wrote outside its folder")
        let reports = try String(contentsOfFile: out + "/attacker/results.json", encoding: .utf8)
        #expect(!reports.contains("LEAKED"))
    }

    /// A key is its host uid's, not any namespace's, and can outlive its run: the `leftover-key` fixture makes one
    /// anyone may read in the run's session keyring, which a garbage cycle of UNIX sockets then holds. The uid's next
    /// run, a classmate's in a new sandbox, found it in /proc/keys and read the first student's inputs (the fixture
    /// then answers wrongly): on the launcher before its seccomp filter, two of the three lost points, in every mode.
    @Test("a key one student's run leaves in the kernel reaches no classmate, in every mode", arguments: Self.modes)
    func keysReachNoClassmate(_ mode: [String]) throws {
        try Self.requireSandbox(for: mode)
        let root = CLI.temporary("key-class-\(UInt32.random(in: 0...UInt32.max))")
        let source =
            try String(contentsOfFile: CLI.snippet("leftover-key"), encoding: .utf8)
            .replacingOccurrences(of: "@@MARKER@@", with: "\(UInt32.random(in: 0...UInt32.max))") + "\n"
            + (try HostileSnippetTests.referenceHelpers())
        for index in 1...3 {
            try CLI.fullMarksCopy(at: root + "/student-\(index)")
            try source.write(
                toFile: root + "/student-\(index)/residual-jacobians.swift", atomically: true, encoding: .utf8)
        }
        let out = root + "-out"
        // One job at a time: each run's uid is then the one the run before released.
        let run = try CLI.grader(
            ["batch", root, "--out", out, "--cache", root + "-cache", "--quiet", "--jobs", "1"] + mode)
        #expect(run.status == 0, "\(run.stderr)")
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        for index in 1...3 { #expect(gradebook.contains("student-\(index),5,5,11,5,7,33\r\n"), "\(gradebook)") }
        for index in 1...3 {
            let results = try String(contentsOfFile: out + "/student-\(index)/results.json", encoding: .utf8)
            #expect(!results.contains("LEAKED"))
        }
    }

    /// A cache the grader cannot write (its object folder is a file here; a full disk or a read-only folder fail the
    /// same writes) is no student's fault and stops nobody's grading: the parts that need it are grader-errors naming
    /// the cache and the cause, the reports and the gradebook are written, the batch exits 3; once the cache is
    /// fixed, a rerun grades those parts. Before, the first student's reference compile stopped the whole batch
    /// with "the reference implementation failed" and wrote no report.
    @Test("a cache that cannot be written costs the parts that need it, never the batch; a rerun grades them")
    func cacheCannotBeWritten() throws {
        // One problem of hw6 keeps the run short: its answers need the reference's keys, its function the harness.
        let problems = try CLI.problemsCopy("cache-fault-problems", editing: "variance-recursion") { $0 }
        for other in ["dropout-equivalence", "residual-jacobians", "parameter-counts", "double-descent"] {
            try FileManager.default.removeItem(atPath: problems + "/" + other)
        }
        try "title: HW6\nproblems: [variance-recursion]\n".write(
            toFile: problems + "/assignment.yaml", atomically: true, encoding: .utf8)
        let root = CLI.temporary("cache-fault-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for student in ["ann", "ben"] { try CLI.fullMarksCopy(at: root + "/" + student, problems: problems) }
        let cache = root + "-cache"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: cache + "/obj", contents: Data("not a folder".utf8)))
        let out = root + "-out"
        // A cache that is no folder at all is refused before any grading, in words, with the way out.
        let unusable = try CLI.grader(["batch", root, "--out", out, "--cache", cache + "/obj", "--problems", problems])
        #expect(unusable.status == 2, "\(unusable.stdout)\(unusable.stderr)")
        #expect(
            unusable.stderr.contains("error: \(cache)/obj: the grader's cache cannot be used"), "\(unusable.stderr)")
        let arguments = ["batch", root, "--out", out, "--cache", cache, "--problems", problems]
        let broken = try CLI.grader(arguments)
        #expect(broken.status == 3, "\(broken.stdout)\(broken.stderr)")
        #expect(broken.stderr.contains("could not be graded"), "\(broken.stderr)")
        #expect(!broken.stderr.contains("reference implementation failed"), "\(broken.stderr)")
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        for student in ["ann", "ben"] {
            #expect(gradebook.contains("\n\(student),"), "\(gradebook)")
            let parts = CLI.parts(try CLI.json(out + "/\(student)/results.json"))
            let part = parts["variance-recursion.outputVariance"] ?? [:]
            let message = part["message"] as? String ?? ""
            #expect(part["outcome"] as? String == "grader-error", "\(student): \(part)")
            #expect(message.contains("cache") && message.contains(cache + "/obj"), "\(message)")
            #expect(message.contains("not a fault of the submission"), "\(message)")
        }
        try FileManager.default.removeItem(atPath: cache + "/obj")
        let fixed = try CLI.grader(arguments)
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        for student in ["ann", "ben"] {
            for (id, graded) in CLI.parts(try CLI.json(out + "/\(student)/results.json")) {
                #expect(graded["status"] as? String == "passed", "\(student) \(id): \(graded["message"] ?? "")")
            }
        }
    }

    @Test("a formula that trapped the evaluator costs its own part, and the batch grades everyone")
    func formulaTrap() throws {
        let root = CLI.temporary("formula-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for student in ["ada", "trapper"] {
            try FileManager.default.copyItem(
                atPath: CLI.root + "/submissions/calculus-backprop/reference", toPath: root + "/" + student)
        }
        let answers = root + "/trapper/answers.yaml"
        let sheet = try String(contentsOfFile: answers, encoding: .utf8)
        let trapped = sheet.replacingOccurrences(of: "trace-square: \"2*X'\"", with: "trace-square: \"max(I .* I)\"")
        try #require(trapped != sheet)
        try trapped.write(toFile: answers, atomically: true, encoding: .utf8)
        let out = root + "-out"
        let run = try CLI.grader([
            "batch", root, "--out", out, "--cache", root + "-cache", "--quiet", "--problems",
            CLI.root + "/problems/calculus-backprop",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let gradebook = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8)
        #expect(gradebook.contains("\r\nada,") && gradebook.contains("\r\ntrapper,"), "\(gradebook)")
        let parts = CLI.parts(try CLI.json(out + "/trapper/results.json"))
        let part = parts["matrix-derivatives.trace-square"] ?? [:]
        #expect(part["status"] as? String == "failed", "\(part)")
        #expect((part["message"] as? String ?? "").contains("max"), "\(part["message"] ?? "")")
        #expect(
            CLI.parts(try CLI.json(out + "/ada/results.json"))["matrix-derivatives.trace-square"]?["status"] as? String
                == "passed")
    }

    /// A batch compiles the references whose answer keys need code while it reads the students' folders
    /// (`buildReferences`). That early compile must build nothing a class does not need (HW6's double descent has
    /// no answer expression, and its reference is compiled with `-O` for its experiment: a second of CPU an
    /// answers-only class once paid for nothing), and must not hide a reference that does not compile.
    @Test("the references compiled early are only those the answers need, and a broken one still stops the batch")
    func referencesCompiledEarly() throws {
        let problems = try CLI.problemsCopy("early-references", editing: "variance-recursion") { $0 }
        let root = CLI.temporary("early-references-class-\(UInt32.random(in: 0...UInt32.max))")
        let answers = try String(
            contentsOfFile: CLI.root + "/submissions/hw6/reference/answers.yaml", encoding: .utf8)
        for student in ["ann", "ben"] {
            try FileManager.default.createDirectory(atPath: root + "/" + student, withIntermediateDirectories: true)
            try answers.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("student:") }.joined(separator: "\n")
                .write(toFile: root + "/\(student)/answers.yaml", atomically: true, encoding: .utf8)
        }
        // A student with code, for the last run: made while the reference still gives answer keys.
        try CLI.fullMarksCopy(at: root + "-later/cat", problems: problems)
        let cache = root + "-cache"
        let run = try CLI.grader([
            "batch", root, "--out", root + "-out", "--cache", cache, "--problems", problems, "--quiet", "--timings",
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // The three problems whose answers are expressions, each compiled once; nothing with -O.
        let alone = run.stderr.split(separator: "\n").filter { $0.contains("a file alone") }
        #expect(alone.count == 1, "\(alone)")
        #expect(alone.first?.contains("a file alone without -O") == true && alone.first?.contains(" 3x ") == true)
        let reference = problems + "/variance-recursion/reference.swift"
        try (try String(contentsOfFile: reference, encoding: .utf8) + "\nfunc broken( {\n").write(
            toFile: reference, atomically: true, encoding: .utf8)
        let broken = try CLI.grader([
            "batch", root, "--out", root + "-broken", "--cache", cache, "--problems", problems,
        ])
        #expect(broken.status == 2, "\(broken.stdout)\(broken.stderr)")
        #expect(
            broken.stderr.contains("problem `variance-recursion`: the reference implementation failed")
                && broken.stderr.contains("does not compile"), "\(broken.stderr)")
        // With students' code compiling beside the references (in shared calls, started before the reference's
        // failure is known), the broken reference still stops the batch, and nothing is written.
        try FileManager.default.moveItem(atPath: root + "-later/cat", toPath: root + "/cat")
        let withCode = try CLI.grader([
            "batch", root, "--out", root + "-code", "--cache", cache, "--problems", problems,
        ])
        #expect(withCode.status == 2, "\(withCode.stdout)\(withCode.stderr)")
        #expect(withCode.stderr.contains("the reference implementation failed"), "\(withCode.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "-code/gradebook.csv"))
    }

    @Test("shards merged give the gradebook, summary and overview of one run")
    func shardsAndMerge() throws {
        let root = try Self.makeClass("shards")
        let cache = root + "-cache"
        #expect(try CLI.grader(["batch", root, "--out", root + "-whole", "--cache", cache, "--quiet"]).status == 0)
        for shard in 1...3 {
            let run = try CLI.grader([
                "batch", root, "--out", root + "-shard\(shard)", "--cache", cache, "--quiet", "--shard", "\(shard)/3",
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let shardStudents = (1...3).map { shard in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "-shard\(shard)")) ?? []).filter {
                !$0.contains(".")
            }.count
        }
        #expect(shardStudents.reduce(0, +) == 5, "\(shardStudents)")
        let merge = try CLI.grader([
            "merge", root + "-shard1", root + "-shard2", root + "-shard3", "--out", root + "-merged",
        ])
        #expect(merge.status == 0, "\(merge.stderr)")
        for file in ["gradebook.csv", "summary.json", "index.html", "bob/results.json", "o\"brien, pat/feedback.md"] {
            #expect(
                FileManager.default.contents(atPath: root + "-merged/" + file)
                    == FileManager.default.contents(atPath: root + "-whole/" + file), "\(file)")
        }
        let twice = try CLI.grader(["merge", root + "-shard1", root + "-shard1", "--out", root + "-bad"])
        #expect(twice.status == 2 && twice.stderr.contains("is in both"))
        #expect(try CLI.grader(["batch", root, "--out", root + "-x", "--shard", "4/3"]).status == 2)
    }
}
