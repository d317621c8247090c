import Foundation
import Testing

@testable import GraderCore

/// Faults of the machine, not of a submission: a folder that vanishes mid-run, a disk that fills, files that read
/// empty. Each costs what it touches and is said as the grader's fault, never as the student's.
@Suite("faults of the machine")
struct FaultIsolationTests {
    /// A student's folder deleted after the batch listed it (between the first student's grade and the second's,
    /// here) grades nothing: every part of that student is a grader-error naming the student, instead of answers
    /// and functions "missing" at 0 points; the other student is graded as usual. Before, its function was graded
    /// as missing.
    @Test("a student folder that disappears mid-run is a grader-error naming the student, not missing answers")
    func folderVanishesMidRun() throws {
        let root = NSTemporaryDirectory() + "grader-vanish-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: root + "-out")
            try? FileManager.default.removeItem(atPath: root + "-cache")
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for student in ["a-stays", "b-vanishes"] {
            try FileManager.default.copyItem(
                atPath: TestSupport.packageRoot + "/submissions/hw6/reference", toPath: root + "/" + student)
        }
        var options = GradingOptions()
        options.problemsDirectory = TestSupport.packageRoot + "/problems/hw6"
        options.cacheDirectory = root + "-cache"
        options.only = ["variance-recursion"]
        options.cachesResults = true
        options.jobs = 1
        let session = try GradingSession(options: options)
        defer { session.close() }
        var batch = BatchOptions(root: root, output: root + "-out")
        batch.jobs = 1
        batch.similarityThreshold = nil
        let report = try BatchRunner(session: session, options: batch).run { done, _ in
            if done == 1 { try? FileManager.default.removeItem(atPath: root + "/b-vanishes") }
        }
        let grades = Dictionary(uniqueKeysWithValues: report.students.map { ($0.id, $0.report) })
        let stays = try #require(grades["a-stays"])
        let vanished = try #require(grades["b-vanishes"])
        // Graded as usual: its function passes (its answers are the handout's numbers, not its own variant's).
        #expect(stays.allParts.allSatisfy { $0.outcome != .graderError })
        #expect(stays.allParts.first { $0.id == "outputVariance" }?.status == .passed)
        let graded = vanished.allParts.filter { $0.status != .skipped }
        #expect(!graded.isEmpty)
        for part in graded {
            #expect(part.outcome == .graderError, "\(part.id): \(part.status) \(part.message)")
            #expect(part.message.contains("student `b-vanishes` disappeared"), "\(part.message)")
        }
        #expect(vanished.score == 0)
    }

    /// The compiler's and the linker's own words for a write that failed are the grader's fault; the same words
    /// in a student's `#error` (a located diagnostic) or in a quoted symbol name are not.
    @Test("a full disk in the compiler's output is the grader's fault; the same words from student code are not")
    func writeFaults() throws {
        #expect(
            SnippetBuilder.writeFault(
                "<unknown>:0: error: error closing 'unit.o' for output: No space left on device\n")
                == "<unknown>:0: error: error closing 'unit.o' for output: No space left on device")
        #expect(SnippetBuilder.writeFault("ld: fatal error: snippet: open: Read-only file system") != nil)
        // Clang's module writer, warming the module cache on a full TMPDIR, quotes the system's words.
        let pcm = "<unknown>:0: error: unable to open output file '/tmp/t/modules/SwiftShims-2W.pcm': "
        #expect(SnippetBuilder.writeFault(pcm + "'No space left on device'") == pcm + "'No space left on device'")
        #expect(SnippetBuilder.writeFault("ld: error: undefined symbol: `No space left on device'") == nil)
        // A symbol the code names itself (`@_silgen_name`) is printed as written, words and quotes alike.
        for name in ["x: No space left on device", "x: 'No space left on device'"] {
            #expect(SnippetBuilder.writeFault("ld.lld: error: undefined symbol: \(name)") == nil)
            #expect(SnippetBuilder.writeFault("ld.lld: error: duplicate symbol: \(name)") == nil)
        }
        #expect(SnippetBuilder.writeFault("main.swift:3:8: error: cannot find 'x' in scope") == nil)

        // A write that failed without the system's words (a compiler that exits 0 and leaves no object on a full
        // disk) says how little room is left.
        #expect(FileBytes.lowSpaceNote(free: 2048 << 10) == "; only 2048 KiB are free on its device")
        #expect(FileBytes.lowSpaceNote(free: 64 << 20).isEmpty)
        #expect(FileBytes.lowSpaceNote(NSTemporaryDirectory(), threshold: .max).hasPrefix("; only "))

        let source = "#error(\"No space left on device\")\nfunc f(x: Double) -> Double { x }\n"
        let result = try TestSupport.session.builder.build(
            fileName: "disk.swift", source: Array(source.utf8),
            entries: [.call(try FunctionSignature(parsing: "func f(x: Double) -> Double"))], owner: .student)
        guard case .failed(let diagnostics, _) = result else {
            Issue.record("a file with #error built, or its error was taken for the grader's: \(result)")
            return
        }
        #expect(diagnostics.contains { $0.line == 1 }, "\(diagnostics)")
    }

    /// Foundation's whole-file reads leak 4 KiB at each read of an empty file on Linux (found by `fuzz-problem`:
    /// an empty `problem.yaml`); 30,000 reads of one through the grader's own reader grew the process by about
    /// 120 MB before, and by nothing now.
    @Test("reading empty files leaks nothing (Foundation's zero-size read leaked 4 KiB a read)")
    func emptyFileReadsDoNotLeak() throws {
        let path = NSTemporaryDirectory() + "grader-empty-\(UInt32.random(in: 0...UInt32.max))"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = Self.residentKilobytes()
        var nonEmpty = 0
        for _ in 0..<30_000 where !(try ProblemLoader.readText(path)).isEmpty { nonEmpty += 1 }
        #expect(nonEmpty == 0)
        let grown = Self.residentKilobytes() - before
        #expect(grown < 50_000, "30,000 reads of an empty file grew the process by \(grown) KiB")
    }

    /// The process's resident set, from `/proc/self/status`.
    static func residentKilobytes() -> Int {
        let status = String(decoding: FileBytes.read("/proc/self/status") ?? Data(), as: UTF8.self)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Two folders whose names differ only in their Unicode form are two folders to Linux and one id to Swift's
    /// strings: the batch refuses the class, naming both, instead of letting one student's grade stand for the
    /// other's (or trapping on a table with the id twice).
    @Test("two folders that spell one student id in two Unicode forms stop the batch, naming both")
    func studentSpelledTwice() throws {
        let folder = try TemporaryDirectory(prefix: "unicode-class")
        defer { folder.remove() }
        let root = folder.path
        for name in ["Jos\u{E9}", "Jose\u{301}", "kim"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).count == 3)
        let runner = BatchRunner(session: TestSupport.session, options: BatchOptions(root: root, output: root + "-out"))
        do {
            _ = try runner.students()
            Issue.record("a class with one id spelled twice was listed")
        } catch let error as GraderError {
            let message = "\(error)"
            #expect(message.contains(root))
            #expect(message.contains("`Jos\\u{E9}`") && message.contains("`Jose\\u{301}`"), "\(message)")
        }
        // Sharded, each spelling may fall in a shard of its own, where it alone would be graded: every shard refuses
        // the class as one run does, rather than `grader merge` meeting the id twice later.
        func shard(of id: String, among count: Int) -> Int? {
            (1...count).first { Shard(parsing: "\($0)/\(count)")!.contains(id) }
        }
        let count = try #require(
            (2...32).first { shard(of: "Jos\u{E9}", among: $0) != shard(of: "Jose\u{301}", among: $0) })
        for index in 1...count {
            var options = BatchOptions(root: root, output: root + "-out")
            options.shard = Shard(parsing: "\(index)/\(count)")
            do {
                let listed = try BatchRunner(session: TestSupport.session, options: options).students()
                Issue.record("shard \(index)/\(count) listed \(listed)")
            } catch let error as GraderError {
                let message = "\(error)"
                #expect(message.contains("`Jos\\u{E9}`") && message.contains("`Jose\\u{301}`"), "\(message)")
                #expect(message.contains("every shard refuses"), "\(message)")
            }
        }
        // One spelling alone is one student.
        try FileManager.default.removeItem(atPath: root + "/Jose\u{301}")
        #expect(try runner.students() == ["Jos\u{E9}", "kim"].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
