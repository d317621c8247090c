import Foundation
import Testing

@testable import GraderCore

@Suite("Where the time goes, and work the grader no longer does twice")
struct SpeedTests {
    /// Writes `script` to `path` as an executable: the stand-in drivers and frontends of these tests.
    private static func writeExecutable(_ script: String, to path: String) throws {
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    /// What `lstat` says of `path` (zeroes when it is not there).
    private static func status(_ path: String) -> stat {
        var info = stat()
        _ = lstat(path, &info)
        return info
    }

    /// A shared compiler of the test session's problems, `batchSize` files a call, one call at a time.
    static func sharedCompiler(batchSize: Int) throws -> BatchCompiler {
        let session = TestSupport.session
        var compiler = BatchCompiler(
            builder: session.builder, problems: session.problems, compileSeconds: 120, jobs: 1)
        compiler.batchSize = batchSize
        try FileManager.default.createDirectory(atPath: compiler.objects, withIntermediateDirectories: true)
        return compiler
    }

    /// `count` rounds of `texts` as `problem`'s units, each copy with a comment of its own (this run's, so that no
    /// earlier run's cache holds it): copies of one shape under different keys.
    static func copies(
        _ count: Int, of texts: [(text: String, name: String)], problem: Problem, compiler: BatchCompiler
    ) -> [(key: String, problem: Problem, source: [UInt8])] {
        let run = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        return (1...count).flatMap { copy in
            texts.map { text, name in
                let source = Array("// \(name) copy \(copy), run \(run)\n\(text)".utf8)
                return (compiler.unitKey(problem: problem, source: source), problem, source)
            }
        }
    }

    @Test("the time ledger sums each label's occurrences, in the order first seen, and prints a table")
    func ledger() {
        let ledger = TimeLedger()
        ledger.add("process: b", seconds: 0.25)
        ledger.add("phase: a", seconds: 2)
        ledger.add("process: b", seconds: 0.75)
        let value = ledger.measure("cache: c") { 42 }
        #expect(value == 42)
        #expect(ledger.entries.map(\.label) == ["process: b", "phase: a", "cache: c"])
        #expect(ledger.entries[0].entry == TimeLedger.Entry(count: 2, seconds: 1))
        #expect(ledger.entries[2].entry.count == 1 && ledger.entries[2].entry.seconds >= 0)
        let table = ledger.table(prefix: "process: ")
        #expect(table.count == 1)
        #expect(table[0].hasPrefix("  b "))
        #expect(table[0].contains("2x") && table[0].contains("1.00 s") && table[0].contains("(0.500 s each)"))
        #expect(
            ledger.table(prefix: "phase: ")[0].contains("2.00 s")
                && !ledger.table(prefix: "phase: ")[0].contains("each"))
        ledger.reset()
        #expect(ledger.entries.isEmpty)
    }

    @Test("jobs start in the order given and their results come back by job number")
    func orderedJobs() {
        let started = Locked<[Int]>([])
        let results = parallelMap(order: [3, 0, 2, 1], width: 1) { index in
            started.withLock { $0.append(index) }
            return index * 10
        }
        #expect(started.withLock { $0 } == [3, 0, 2, 1])
        #expect(results == [0, 10, 20, 30])
        #expect(parallelMap(order: [1, 0], width: 2) { $0 + 1 } == [1, 2])
    }

    @Test("one decimal is written byte for byte as C's %.1f writes it, ties and signs included")
    func oneDecimalAsPrintf() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.049999999999999996, 0.25, 0.35, 0.45, 0.75, 1.25, 2.5, 9.95, 9.96,
            99.95, 0.15, 1e15 - 0.5, -1e15 + 0.5, 1e15, 1e300, -1e300, .nan, .infinity, -.infinity,
            .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 4503599627370495.5,
        ]
        // Exact ties (multiples of 1/20 that are dyadic), near-ties a unit in the last place apart, and plain values
        // at every scale a plot uses and beyond.
        for k in -4000...4000 { values.append(Double(k) / 4) }
        for k in 0..<20000 {
            let tie = Double(k) / 20
            values += [tie, tie.nextUp, tie.nextDown, -tie, -tie.nextUp]
        }
        for _ in 0..<100_000 {
            let scale = [1e-3, 1, 1e3, 1e6, 1e12][Int.random(in: 0..<5, using: &generator)]
            values.append(Double.random(in: -scale...scale, using: &generator))
        }
        let mismatches = values.filter { NumberFormatting.oneDecimal($0) != String(format: "%.1f", $0) }
        let shown = mismatches.prefix(5).map { "\($0) -> \(NumberFormatting.oneDecimal($0))" }
        #expect(mismatches.count == 0, "\(mismatches.count) of \(values.count) differ, e.g. \(shown)")
    }

    @Test("the shared -O calls, the longest, are started before the others")
    func optimizedCallsFirst() {
        let units = [(key: "u1", text: ""), (key: "o1", text: ""), (key: "u2", text: ""), (key: "o2", text: "")]
        let groups = BatchCompiler.byOptimization(units)
        #expect(groups.map(\.optimized) == [true, false])
        #expect(groups.map { $0.units.map(\.key) } == [["o1", "o2"], ["u1", "u2"]])
        #expect(BatchCompiler.byOptimization([(key: "u1", text: "")]).map(\.optimized) == [false])
    }

    @Test("the launcher that starts every sandboxed process is static: no dynamic loader, no Swift runtime to load")
    func launcherIsStatic() throws {
        /// The types of an ELF64 file's program headers (`e_phoff` at 0x20, `e_phentsize` at 0x36, `e_phnum` at
        /// 0x38); PT_INTERP (3) names the dynamic loader a dynamically linked program starts in.
        func programHeaderTypes(_ path: String) throws -> [UInt32] {
            let bytes = try #require(WorkFolder.readRegularFile(path, limit: 64 << 20))
            try #require(bytes.count > 0x40 && bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] && bytes[4] == 2)
            func integer(at offset: Int, size: Int) -> Int {
                (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
            }
            let (offset, size, count) = (
                integer(at: 0x20, size: 8), integer(at: 0x36, size: 2), integer(at: 0x38, size: 2)
            )
            return (0..<count).map { UInt32(integer(at: offset + $0 * size, size: 4)) }
        }
        let interpreter: UInt32 = 3
        // The check sees a dynamic program as one: the system's `true`.
        #expect(try programHeaderTypes(try #require(ProcessRunner.which("true"))).contains(interpreter))
        // Loading libswiftCore, which the launcher never calls, was 2.6 ms of every sandboxed process's start.
        #expect(try !programHeaderTypes(try Sandbox.findLauncher()).contains(interpreter))
    }

    @Test("copies of a file that failed a shared call, their comments changed, go alone instead of failing others")
    func knownFailuresGoAlone() throws {
        let session = TestSupport.session
        let problem = try #require(session.problems.problem("dropout-equivalence"))
        let compiler = try Self.sharedCompiler(batchSize: 2)
        let root = TestSupport.packageRoot + "/submissions/hw6/"
        let broken = try String(contentsOfFile: root + "bob/dropout-equivalence.swift", encoding: .utf8)
        let working = try String(contentsOfFile: root + "reference/dropout-equivalence.swift", encoding: .utf8)
        // Eight files, two a call, copies of one shape side by side: the first call with two copies of bob's file
        // (which does not compile) fails, and the two copies left go alone without failing a call of their own.
        let units = Self.copies(
            4, of: [(broken, "broken"), (working, "working")], problem: problem, compiler: compiler)
        #expect(compiler.compile(units) == 1)
        for (index, unit) in units.enumerated() {
            #expect(compiler.exists(unit.key + (index.isMultiple(of: 2) ? ".single" : ".o")))
        }
        #expect(
            BatchCompiler.shape(problem: problem.id, source: units[0].source)
                == BatchCompiler.shape(problem: problem.id, source: units[2].source))
        #expect(
            BatchCompiler.shape(problem: problem.id, source: units[0].source)
                != BatchCompiler.shape(problem: "variance-recursion", source: units[0].source))
    }

    @Test("a plan is read as the shell reads it: quotes of both kinds, escapes, and no comment")
    func planWords() throws {
        #expect(
            LinkCommand.words(#"/bin/f -I '/tmp/a b/x'\''y' -c "q \" \\ \n" z\ w"#) == [
                "/bin/f", "-I", "/tmp/a b/x'y", "-c", #"q " \ \n"#, "z w",
            ])
        #expect(LinkCommand.words("/bin/f -c a.swift # -env X=1") == nil)
        #expect(LinkCommand.words("/bin/f 'a") == nil)
        #expect(LinkCommand.words("/bin/f a#b") == ["/bin/f", "a#b"])
        // The real driver's plan for a module cache in a folder with a space and a quote keeps the path whole.
        let folder = try TemporaryDirectory(prefix: "frontend space")
        defer { folder.remove() }
        let cache = folder.path + "/module cache's"
        let plan = try #require(
            FrontendCommands().command(
                swiftc: try SnippetBuilder.findCompiler(),
                arguments: SnippetBuilder.flags + ["-wmo", "-c", "a.swift", "-o", "a.o", "-module-cache-path", cache]))
        #expect(plan.command.contains(cache))
    }

    @Test("a direct frontend run that fails without a message on its files is run through the driver, which stands")
    func stalePlanFallsBack() throws {
        let folder = try TemporaryDirectory(prefix: "stale-plan")
        defer { folder.remove() }
        let tools = folder.path
        // A driver that plans a frontend which has gone wrong, and compiles fine itself; each logs its runs.
        try Self.writeExecutable(
            """
            #!/bin/sh
            case "$1" in
            --version) echo "fake swift 1";;
            -###) shift; echo "\(tools)/swift-frontend -frontend $*";;
            *) echo driver >> "\(tools)/driven"; : > a.o;;
            esac
            """, to: tools + "/swiftc")
        try Self.writeExecutable(
            """
            #!/bin/sh
            echo frontend >> "\(tools)/started"
            if [ -e "\(tools)/blame" ]; then echo "a.swift:1:1: error: not the plan's fault" >&2
            else echo "<unknown>:0: error: unknown argument: '-frontend'" >&2; fi
            exit 1
            """, to: tools + "/swift-frontend")
        let builder = try SnippetBuilder(
            cacheDirectory: tools + "/cache", compileSeconds: 30, sandbox: TestSupport.session.sandbox,
            swiftc: tools + "/swiftc", toolchainFolder: tools + "/toolchain")
        let work = tools + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        func count(_ name: String) -> Int {
            ((try? String(contentsOfFile: "\(tools)/\(name)", encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let compile = { try builder.runTrustedCompiler(["-wmo", "-c", "a.swift", "-o", "a.o"], in: work, seconds: 30) }
        // A failure that names one of the call's files is the code's: the driver is not asked.
        _ = FileManager.default.createFile(atPath: tools + "/blame", contents: Data())
        #expect(try !compile().succeeded)
        #expect(count("started") == 1 && count("driven") == 0)
        // One that names none is the plan's: the driver runs the call, succeeds, and runs such calls from then on.
        try FileManager.default.removeItem(atPath: tools + "/blame")
        #expect(try compile().succeeded)
        #expect(count("started") == 2 && count("driven") == 1)
        #expect(try compile().succeeded)
        #expect(count("started") == 2 && count("driven") == 2)
    }

    @Test("threads that ask at once for one shape of call ask the driver once for it, and another shape does not wait")
    func planDerivedOnce() throws {
        let folder = try TemporaryDirectory(prefix: "plan-once")
        defer { folder.remove() }
        let tools = folder.path
        // A driver whose plan takes a while, and logs when it starts and ends each time it is asked.
        try Self.writeExecutable(
            """
            #!/bin/sh
            echo "start $*" >> "\(tools)/asked"
            sleep 1
            echo "end $*" >> "\(tools)/asked"
            shift
            echo "\(tools)/swift-frontend -frontend $*"
            """, to: tools + "/swiftc")
        try Self.writeExecutable("#!/bin/sh\nexit 0\n", to: tools + "/swift-frontend")
        let commands = FrontendCommands()
        let calls = (0..<4).map { ["-c", "h\($0).swift", "-o", "harness.o"] } + [["-wmo", "-c", "a.swift", "b.swift"]]
        let plans = parallelMap(count: calls.count, width: calls.count) { index in
            commands.command(swiftc: tools + "/swiftc", arguments: calls[index])?.command
        }
        let log = ((try? String(contentsOfFile: tools + "/asked", encoding: .utf8)) ?? "").split(separator: "\n")
        let asked = log.filter { $0.hasPrefix("start ") }
        #expect(asked.count == 2)
        #expect(asked.filter { $0.contains("harness.o") }.count == 1)
        // The two shapes were asked for side by side: neither waited for the other's plan.
        #expect(log.prefix(2).allSatisfy { $0.hasPrefix("start ") })
        for (index, plan) in plans.prefix(4).enumerated() {
            #expect(plan == [tools + "/swift-frontend", "-frontend", "-c", "h\(index).swift", "-o", "harness.o"])
        }
        #expect(plans[4] == [tools + "/swift-frontend", "-frontend", "-wmo", "-c", "a.swift", "b.swift"])
    }

    @Test("a plan the driver gave is kept in the private cache, read back by the next run, and checked first")
    func planRemembered() throws {
        let folder = try TemporaryDirectory(prefix: "plan-kept")
        defer { folder.remove() }
        let tools = folder.path
        try Self.writeExecutable(
            """
            #!/bin/sh
            echo asked >> "\(tools)/asked"
            shift
            echo "\(tools)/swift-frontend -frontend $*"
            """, to: tools + "/swiftc")
        try Self.writeExecutable("#!/bin/sh\nexit 0\n", to: tools + "/swift-frontend")
        let memos = tools + "/cache"
        try FileManager.default.createDirectory(atPath: memos, withIntermediateDirectories: true)
        // Another program named swift-frontend, elsewhere.
        try FileManager.default.createDirectory(atPath: tools + "/elsewhere", withIntermediateDirectories: true)
        try Self.writeExecutable("#!/bin/sh\nexit 0\n", to: tools + "/elsewhere/swift-frontend")
        func asked() -> Int {
            ((try? String(contentsOfFile: tools + "/asked", encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let call = ["-wmo", "-c", "a.swift", "b.swift"]
        let planned = [tools + "/swift-frontend", "-frontend", "-wmo", "-c", "a.swift", "b.swift"]
        func plan(_ identity: String) -> [String]? {
            FrontendCommands(memoFolder: memos, identity: identity).command(swiftc: tools + "/swiftc", arguments: call)?
                .command
        }
        #expect(plan("toolchain 1") == planned)
        #expect(asked() == 1)
        // A later run with the same toolchain and grader reads the plan back; another one asks for its own.
        #expect(plan("toolchain 1") == planned)
        #expect(asked() == 1)
        #expect(plan("toolchain 2") == planned)
        #expect(asked() == 2)
        // A memo that does not hold such a plan (another program, a frontend not the driver's, a source named twice)
        // is not run: asked anew.
        let key = try #require(FrontendCommand.shape(of: call)).key
        let memo = try #require(FrontendCommands(memoFolder: memos, identity: "toolchain 1").memoPath(for: key))
        let sources = ["__grader_source_0.swift", "__grader_source_1.swift"]
        for forged in [
            ["/bin/sh", "-frontend", "-c"] + sources,
            [tools + "/elsewhere/swift-frontend", "-frontend", "-c"] + sources,
            [tools + "/swift-frontend", "-frontend", "-c", sources[0], sources[0]],
        ] {
            try WorkFolder.writeAtomically(Array(forged.joined(separator: "\n").utf8), to: memo, mode: 0o600)
            let before = asked()
            #expect(plan("toolchain 1") == planned)
            #expect(asked() == before + 1)
        }
        // A plan that turned out wrong goes, memo and all.
        let commands = FrontendCommands(memoFolder: memos, identity: "toolchain 1")
        #expect(commands.command(swiftc: tools + "/swiftc", arguments: call) != nil)
        commands.refuse(call)
        #expect(commands.command(swiftc: tools + "/swiftc", arguments: call) == nil)
        #expect(!FileManager.default.fileExists(atPath: memo))
    }

    @Test("a cached grade is keyed by the student's variant key, not the drawn numbers: never another student's grade")
    func resultKeyByVariantKey() throws {
        let session = TestSupport.session
        var submission = Submission.load(
            folder: TestSupport.packageRoot + "/submissions/hw6/reference", problems: session.problems)
        func key(_ problem: Problem, _ student: String?) -> String {
            submission.student = student
            return session.resultKey(problem: problem, submission: submission)
        }
        let varied = session.problems.problems.filter { !$0.parameters.isEmpty && !$0.snippetParts.isEmpty }
        #expect(!varied.isEmpty)
        for problem in varied {
            // The same files: each student's numbers are their own, so are their grades; the handout's are another's.
            let keys = ["alice", "bob", "carol"].map { key(problem, $0) }
            #expect(Set(keys).count == 3)
            #expect(key(problem, "alice") == keys[0])
            #expect(key(problem, Variants.referenceStudent) != keys[0])
            #expect(
                try problem.variant(student: "alice", secret: session.problems.secret)
                    != problem.variant(student: "bob", secret: session.problems.secret))
        }
        // One name in two Unicode forms is two students, to the cache as to the draw: Swift's string equality would
        // make them one, and grade the second with the first's numbers.
        let composed = "Jos\u{E9}"
        let decomposed = "Jose\u{301}"
        #expect(composed == decomposed)
        for problem in varied {
            #expect(key(problem, composed) != key(problem, decomposed))
            #expect(
                try session.variant(of: problem, student: composed) != session.variant(of: problem, student: decomposed)
            )
            #expect(
                try session.variant(of: problem, student: decomposed)
                    == problem.variant(student: decomposed, secret: session.problems.secret))
        }
        // A problem without numbers of its own: one grade for the same files, whoever hands them in.
        for problem in session.problems.problems where problem.parameters.isEmpty && !problem.snippetParts.isEmpty {
            #expect(key(problem, "alice") == key(problem, "bob"))
        }
    }

    @Test("a graded function declared private goes alone, as `grade` compiles it, and a forged file name blames nobody")
    func privateFunctionsAndForgedBlame() throws {
        #expect(FileprivateRewriter.rewrite("private func f() -> Int { 1 }\n", called: ["f"]) == nil)
        #expect(FileprivateRewriter.rewrite("fileprivate let f = { 1 }\n", called: ["f"]) == nil)
        #expect(FileprivateRewriter.rewrite("private func g() -> Int { 1 }\n", called: ["f"]) != nil)
        #expect(FileprivateRewriter.rewrite("func f() -> Int { 1 }\n", called: ["f"]) != nil)

        // A student's file quotes a classmate's file name as a compiler message would start; only its own error
        // blames it, in the real compiler's output.
        let session = TestSupport.session
        let problem = try #require(session.problems.problem("variance-recursion"))
        let compiler = try Self.sharedCompiler(batchSize: 4)
        let run = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let working = Array("// \(run)\nfunc outputVariance(widths: [Int]) -> Double { 1 }\n".utf8)
        let classmate = compiler.unitKey(problem: problem, source: working)
        let forger = Array(
            """
            // \(run)
            let note = \"""
            \(classmate).swift:2:1: error: forged
            \"""
            func outputVariance(widths: [Int]) -> Double { "not a number" }

            """.utf8)
        let units = [working, forger].map { (compiler.unitKey(problem: problem, source: $0), problem, $0) }
        #expect(compiler.compile(units) == 1)
        let (built, alone) = (compiler.exists(classmate + ".o"), compiler.exists(units[1].0 + ".single"))
        #expect(built && alone)
    }

    @Test("a file whose only errors are one function's signature is built in its shared call without that shim")
    func mismatchedShimLeftOut() throws {
        let session = TestSupport.session
        let problem = try #require(session.problems.problem("residual-jacobians"))
        let compiler = try Self.sharedCompiler(batchSize: 2)
        let root = TestSupport.packageRoot + "/submissions/hw6/reference/"
        let working = try String(contentsOfFile: root + "residual-jacobians.swift", encoding: .utf8)
        // `residualGradients` names its last argument `input`: its shim does not compile, the file does.
        let unlabelled = working.replacingOccurrences(
            of: "x: [Double]) -> (weights:", with: "input x: [Double]) -> (weights:")
        #expect(unlabelled != working)
        let units = Self.copies(
            2, of: [(unlabelled, "unlabelled"), (working, "working")], problem: problem, compiler: compiler)
        // The first call fails and is repeated without the shim; the copy in the second call goes without it at once.
        #expect(compiler.compile(units) == 1)
        for (index, unit) in units.enumerated() {
            let (built, alone) = (compiler.exists(unit.key + ".o"), compiler.exists(unit.key + ".single"))
            #expect(built && !alone)
            #expect(compiler.partlyBuilt(unit.key) == (index.isMultiple(of: 2) ? ["residualLayerJacobian"] : nil))
        }
        let binary = try #require(compiler.build([[problem.id: units[0].source]])[0])
        #expect(binary.problems.isEmpty)
        #expect(binary.partly == [problem.id: ["residualLayerJacobian"]])

        // Graded with it, the student gets exactly what `grade` gives, after one compile alone (for the compiler's
        // messages) instead of two: the binary of the matching function alone is never built.
        let folder = try TemporaryDirectory(prefix: "mismatched-shim")
        defer { folder.remove() }
        try Data(units[0].source).write(to: URL(fileURLWithPath: folder.path + "/residual-jacobians.swift"))
        let submission = Submission.load(folder: folder.path, problems: session.problems)
        let matching = try #require(problem.parts.first { $0.id == "residualLayerJacobian" }?.kind.snippet)
        let alone = session.builder.plan(
            fileName: problem.snippetFileName, source: units[0].source, entries: [.call(matching.signature)],
            optimized: false, harness: session.harnessEntries(of: problem)
        ).binary
        let shared = try session.grade(submission: submission, prebuilt: binary)
        #expect(!FileManager.default.fileExists(atPath: alone))
        let single = try session.grade(submission: submission, prebuilt: nil)
        #expect(FileManager.default.fileExists(atPath: alone))
        let parts = { (graded: GradeReport) in graded.problems.first { $0.id == problem.id }?.parts ?? [] }
        #expect(parts(shared).count == 4)
        #expect(parts(shared) == parts(single))
        #expect(parts(shared).first { $0.id == "residualGradients" }?.outcome == .compileError)
        #expect(parts(shared).first { $0.id == "residualLayerJacobian" }?.score == 3)
    }

    @Test("a class's files are shared out evenly over as few calls as the size allows, a multiple of the jobs")
    func callSize() {
        // 720 files: 8 calls of 90, four rounds of two.
        #expect(BatchCompiler.callSize(files: 720, jobs: 2, largest: 96) == 90)
        // 159 files: two calls of 80 at most, under 96.
        #expect(BatchCompiler.callSize(files: 159, jobs: 2, largest: 96) == 80)
        // Three calls' worth becomes four, so that the last call does not run alone.
        #expect(BatchCompiler.callSize(files: 206, jobs: 2, largest: 96) == 52)
        // A small class still keeps both jobs busy; one job takes the fewest calls.
        #expect(BatchCompiler.callSize(files: 30, jobs: 2, largest: 96) == 15)
        #expect(BatchCompiler.callSize(files: 100, jobs: 1, largest: 96) == 50)
        #expect(BatchCompiler.callSize(files: 1, jobs: 2, largest: 96) == 1)
        // A `--jobs` as large as any: no overflow, one file a call.
        #expect(BatchCompiler.callSize(files: 5, jobs: Int.max, largest: 96) == 1)
        for files in 1...400 {
            for jobs in 1...4 {
                let size = BatchCompiler.callSize(files: files, jobs: jobs, largest: 96)
                // The calls the size allows: the fewest of at most 96 files, rounded up to a multiple of the jobs
                // (no more jobs than files).
                let usable = min(jobs, files)
                let allowed = ((files + 95) / 96 + usable - 1) / usable * usable
                #expect(size >= 1 && size <= 96)
                #expect((files + size - 1) / size <= allowed, "\(files) files, \(jobs) jobs: \(size) a call")
                // And the smallest such size: a file fewer a call would need more calls.
                if size > 1 {
                    #expect((files + size - 2) / (size - 1) > allowed, "\(files) files, \(jobs) jobs: \(size)")
                }
            }
        }
    }

    @Test("copies of one shape go to shared calls side by side, most copied first, 12 a call or up to a third more")
    func sharedBatches() {
        func units(copies: Int) -> [(key: String, shape: String)] {
            (0..<copies).map { (key: "a\($0 + 100)", shape: "A") } + (0..<5).map { (key: "b\($0)", shape: "B") }
                + (0..<50).map { (key: "c\($0 + 100)", shape: "C\($0)") }
        }
        func copiesOfA(_ batch: [String]) -> Int { batch.filter { $0.hasPrefix("a") }.count }
        // 20 copies in two calls of 48: 10 and 10 would do, and at most 12 are taken a call.
        let few = BatchCompiler.sharedBatches(units(copies: 20).shuffled(), size: 48)
        #expect(few == BatchCompiler.sharedBatches(units(copies: 20).shuffled(), size: 48))
        #expect(few.flatMap { $0 }.sorted() == units(copies: 20).map(\.key).sorted())
        // The first call: 12 of the most copied shape, then the next shape's 5, then others.
        #expect(
            few[0].prefix(17).map { $0.prefix(1) } == Array(repeating: "a", count: 12)
                + Array(repeating: "b", count: 5))
        #expect(few.map(\.count) == [48, 27])
        #expect(few.map(copiesOfA) == [12, 8])
        // 30 copies: 12 a call would leave 6 for a third call of their own; 15 a call shares them out.
        let some = BatchCompiler.sharedBatches(units(copies: 30).shuffled(), size: 48)
        #expect(some.flatMap { $0 }.sorted() == units(copies: 30).map(\.key).sorted())
        #expect(some.map(\.count) == [48, 37])
        #expect(some.map(copiesOfA) == [15, 15])
        // 40 copies would need 20 a call: at most 16 (a third more than 12) are taken, and the 8 beyond come after
        // every other file.
        let many = BatchCompiler.sharedBatches(units(copies: 40).shuffled(), size: 48)
        #expect(many.flatMap { $0 }.sorted() == units(copies: 40).map(\.key).sorted())
        #expect(many.allSatisfy { $0.count <= 48 })
        #expect(many.map(\.count) == [48, 39, 8])
        #expect(many.map(copiesOfA) == [16, 16, 8])
        #expect(many.flatMap { $0 }.suffix(8).allSatisfy { $0.hasPrefix("a") })
    }

    @Test("with the support file first, one student's object never holds a library copy another's needs")
    func supportHoldsSharedCopies() throws {
        // How students write such code: closures and operator references without types.
        let body = """
            var total = 0.0
            total += d.map { $0 * 2 }.filter { $0 > 0 }.reduce(0, +)
            total += d.enumerated().map { Double($0.offset) * $0.element }.reduce(0, +)
            total += zip(d, i).map { $0 * Double($1) }.reduce(0, +)
            total += d.compactMap { $0 > 0 ? $0 : nil }.reduce(0, +)
            total += m.flatMap { $0 }.reduce(0, +)
            total += Double(i.enumerated().map { $0.offset + $0.element }.reduce(0, +))
            total += zip(d, b).map { $1 ? $0 : 0 }.reduce(0, +)
            let weighted: [Double] = m.enumerated().map { row in
                row.element.enumerated().map { $0.element * Double($0.offset) }.reduce(0, +)
            }
            total += weighted.reduce(0, +) + zip(m, d).map { row, x in row.map { $0 * x }.reduce(0, +) }.reduce(0, +)
            total += t.map { $0.map { $0.reduce(0, +) }.reduce(0, +) }.reduce(0, +)
            total += t.flatMap { $0 }.flatMap { $0 }.reduce(0, +)
            total += (0..<3).reversed().map(Double.init).reduce(0, +)
            total += stride(from: 0, through: 4, by: 1).map(Double.init).reduce(0, +)
            total += zip(d, d).map(*).reduce(0, +) + zip(d, d).map(+).reduce(0, +)
            total += Double(zip(i, i).map(*).reduce(0, +))
            let operators: [(Double, Double) -> Double] = [(+), (-), (*), (/), max, min]
            for function in operators { total += d.reduce(0, function) }
            return total + d.map(abs).reduce(0, +)
            """
        let swiftc = try SnippetBuilder.findCompiler()
        let nm = URL(fileURLWithPath: swiftc).deletingLastPathComponent().path + "/llvm-nm"
        func symbols(_ object: String, _ kind: String, in folder: String) throws -> Set<String> {
            let outcome = try SnippetBuilder.runDirectly([nm, kind, "-j", object], in: folder, seconds: 60)
            #expect(outcome.succeeded)
            return Set(String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").map(String.init))
        }
        // What student `b`'s object needs from student `a`'s, compiled in one call after `support`.
        func borrowed(support: String) throws -> Set<String> {
            let folder = try TemporaryDirectory(prefix: "support-copies")
            defer { folder.remove() }
            for (name, text) in [("__grader_support", support), ("a", body), ("b", body)] {
                let source =
                    name == "__grader_support"
                    ? text
                    : "fileprivate func \(name)(_ d: [Double], _ i: [Int], _ b: [Bool], _ m: [[Double]], "
                        + "_ t: [[[Double]]]) -> Double {\n\(text)\n}\n"
                try source.write(toFile: "\(folder.path)/\(name).swift", atomically: true, encoding: .utf8)
            }
            let outcome = try SnippetBuilder.runDirectly(
                [swiftc] + SnippetBuilder.flags
                    + [
                        "-wmo", "-num-threads", "2", "-parse-as-library", "-c", "__grader_support.swift", "a.swift",
                        "b.swift",
                    ],
                in: folder.path, seconds: 300)
            #expect(outcome.succeeded, "\(String(decoding: outcome.stderr, as: UTF8.self))")
            let needed = try symbols("b.o", "--undefined-only", in: folder.path)
            return needed.intersection(try symbols("a.o", "--defined-only", in: folder.path))
        }
        #expect(try borrowed(support: BatchCompiler.supportSource).isEmpty)
        // The check can fail: without the support file's uses, `b` links only with `a`'s copies.
        #expect(!(try borrowed(support: "func __graderSupport() {}\n").isEmpty))
    }

    @Test("the compiler's version is asked once and remembered until the compiler's files change")
    func compilerVersionMemo() throws {
        let folder = NSTemporaryDirectory() + "grader-version-memo-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tools = folder + "/bin"
        let cache = folder + "/cache"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        // A stand-in compiler that counts how often it is asked and, as the real driver does, leaves a folder in
        // its TMPDIR (it says where).
        let count = folder + "/asked"
        let compiler = tools + "/swiftc"
        let left = folder + "/left"
        try Self.writeExecutable(
            """
            #!/bin/sh
            echo x >> \(count)
            mkdir "$TMPDIR/TemporaryDirectory.stand-in" && echo "$TMPDIR" > \(left)
            echo 'Swift version 9.9 (stand-in)'

            """, to: compiler)
        try "frontend 1".write(toFile: tools + "/swift-frontend", atomically: true, encoding: .utf8)
        func asked() -> Int {
            ((try? String(contentsOfFile: count, encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        #expect(try SnippetBuilder.compilerVersion(of: compiler, cache: cache) == "Swift version 9.9 (stand-in)\n")
        #expect(try SnippetBuilder.compilerVersion(of: compiler, cache: cache) == "Swift version 9.9 (stand-in)\n")
        #expect(asked() == 1)
        // It was asked in a folder of the cache's, which is gone with what the driver left there.
        let asking = try String(contentsOfFile: left, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(asking.hasPrefix(cache + "/tmp/"))
        #expect(!FileManager.default.fileExists(atPath: asking))
        // A rebuilt frontend (another size, new times) is another compiler: asked again.
        try "frontend 2, rebuilt".write(toFile: tools + "/swift-frontend", atomically: true, encoding: .utf8)
        #expect(try SnippetBuilder.compilerVersion(of: compiler, cache: cache) == "Swift version 9.9 (stand-in)\n")
        #expect(asked() == 2)
    }

    @Test("a binary's cache key holds the harness runtime's identity, which a harness's own source only imports")
    func binaryKeyHoldsRuntime() {
        let harness = Harness(entries: [.expression("1.0", type: .double, name: "one")])
        #expect(harness.source.contains("import \(HarnessRuntime.moduleName)"))
        #expect(!harness.source.contains("struct __GraderReader"))
        let key = { (runtime: String) in
            SnippetBuilder.binaryKey(
                compilerVersion: "v", arguments: ["-Onone"], source: Array("func f() {}".utf8), shims: "",
                harness: harness.source, runtime: runtime)
        }
        #expect(key(SnippetBuilder.harnessRuntimeIdentity) == key(SnippetBuilder.harnessRuntimeIdentity))
        #expect(key(SnippetBuilder.harnessRuntimeIdentity) != key("a runtime with another wire format"))
    }

    @Test("the link command is derived once and remembered; a memo naming a tool that is gone is derived again")
    func linkCommandMemo() throws {
        let folder = NSTemporaryDirectory() + "grader-link-memo-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tools = folder + "/bin"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        // Stand-ins for the driver and clang that count how often they are asked, and the tools they name.
        let count = folder + "/asked"
        func script(_ name: String, _ body: String) throws {
            try "#!/bin/sh\necho x >> \(count)\n\(body)\n".write(
                toFile: "\(tools)/\(name)", atomically: true, encoding: .utf8)
            chmod("\(tools)/\(name)", 0o755)
        }
        try script(
            "swiftc",
            """
            echo '\(tools)/swift-autolink-extract GRADER_A.o GRADER_B.o -o /tmp/x.autolink'
            echo '\(tools)/clang -fuse-ld=lld GRADER_A.o GRADER_B.o @/tmp/x.autolink -o GRADER_OUT'
            """)
        try script(
            "clang",
            "echo '\"\(tools)/ld.lld\" \"-pie\" \"GRADER_A.o\" \"GRADER_B.o\" \"GRADER_AUTOLINK.o\" '"
                + "'\"-o\" \"GRADER_OUT\"'"
        )
        try script("ld.lld", "exit 0")
        try script("swift-autolink-extract", "exit 0")
        func asked() -> Int {
            ((try? String(contentsOfFile: count, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let memo = folder + "/link-command"
        let derived = try #require(LazyLinkCommand().value(swiftc: tools + "/swiftc") { memo })
        #expect(derived.executable == tools + "/ld.lld")
        #expect(derived.template == ["-pie", "GRADER_A.o", "GRADER_B.o", "GRADER_AUTOLINK.o", "-o", "GRADER_OUT"])
        #expect(asked() == 2)

        // Another process (a new store) reads the memo: nothing is asked.
        let remembered = try #require(LazyLinkCommand().value(swiftc: tools + "/swiftc") { memo })
        #expect(remembered.executable == derived.executable)
        #expect(remembered.autolinkExtract == derived.autolinkExtract)
        #expect(remembered.template == derived.template)
        #expect(asked() == 2)

        // A memo whose linker is not there (or whose slots are not all there once) is asked again, and replaced.
        try WorkFolder.writeAtomically(
            Array(
                (["\(folder)/gone", "\(tools)/swift-autolink-extract"] + derived.template)
                    .joined(separator: "\n").utf8),
            to: memo, mode: 0o600)
        #expect(LazyLinkCommand().value(swiftc: tools + "/swiftc") { memo }?.executable == tools + "/ld.lld")
        #expect(asked() == 4)
        #expect(LinkCommand(memo: Array("\(tools)/ld.lld\n\(tools)/ld.lld\n-pie\nGRADER_A.o".utf8)) == nil)
        #expect(LinkCommand(memo: derived.memo ?? []) != nil)
        // A start file the system's GCC no longer has (an upgrade moved it): the link would fail for everyone.
        let startFile = tools + "/crtbeginS.o"
        try Data().write(to: URL(fileURLWithPath: startFile))
        let withStartFile = LinkCommand(
            executable: derived.executable, autolinkExtract: derived.autolinkExtract,
            template: derived.template + [startFile])
        #expect(LinkCommand(memo: withStartFile.memo ?? []) != nil)
        try FileManager.default.removeItem(atPath: startFile)
        #expect(LinkCommand(memo: withStartFile.memo ?? []) == nil)
        // Library folders: one that does not exist is left out of the memo (the linker skips it); one that existed
        // and is gone makes the memo stale.
        let libraryFolder = folder + "/gcc-12"
        try FileManager.default.createDirectory(atPath: libraryFolder, withIntermediateDirectories: true)
        let withFolders = LinkCommand(
            executable: derived.executable, autolinkExtract: derived.autolinkExtract,
            template: derived.template + ["-L\(folder)/never-there", "-L\(libraryFolder)"])
        let kept = try #require(LinkCommand(memo: withFolders.memo ?? []))
        #expect(kept.template == derived.template + ["-L\(libraryFolder)"])
        try FileManager.default.removeItem(atPath: libraryFolder)
        #expect(LinkCommand(memo: kept.memo ?? []) != nil)
        #expect(
            LinkCommand(
                memo: Array(([kept.executable, kept.autolinkExtract] + kept.template).joined(separator: "\n").utf8))
                == nil)
        #expect(LazyLinkCommand().value(swiftc: tools + "/swiftc") { memo }?.template == derived.template)
        #expect(asked() == 4)

        // A remembered command that passes every check but no longer links (a system changed in a way the checks do
        // not see): after a failed link it is asked for anew, once a run, and the memo holds the new one.
        let stale = LinkCommand(
            executable: derived.executable, autolinkExtract: derived.autolinkExtract,
            template: derived.template + ["--an-option-this-linker-lost"])
        try WorkFolder.writeAtomically(stale.memo ?? [], to: memo, mode: 0o600)
        let store = LazyLinkCommand()
        #expect(store.value(swiftc: tools + "/swiftc") { memo } == stale)
        #expect(asked() == 4)
        #expect(store.rederived(swiftc: tools + "/swiftc") { memo } == derived)
        #expect(asked() == 6)
        #expect(store.value(swiftc: tools + "/swiftc") { memo } == derived)
        #expect(store.rederived(swiftc: tools + "/swiftc") { memo } == nil)
        #expect(asked() == 6)
        #expect(LazyLinkCommand().value(swiftc: tools + "/swiftc") { memo } == derived)
        // A command asked for in this run is never asked for again: the link's failure is then the code's.
        let asking = LazyLinkCommand()
        _ = asking.value(swiftc: tools + "/swiftc") { nil }
        #expect(asking.rederived(swiftc: tools + "/swiftc") { nil } == nil)
        #expect(asked() == 8)

        // Without a memo path (what `SnippetBuilder` gives when student code could write the cache), it is asked
        // every time.
        _ = LazyLinkCommand().value(swiftc: tools + "/swiftc") { nil }
        #expect(asked() == 10)
    }

    @Test(
        "the frontend started directly writes the driver's objects and messages byte for byte, for every kind of call",
        arguments: [
            ["-wmo", "-num-threads", "2", "-parse-as-library", "-c", "a.swift", "b.swift"],
            ["-parse-as-library", "-wmo", "-c", "a.swift", "b.swift", "-o", "unit.o"],
            ["-enable-batch-mode", "-j", "1", "-parse-as-library", "-c", "a.swift", "b.swift"],
        ])
    func frontendMatchesDriver(_ call: [String]) throws {
        let swiftc = try SnippetBuilder.findCompiler()
        let flags = (call.first == "-enable-batch-mode" ? SnippetBuilder.optimizedFlags : SnippetBuilder.flags) + call
        let commands = FrontendCommands()
        let direct = try #require(commands.command(swiftc: swiftc, arguments: flags)?.command)
        #expect(URL(fileURLWithPath: direct[0]).lastPathComponent == "swift-frontend")
        let sources = [
            ("a.swift", "func twice(_ x: [Double]) -> [Double] { x.map { $0 * 2 } }\n"),
            ("b.swift", "func sum(_ x: [Double]) -> Double { twice(x).reduce(0, +) }\n"),
        ]
        let broken = [("a.swift", "func f() -> Int { return \"x\" }\n"), ("b.swift", "func g() { let y: Int }\n")]
        for (files, compiles) in [(sources, true), (broken, false)] {
            var outputs: [[String: Data]] = []
            var messages: [String] = []
            for command in [[swiftc] + flags, direct] {
                let folder = try TemporaryDirectory(prefix: "frontend-match")
                defer { folder.remove() }
                for (name, text) in files {
                    try text.write(toFile: "\(folder.path)/\(name)", atomically: true, encoding: .utf8)
                }
                let outcome = try SnippetBuilder.runDirectly(command, in: folder.path, seconds: 120)
                #expect(outcome.succeeded == compiles)
                messages.append(String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self))
                let objects = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
                    $0.hasSuffix(".o")
                }
                outputs.append(
                    Dictionary(
                        uniqueKeysWithValues: objects.map { ($0, FileBytes.read("\(folder.path)/\($0)") ?? Data()) })
                )
            }
            #expect(outputs[0] == outputs[1])
            #expect(outputs[0].count == (compiles ? (call.contains("unit.o") ? 1 : 2) : 0))
            #expect(messages[0] == messages[1])
            #expect(compiles || messages[0].contains("a.swift:1:26: error: cannot convert return expression"))
        }
        // The plan is asked for once per shape: other files of the same kind of call are filled in.
        let renamed = flags.map { $0 == "a.swift" ? "u0123.swift" : $0 == "b.swift" ? "dir/x.swift" : $0 }
        let filled = try #require(commands.command(swiftc: swiftc, arguments: renamed)?.command)
        #expect(
            filled
                == direct.map {
                    $0 == "a.swift"
                        ? "u0123.swift"
                        : $0 == "b.swift" ? "dir/x.swift" : $0 == "a.o" ? "u0123.o" : $0 == "b.o" ? "x.o" : $0
                })
    }

    @Test("a call that asks for more than objects, or a plan that is not one frontend job, goes through the driver")
    func frontendRefusals() throws {
        #expect(FrontendCommand.shape(of: ["-wmo", "-emit-module", "-c", "a.swift"]) == nil)
        #expect(FrontendCommand.shape(of: ["-wmo", "-emit-module-path", "m.swiftmodule", "-c", "a.swift"]) == nil)
        #expect(FrontendCommand.shape(of: ["a.swift", "-o", "program"]) == nil)
        #expect(FrontendCommand.shape(of: ["-c", "a.o"]) == nil)
        #expect(FrontendCommand.shape(of: ["-c", "b.swift", "a.swift"])?.sources == ["b.swift", "a.swift"])
        let folder = try TemporaryDirectory(prefix: "frontend-plans")
        defer { folder.remove() }
        let frontend = folder.path + "/swift-frontend"
        try "#!/bin/sh\nexit 0\n".write(toFile: frontend, atomically: true, encoding: .utf8)
        chmod(frontend, 0o755)
        func plan(_ said: String) throws -> FrontendCommand? {
            let driver = folder.path + "/swiftc"
            try "#!/bin/sh\necho '\(said)'\n".write(toFile: driver, atomically: true, encoding: .utf8)
            chmod(driver, 0o755)
            let key = ["-c", FrontendCommand.slot(0) + ".swift"]
            return FrontendCommand.derive(swiftc: driver, key: key, count: 1)
        }
        let source = FrontendCommand.slot(0) + ".swift"
        let object = FrontendCommand.slot(0) + ".o"
        let map = "-supplementary-output-file-map /tmp/TemporaryDirectory.x/supplementaryOutputs-1"
        let good = try #require(try plan("\(frontend) -frontend -c \(source) \(map) -Onone -o \(object)"))
        #expect(good.template == ["-frontend", "-c", source, "-Onone", "-o", object])
        #expect(good.command(sources: ["k.swift"]) == [frontend, "-frontend", "-c", "k.swift", "-Onone", "-o", "k.o"])
        // Two jobs (a compile, then a link or a module merge), another program, a slot used twice or in another
        // word: the driver runs such a call.
        #expect(try plan("\(frontend) -frontend -c \(source)\n\(frontend) -frontend -merge-modules") == nil)
        #expect(try plan("\(folder.path)/swiftc -frontend -c \(source)") == nil)
        #expect(try plan("\(frontend) -frontend -c \(source) \(source)") == nil)
        #expect(try plan("\(frontend) -frontend -c \(source) -o \(FrontendCommand.slot(0)).d") == nil)
        #expect(try plan("\(frontend) -frontend -emit-module \(source)") == nil)
    }

    @Test("a binary links without Foundation's libraries unless its code calls them, each symbol bound as with them")
    func leanLinks() throws {
        let builder = TestSupport.session.builder
        let libraries = try builder.toolchain.libraries(builder)
        let lean = LinkCommand.lean(libraries)
        #expect(lean.count == libraries.count - 5 && libraries.contains("-lFoundation"))
        #expect(lean == libraries.filter { !$0.contains("Foundation") })
        // The libraries a binary is linked against are found in the link command's folders, as the linker finds them
        // (a shared library first, else an archive); a linker script (libm.so, say) stands for the files it names.
        let linker = try #require(builder.linkCommand)
        let folders = linker.template.filter { $0.hasPrefix("-L/") }.map { String($0.dropFirst(2)) }
        func files(_ library: String) throws -> [String] {
            let candidates = ["so", "a"].flatMap { suffix in
                folders.map { "\($0)/lib\(library.dropFirst(2)).\(suffix)" }
            }
            let path = try #require(candidates.first { FileManager.default.fileExists(atPath: $0) }, "\(library)")
            let head = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 4)
            if head == Data([0x7f, 0x45, 0x4c, 0x46]) || path.hasSuffix(".a") { return [path] }
            let script = try String(contentsOfFile: path, encoding: .utf8)
            return script.split(whereSeparator: { " ()\n".contains($0) }).map(String.init).filter {
                $0.hasPrefix("/") && ($0.contains(".so") || $0.hasSuffix(".a"))
            }
        }
        let nm = URL(fileURLWithPath: builder.swiftc).deletingLastPathComponent().path + "/llvm-nm"
        func defined(_ files: [String]) throws -> Set<String> {
            var symbols = Set<String>()
            for file in files {
                var request = ProcessRequest(
                    executable: nm,
                    arguments: (file.hasSuffix(".a") ? [] : ["-D"]) + ["--defined-only", "--format=just-symbols", file])
                (request.outputLimit, request.keptOutput, request.wallSeconds) = (256 << 20, 256 << 20, 60)
                let listed = try ProcessRunner.run(request)
                #expect(listed.succeeded, "\(file)")
                for line in String(decoding: listed.stdout, as: UTF8.self).split(separator: "\n")
                where !line.hasSuffix(":") {
                    symbols.insert(String(line.split(separator: "@").first ?? line))
                }
            }
            return symbols
        }
        // No library left out defines a symbol that one kept defines too (but the linker's own section bounds):
        // every symbol a lean link resolves binds where it would with every library.
        let left = try defined(try libraries.filter { !lean.contains($0) }.flatMap(files))
        let kept = try defined(try lean.flatMap(files))
        #expect(left.count > 1000 && kept.count > 1000)
        #expect(left.intersection(kept).subtracting(["_end", "_edata", "__bss_start"]).isEmpty)

        // Code that calls Foundation still links (with every library), and only it needs Foundation's libraries.
        let objdump = URL(fileURLWithPath: nm).deletingLastPathComponent().path + "/llvm-objdump"
        func needed(_ source: String) throws -> [String] {
            let built = try builder.build(
                fileName: "lean.swift", source: Array(source.utf8),
                entries: [.expression("digits()", type: .string, name: "digits")], owner: .student)
            guard case .built(let binary) = built else {
                Issue.record("did not build: \(built)")
                return []
            }
            let headers = try ProcessRunner.run(ProcessRequest(executable: objdump, arguments: ["-p", binary]))
            return String(decoding: headers.stdout, as: UTF8.self).split(separator: "\n").filter {
                $0.contains("NEEDED")
            }.map { String($0.split(separator: " ").last ?? "") }
        }
        let run = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let plain = try needed("// \(run)\nimport Foundation\nfunc digits() -> String { String(sqrt(2.0)) }\n")
        let formatted = try needed(
            "// \(run)\nimport Foundation\nfunc digits() -> String { String(format: \"%.3f\", sqrt(2.0)) }\n")
        #expect(plain.contains("libswiftCore.so") && !plain.contains { $0.hasPrefix("libFoundation") })
        #expect(formatted.contains("libFoundation.so"))
    }

    @Test("the harness runtime is compiled once for every cache of a user and compiler, in the toolchain's folder")
    func harnessRuntimeShared() throws {
        let folder = try TemporaryDirectory(prefix: "runtime-shared")
        defer { folder.remove() }
        // A toolchain's folder of this test's own, which nothing else writes to while it runs.
        let toolchain = folder.path + "/toolchain"
        try FileManager.default.createDirectory(atPath: toolchain, withIntermediateDirectories: true)
        func builder(_ cache: String, toolchainFolder: String? = toolchain) throws -> SnippetBuilder {
            try SnippetBuilder(
                cacheDirectory: "\(folder.path)/\(cache)", compileSeconds: 60, sandbox: TestSupport.session.sandbox,
                toolchainFolder: toolchainFolder)
        }
        func modified(_ path: String) -> timespec { Self.status(path).st_mtim }
        func mode(_ path: String) -> mode_t { Self.status(path).st_mode & 0o777 }
        let first = try builder("first").harnessRuntime()
        #expect(first.folder.hasPrefix(toolchain + "/harness-runtime-"))
        let module = "\(first.folder)/\(HarnessRuntime.moduleName).swiftmodule"
        // Readable by all and writable by the grader alone, whatever the umask it was compiled under.
        #expect(mode(first.folder) == 0o755 && mode(first.object) == 0o644 && mode(module) == 0o644)
        // A new cache finds the runtime where the first put it and compiles nothing: a compile would make (and
        // remove) its work folder in the toolchain's folder.
        let before = modified(toolchain)
        let second = try builder("second").harnessRuntime()
        #expect(second.folder == first.folder && second.digest == first.digest)
        let after = modified(toolchain)
        #expect(after.tv_sec == before.tv_sec && after.tv_nsec == before.tv_nsec)
        for name in ["first", "second"] {
            let objects = (try? FileManager.default.contentsOfDirectory(atPath: "\(folder.path)/\(name)/obj")) ?? []
            #expect(!objects.contains { $0.hasPrefix("harness-runtime") })
        }
        // One that others could write to (left by a lax umask) is not used: it is compiled again, and kept so.
        chmod(first.folder, 0o775)
        let again = try builder("third").harnessRuntime()
        #expect(again.folder == first.folder && mode(again.folder) == 0o755)
        let recompiled = modified(toolchain)
        #expect(recompiled.tv_sec != after.tv_sec || recompiled.tv_nsec != after.tv_nsec)
        // A new cache, with nothing of its own yet, builds a student's file with the user's shared runtime.
        _ = try builder("fourth", toolchainFolder: nil).harnessRuntime()
        let built = try builder("fifth", toolchainFolder: nil).build(
            fileName: "seven.swift", source: Array("func seven() -> Int { 7 }\n".utf8),
            entries: [.expression("seven()", type: .int, name: "seven")], owner: .student)
        guard case .built = built else {
            Issue.record("a new cache could not build with the shared runtime: \(built)")
            return
        }
    }

    @Test("the batch's support object is compiled once per user and compiler, in the toolchain's folder")
    func supportObjectShared() throws {
        let folder = try TemporaryDirectory(prefix: "support-shared")
        defer { folder.remove() }
        // A toolchain's folder of this test's own, which nothing else writes to while it runs.
        let toolchain = folder.path + "/toolchain"
        try FileManager.default.createDirectory(atPath: toolchain, withIntermediateDirectories: true)
        func compiler(_ cache: String) throws -> BatchCompiler {
            let builder = try SnippetBuilder(
                cacheDirectory: "\(folder.path)/\(cache)", compileSeconds: 60, sandbox: TestSupport.session.sandbox,
                toolchainFolder: toolchain)
            return BatchCompiler(builder: builder, problems: TestSupport.session.problems, compileSeconds: 60, jobs: 1)
        }
        let status = Self.status
        let first = try compiler("first").supportObject()
        #expect(first.hasPrefix(toolchain + "/support-") && first.hasSuffix("/support.o"))
        let made = (first as NSString).deletingLastPathComponent
        // Readable by all and writable by the grader alone, whatever the umask it was compiled under.
        #expect(status(made).st_mode & 0o777 == 0o755 && status(first).st_mode & 0o777 == 0o644)
        // A new cache finds it where the first put it and compiles nothing: a compile would make (and remove) its
        // work folder in the toolchain's folder.
        let before = status(toolchain).st_mtim
        #expect(try compiler("second").supportObject() == first)
        let after = status(toolchain).st_mtim
        #expect(after.tv_sec == before.tv_sec && after.tv_nsec == before.tv_nsec)
        for name in ["first", "second"] {
            let objects = (try? FileManager.default.contentsOfDirectory(atPath: "\(folder.path)/\(name)/obj")) ?? []
            #expect(!objects.contains { $0.hasPrefix("support") })
        }
        // One that others could write to (left by a lax umask) is not used: it is compiled again (a new file, made
        // while the old one was still there), and kept so.
        chmod(first, 0o664)
        let old = status(first).st_ino
        #expect(try compiler("third").supportObject() == first)
        #expect(status(first).st_mode & 0o777 == 0o644 && status(first).st_ino != old)
    }

    @Test("a remembered link command that no longer links is asked for anew before a student's code is blamed")
    func staleLinkCommandIsAskedAgain() throws {
        let cache = NSTemporaryDirectory() + "grader-stale-link-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let builder = try SnippetBuilder(
            cacheDirectory: cache, compileSeconds: 60, sandbox: TestSupport.session.sandbox)
        let memo = try #require(builder.linkCommandMemoPath())
        let fresh = try #require(LinkCommand.derive(swiftc: builder.swiftc))
        // Every file and folder it names is there, so the memo's checks pass; the linker refuses the option.
        let stale = LinkCommand(
            executable: fresh.executable, autolinkExtract: fresh.autolinkExtract,
            template: fresh.template + ["--an-option-this-linker-lost"])
        try WorkFolder.writeAtomically(stale.memo ?? [], to: memo, mode: 0o600)
        let built = try builder.build(
            fileName: "seven.swift", source: Array("func seven() -> Int { 7 }\n".utf8),
            entries: [.expression("seven()", type: .int, name: "seven")], owner: .student)
        guard case .built = built else {
            Issue.record("the student's file was blamed for the grader's stale link command: \(built)")
            return
        }
        #expect(LinkCommand(memo: try #require(WorkFolder.readRegularFile(memo, limit: 1 << 20)))?.memo == fresh.memo)
    }

    @Test("the starter code handed in unchanged is nothing handed in, graded without a compile or a run")
    func unchangedStarterCode() throws {
        let session = TestSupport.session
        let problem = try #require(session.problems.problem("variance-recursion"))
        let starter = try #require(Scaffold.starterCode(of: problem))
        #expect(starter.contains("fatalError(\"TODO: implement outputVariance\")"))
        let folder = NSTemporaryDirectory() + "grader-starter-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/" + problem.snippetFileName
        try Data(starter.utf8).write(to: URL(fileURLWithPath: file))
        let unchanged = try #require(
            session.grade(folder: folder).problems.first { $0.id == problem.id }?.parts.first {
                $0.id == "outputVariance"
            })
        // A run would have crashed on every trial (outcome crash, with the printed fatal error); none happened.
        #expect(unchanged.outcome == .missing)
        #expect(unchanged.score == 0)
        #expect(unchanged.message.contains("starter code `grader init` wrote, unchanged"))
        #expect(unchanged.output == nil)

        // One byte more and it is the student's own code again: compiled and run, and it crashes as written.
        try Data((starter + " ").utf8).write(to: URL(fileURLWithPath: file))
        let edited = try #require(
            session.grade(folder: folder).problems.first { $0.id == problem.id }?.parts.first {
                $0.id == "outputVariance"
            })
        #expect(edited.outcome == .crash)
        #expect(edited.score == 0)
    }

    @Test("every variant's answer keys of a problem are one cache file, which a later session reads back")
    func variantKeysInOneFile() throws {
        let root = NSTemporaryDirectory() + "grader-variant-store-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let problems = try Self.varianceRecursionAlone(in: root)
        let options = Self.options(problems: problems, cache: root + "/cache")
        let first = try GradingSession(options: options)
        defer { first.close() }
        let problem = try #require(first.problems.problem("variance-recursion"))
        let submissions = Self.emptySubmissions(12, in: root, problems: first.problems)
        try first.prepareVariants(for: submissions)
        let variants = Set(try submissions.map { try first.variant(of: problem, for: $0).digest })
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/cache/references")
        let stores = files.filter { $0.hasSuffix(".variants.jsonl") }
        #expect(stores.count == 1)
        #expect(!files.contains { $0.contains(".variant-") })
        let path = root + "/cache/references/" + stores[0]
        let decoder = JSONDecoder()
        var lines = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: 0x0A).map {
            try decoder.decode(GradingSession.StoredVariant.self, from: $0)
        }
        #expect(Set(lines.map(\.variant)) == variants)
        #expect(lines.count == variants.count)

        // A later session takes the keys from the file, not from a run of the reference: what the file says is
        // what it gets (the file is the grader's own, in a cache no student code can reach). A line cut short, as
        // by a crash mid-write, costs its own variant only, which is computed and appended again.
        let digest = try first.variant(of: problem, for: submissions[0]).digest
        let index = try #require(lines.firstIndex { $0.variant == digest })
        let part = try #require(lines[index].keys.keys.first)
        let original = try #require(lines[index].keys[part])
        var keys = lines[index].keys
        keys[part] = ReferenceResults.Stored.Key(
            expected: .double(12345), mistakeValues: original.mistakeValues, mistakeFeedback: original.mistakeFeedback)
        lines[index] = GradingSession.StoredVariant(variant: digest, keys: keys)
        let cut = try #require(lines.firstIndex { $0.variant != digest })
        let encoded = try lines.enumerated().map { position, line -> Data in
            let data = try JSONEncoder().encode(line)
            return position == cut ? data.prefix(data.count / 2) : data
        }
        try Data(encoded.joined(separator: Data([0x0A])) + [0x0A]).write(to: URL(fileURLWithPath: path))
        let second = try GradingSession(options: options)
        defer { second.close() }
        try second.prepareVariants(for: submissions)
        let read = try second.referenceResults(
            for: problem, variant: try second.variant(of: problem, for: submissions[0]))
        #expect(read.answerKeys[part]?.expected == .double(12345))
        let recomputed = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: 0x0A).compactMap {
            try? decoder.decode(GradingSession.StoredVariant.self, from: $0)
        }
        #expect(recomputed.last?.variant == lines[cut].variant)
        #expect(Set(recomputed.map(\.variant)) == variants)
    }

    @Test("a parallelMap inside another's job runs its jobs side by side (Dispatch ran them one after another)")
    func nestedJobsRunTogether() {
        let met = parallelMap(count: 2, width: 2) { _ -> [Bool] in
            let started = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
            // Each job waits for the other to start: run one after another, the first waits in vain.
            return parallelMap(count: 2, width: 2) { index -> Bool in
                started[index].signal()
                return started[1 - index].wait(timeout: .now() + 5) == .success
            }
        }
        #expect(met == [[true, true], [true, true]])
    }

    @Test("a large class's trials are split into runs of at most 5,000, side by side, covering every trial in order")
    func keyRunChunks() {
        #expect(ReferenceRunner.keyRunChunks(count: 0, width: 2).isEmpty)
        #expect(ReferenceRunner.keyRunChunks(count: 999, width: 2) == [0..<999])
        #expect(ReferenceRunner.keyRunChunks(count: 1_000, width: 2) == [0..<500, 500..<1_000])
        #expect(ReferenceRunner.keyRunChunks(count: 10_000, width: 1) == [0..<5_000, 5_000..<10_000])
        #expect(ReferenceRunner.keyRunChunks(count: 10_001, width: 2) == [0..<3_334, 3_334..<6_668, 6_668..<10_001])
        for count in [1, 2, 499, 1_001, 4_999, 5_001, 12_345, 70_000] {
            for width in 1...8 {
                let chunks = ReferenceRunner.keyRunChunks(count: count, width: width)
                #expect(chunks.flatMap { Array($0) } == Array(0..<count))
                #expect(chunks.allSatisfy { $0.count <= ReferenceRunner.maxTrialsPerKeyRun })
                #expect(chunks.count <= max(width, (count + 4_999) / 5_000))
                // Several expressions a trial: at most 10,000 evaluations a run, however many expressions.
                for expressions in [2, 3, 7, 12_000] {
                    let together = ReferenceRunner.keyRunChunks(count: count, width: width, expressions: expressions)
                    #expect(together.flatMap { Array($0) } == Array(0..<count))
                    #expect(together.allSatisfy { $0.count == 1 || $0.count * expressions <= 10_000 })
                    #expect(together.count >= chunks.count)
                }
            }
        }
    }

    @Test("every answer expression evaluated in one run gives what each gives in a run of its own")
    func expressionsTogether() throws {
        let root = NSTemporaryDirectory() + "grader-expressions-together-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for id in ["variance-recursion", "residual-jacobians", "parameter-counts"] {
            let problems = try Self.hw6Problem(id, alone: root + "/" + id)
            let session = try GradingSession(options: Self.options(problems: problems, cache: root + "/cache-" + id))
            defer { session.close() }
            let problem = try #require(session.problems.problem(id))
            let runner = ReferenceRunner(session: session, problem: problem)
            let members = try #require(ReferenceRunner.combinedEntry(of: try runner.referenceEntries().entries)).members
            #expect(members.count >= 3, "\(id)")
            let trials = try Self.emptySubmissions(1_200, in: root, problems: session.problems).map {
                try session.variant(of: problem, for: $0).values
            }
            var binary: String?
            let together = try runner.everyExpression(on: trials, binary: &binary, width: 2)
            #expect(Set(together.keys) == Set(members.map(\.name)), "\(id)")
            // A reference binary without the combined entry (as when it does not compile): each expression runs
            // alone, and the keys are the same.
            let source = ReferenceRunner.compiledSource(
                of: problem, Array(try String(contentsOfFile: problem.referencePath, encoding: .utf8).utf8))
            guard
                case .built(let plain) = try session.builder.build(
                    fileName: "reference.swift", source: source, entries: try runner.referenceEntries().entries,
                    owner: .trusted)
            else { throw GraderError.usage("the reference does not compile") }
            let variants = try Self.emptySubmissions(300, in: root, problems: session.problems).map {
                try session.variant(of: problem, for: $0)
            }
            var noCombined: String? = plain
            #expect(try runner.everyExpression(on: variants.map(\.values), binary: &noCombined, width: 2).isEmpty)
            let stored = { (keys: [[String: AnswerKey]]) in
                keys.map { $0.mapValues(ReferenceResults.Stored.Key.init).mapValues { "\($0)" } }
            }
            #expect(
                stored(try runner.answerKeys(for: variants, binary: plain, width: 2))
                    == stored(try runner.answerKeys(for: variants, width: 2)), "\(id)")
            for member in members {
                let alone = try EntryRun.run(
                    sandbox: session.sandbox, binary: try #require(binary), entry: member.name,
                    returnType: member.returnType, trials: trials, limits: session.limits(for: problem), owner: .trusted
                )
                #expect(alone.failure == nil)
                #expect(together[member.name]?.type == member.returnType)
                #expect(
                    zip(alone.outputs, together[member.name]?.values ?? []).filter { $0 != $1 }.count == 0
                        && alone.outputs.count == 1_200, "\(id) \(member.name)")
            }
        }
    }

    @Test("a problem's reference and its students' binaries link one harness; an entry a binary lacks fails its run")
    func oneHarnessPerProblem() throws {
        let root = NSTemporaryDirectory() + "grader-one-harness-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = root + "/cache"
        let session = try GradingSession(
            options: Self.options(problems: try Self.varianceRecursionAlone(in: root), cache: cache))
        defer { session.close() }
        let problem = try #require(session.problems.problem("variance-recursion"))
        // A student who hands in the whole reference: every function its answer expressions and mistakes call.
        let folder = root + "/student"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let reference = try String(contentsOfFile: problem.referencePath, encoding: .utf8)
        let source = "// handed in by a student\n" + reference
        try source.write(toFile: folder + "/variance-recursion.swift", atomically: true, encoding: .utf8)
        let graded = try session.grade(folder: folder, student: "student-1")
        let part = try #require(graded.problems.first?.parts.first { $0.id == "outputVariance" })
        #expect(part.score == part.maxScore && part.maxScore > 0)

        // One harness object for the reference's binary and the student's (the entries differ: two before).
        let objects = try FileManager.default.contentsOfDirectory(atPath: cache + "/obj")
        #expect(objects.filter { $0.hasPrefix("harness-") }.count == 1, "\(objects)")

        // The student's binary holds the harness's entry for the answer expression, and the expression's function,
        // but that entry is linked to `grader_missing`: asked for it, the binary fails, whatever the file defines.
        let listed = try #require(session.harnessEntries(of: problem))
        let expression = try #require(listed.first { $0.expression != nil })
        let spec = try #require(problem.parts.first { $0.id == "outputVariance" }?.kind.snippet)
        // A student's file built with the problem's harness.
        func built(_ text: String) throws -> String {
            guard
                case .built(let binary) = try session.builder.build(
                    fileName: problem.snippetFileName, source: Array(text.utf8), entries: [.call(spec.signature)],
                    owner: .student, harness: listed)
            else { throw GraderError.usage("the student's file does not build") }
            return binary
        }
        // The answer expression's entry asked of a student's binary.
        func expressionRun(_ binary: String) throws -> EntryRun {
            try EntryRun.run(
                sandbox: session.sandbox, binary: binary, entry: expression.name, returnType: expression.returnType,
                trials: [[.array([.int(16), .int(32), .int(8)])]], limits: session.limits(for: problem),
                owner: .student)
        }
        let run = try expressionRun(try built(source))
        #expect(run.outputs == [nil])
        #expect(run.failure?.contains("this function was not built into this binary") == true, "\(run.failure ?? "")")

        // A file that defines the symbol of that entry itself, as a forger would, is linked with it replaced:
        // asked for the entry, the binary still fails rather than run the forged function.
        let place = try #require(listed.firstIndex { $0.name == expression.name })
        let forgedRun = try expressionRun(
            try built(source + "\n@_silgen_name(\"grader_entry_\(place)\") func forged(_ w: [Int]) -> Double { 42 }\n"))
        #expect(forgedRun.outputs == [nil])
        #expect(forgedRun.failure?.contains("this function was not built into this binary") == true)

        // The harness knows its entries by digests: a student's binary does not name the reference's mistakes
        // (functions of reference.swift), which its code could read from its own file and print into its feedback.
        let ownBinary = try built("func outputVariance(widths: [Int]) -> Double { Double(widths.count) }\n")
        let bytes = try #require(FileManager.default.contents(atPath: ownBinary))
        let names = listed.map(\.name).filter { $0 != "outputVariance" }
        #expect(names.contains("outputVarianceWithoutBias"))
        for name in names { #expect(bytes.range(of: Data(name.utf8)) == nil, "\(name)") }
    }

    @Test("an answer expression that ends in a `//` comment is evaluated with the others, as alone")
    func commentedExpression() throws {
        let root = NSTemporaryDirectory() + "grader-expression-comment-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let problems = try Self.varianceRecursionAlone(
            in: root, replacing: "outputVariance(widths: widths)", with: "outputVariance(widths: widths) // the answer")
        let session = try GradingSession(options: Self.options(problems: problems, cache: root + "/cache"))
        defer { session.close() }
        let problem = try #require(session.problems.problem("variance-recursion"))
        let runner = ReferenceRunner(session: session, problem: problem)
        let trials = try Self.emptySubmissions(40, in: root, problems: session.problems).map {
            try session.variant(of: problem, for: $0).values
        }
        var binary: String?
        let together = try runner.everyExpression(on: trials, binary: &binary, width: 1)
        let answer = try #require(together[NumericKind.answerEntry("output-variance")])
        let alone = try EntryRun.run(
            sandbox: session.sandbox, binary: try #require(binary), entry: NumericKind.answerEntry("output-variance"),
            returnType: .double, trials: trials, limits: session.limits(for: problem), owner: .trusted)
        #expect(alone.failure == nil && alone.outputs.count == 40)
        #expect(zip(alone.outputs, answer.values).allSatisfy { $0 == $1 })
    }

    @Test("an answer expression that fails is named, as when each ran alone, and the others are not blamed")
    func failingExpressionNamed() throws {
        let root = NSTemporaryDirectory() + "grader-expression-fails-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The second mistake traps for a student whose first width is 128: that student's trial stops the run.
        let problems = try Self.varianceRecursionAlone(
            in: root, replacing: "outputVarianceWithoutOneThird(widths: widths)",
            with: "outputVarianceWithoutOneThird(widths: widths) + Double([0][widths[0] / 128])")
        let session = try GradingSession(options: Self.options(problems: problems, cache: root + "/cache"))
        defer { session.close() }
        let problem = try #require(session.problems.problem("variance-recursion"))
        let variants = try Self.emptySubmissions(300, in: root, problems: session.problems).map {
            try session.variant(of: problem, for: $0)
        }
        #expect(
            variants.contains {
                guard case .array(let widths) = $0.values[0] else { return false }
                return widths.first == .int(128)
            })
        do {
            _ = try ReferenceRunner(session: session, problem: problem).answerKeys(for: variants, width: 2)
            Issue.record("a trapping expression gave keys")
        } catch GraderError.referenceBroken(let broken, let detail) {
            #expect(broken == "variance-recursion")
            #expect(detail.contains("mistake:output-variance:1"), "\(detail)")
            #expect(!detail.contains(ReferenceRunner.combinedEntryName))
        }
    }

    @Test("answer keys computed in runs side by side are those of one run, variant by variant")
    func splitKeyRunsAgree() throws {
        let root = NSTemporaryDirectory() + "grader-split-keys-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The residual network's parameters have billions of variants: 1,100 students, 1,100 distinct ones.
        let problems = try Self.hw6Problem("residual-jacobians", alone: root)
        var keysByWidth: [[String]] = []
        for width in [1, 2] {
            let options = Self.options(problems: problems, cache: root + "/cache-\(width)")
            let session = try GradingSession(options: options)
            defer { session.close() }
            let problem = try #require(session.problems.problem("residual-jacobians"))
            let submissions = Self.emptySubmissions(1_100, in: root, problems: session.problems)
            let distinct = Set(try submissions.map { try session.variant(of: problem, for: $0).digest })
            #expect(distinct.count == 1_100)
            #expect(ReferenceRunner.keyRunChunks(count: distinct.count, width: width).count == width)
            try session.prepareVariants(for: submissions, width: width)
            keysByWidth.append(
                try submissions.map { submission in
                    let keys = try session.referenceResults(
                        for: problem, variant: try session.variant(of: problem, for: submission)
                    ).answerKeys.mapValues(ReferenceResults.Stored.Key.init)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = .sortedKeys
                    return String(decoding: try encoder.encode(keys), as: UTF8.self)
                })
        }
        #expect(keysByWidth[0].count == 1_100)
        #expect(Set(keysByWidth[0]).count > 1_000)
        // Counted rather than compared whole: a failure prints the count, not two lists of 1,100 keys.
        #expect(keysByWidth[1].count == 1_100)
        #expect(zip(keysByWidth[0], keysByWidth[1]).filter { $0 != $1 }.count == 0)
    }

    @Test("a variant's digest is kept with its values, and a value added after it gives the digest of the whole")
    func digestMemo() throws {
        let problem = try #require(TestSupport.session.problems.problem("residual-jacobians"))
        let drawn = try problem.variant(student: "student-7", secret: "a secret")
        var rebuilt = ParameterValues(isDefault: false)
        var partial = ParameterValues(isDefault: false)
        for (position, (name, value)) in zip(drawn.names, drawn.values).enumerated() {
            rebuilt.append(name, value)
            if position < drawn.names.count - 1 { partial.append(name, value) }
        }
        #expect(rebuilt.digest == drawn.digest)
        let early = partial.digest
        var copy = partial
        copy.append(drawn.names.last!, drawn.values.last!)
        #expect(copy.digest == drawn.digest)
        #expect(partial.digest == early && early != drawn.digest)
    }

    @Test("a file saved mid-run is graded, keyed and kept as first read: no grade of one version under another's key")
    func fileReadOnce() throws {
        let root = NSTemporaryDirectory() + "grader-read-once-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let problems = try Self.varianceRecursionAlone(in: root)
        let folder = root + "/student"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/variance-recursion.swift"
        let right = try Data(
            contentsOf: URL(
                fileURLWithPath: TestSupport.packageRoot + "/submissions/hw6/reference/variance-recursion.swift"))
        let wrong = Data("func outputVariance(widths: [Int]) -> Double { 0.5 }\n".utf8)
        try right.write(to: URL(fileURLWithPath: path))
        let options = Self.options(problems: problems, cache: root + "/cache")
        func snippetStatus(_ report: GradeReport) -> PartGrade.Status? {
            report.problems[0].parts.first { $0.id == "outputVariance" }?.status
        }

        let session = try GradingSession(options: options)
        defer { session.close() }
        let problem = try #require(session.problems.problem("variance-recursion"))
        let submission = Submission.load(folder: folder, problems: session.problems)
        // A batch reads the code for its shared compile first; the student saves another version before the grading.
        #expect(SnippetChecker.code(of: problem, in: submission) == Array(right))
        try wrong.write(to: URL(fileURLWithPath: path))
        let graded = try session.grade(submission: submission, prebuilt: nil)
        #expect(snippetStatus(graded) == .passed)

        // The version on disk now is graded as itself, not served the first version's grade...
        let later = try GradingSession(options: options)
        defer { later.close() }
        #expect(snippetStatus(try later.grade(folder: folder)) == .failed)
        // ...and the first version, saved again, is served the grade kept for it.
        try right.write(to: URL(fileURLWithPath: path))
        #expect(snippetStatus(try later.grade(folder: folder)) == .passed)
    }

    @Test("placeholders are filled in one pass exactly as a replacement per parameter fills them")
    func placeholderFill() {
        var values = ParameterValues(isDefault: false)
        values.append("a", .int(-3))
        values.append("widths", .array([.int(1), .int(2)]))
        values.append("x", .double(0.5))
        // The independent method: one `replacingOccurrences` per parameter, as the grader filled texts before.
        func sequential(_ text: String) -> String {
            zip(values.names, values.values).reduce(text) {
                $0.replacingOccurrences(of: "{{\($1.0)}}", with: $1.1.swiftLiteral)
            }
        }
        let pieces = [
            "{{", "}}", "{", "}", "a", "widths", "x", "b", " ", "é", "한", "{{a}}", "{{widths}}", "{{x}}", "\n",
        ]
        var random = SeededGenerator(seed: 7)
        var texts = [
            "", "no placeholder", "{{a}}", "{{{a}}}", "{{a}}{{x}}", "{{b}}", "{{a}", "{{ a }}", "width {{widths}}.",
        ]
        for _ in 0..<3000 {
            let count = Int(random.next() % 12)
            texts.append((0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined())
        }
        for text in texts { #expect(values.fill(text) == sequential(text), "\(text)") }
        #expect(values.fill("Var with {{widths}} and {{x}}") == "Var with [1, 2] and 0.5")
    }

    @Test("a student with no code for a problem costs the reference no snippet runs, and is graded the same")
    func answerKeysWithoutSnippets() throws {
        let root = NSTemporaryDirectory() + "grader-answers-only-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let problems = try Self.varianceRecursionAlone(in: root)
        let answersOnly = root + "/answers-only"
        let withCode = root + "/with-code"
        for folder in [answersOnly, withCode] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("variance-recursion:\n  output-variance: 0.0844907407\n".utf8).write(
                to: URL(fileURLWithPath: folder + "/answers.yaml"))
        }
        try FileManager.default.copyItem(
            atPath: TestSupport.packageRoot + "/submissions/hw6/reference/variance-recursion.swift",
            toPath: withCode + "/variance-recursion.swift")
        let options = Self.options(problems: problems, cache: root + "/cache")
        func storedReferences() -> [String] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/cache/references")) ?? []
            return files.filter { $0.hasSuffix(".json") }
        }

        let lazy = try GradingSession(options: options)
        defer { lazy.close() }
        let alone = try lazy.grade(folder: answersOnly)
        // The answer key came from the reference, and no snippet outputs were computed nor stored as complete.
        #expect(alone.problems[0].parts.first { $0.id == "output-variance" }?.status == .passed)
        #expect(alone.problems[0].parts.first { $0.id == "outputVariance" }?.status == .missing)
        let problem = try #require(lazy.problems.problem("variance-recursion"))
        #expect(try lazy.referenceResults(for: problem, snippets: false).snippets.isEmpty)
        #expect(storedReferences().isEmpty)
        // A student with code in the same session gets the complete results, stored for the next run.
        let coded = try lazy.grade(folder: withCode)
        #expect(coded.problems[0].parts.allSatisfy { $0.status == .passed })
        #expect(storedReferences().count == 1)
        #expect(try !lazy.referenceResults(for: problem, snippets: false).snippets.isEmpty)

        // The same student graded by a session that computed everything first: the same report.
        let eager = try GradingSession(options: options)
        defer { eager.close() }
        _ = try eager.referenceResults(for: problem)
        #expect(JSONReporter().render(try eager.grade(folder: answersOnly)) == JSONReporter().render(alone))
    }

    /// Options grading the assignment in `problems` with its own cache folder `cache`.
    static func options(problems: String, cache: String) -> GradingOptions {
        var options = GradingOptions()
        options.problemsDirectory = problems
        options.cacheDirectory = cache
        return options
    }

    /// A folder of one assignment holding HW6's `variance-recursion` alone, made under `root`; returns its path.
    static func varianceRecursionAlone(in root: String) throws -> String {
        try hw6Problem("variance-recursion", alone: root)
    }

    /// The same, with the answer expression `expression` (quoted in `problem.yaml`) replaced by `replacement`.
    static func varianceRecursionAlone(in root: String, replacing expression: String, with replacement: String) throws
        -> String
    {
        let problems = try hw6Problem("variance-recursion", alone: root)
        let definition = problems + "/variance-recursion/problem.yaml"
        let text = try String(contentsOfFile: definition, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"\(expression)\"", with: "\"\(replacement)\"")
        precondition(edited != text, "no expression `\(expression)` in problem.yaml")
        try edited.write(toFile: definition, atomically: true, encoding: .utf8)
        return problems
    }

    /// `count` students (`student-1`, ...) who handed in nothing, as a batch names them: each gets a variant.
    static func emptySubmissions(_ count: Int, in root: String, problems: ProblemSet) -> [Submission] {
        (1...count).map { index in
            var submission = Submission.load(folder: root + "/none", problems: problems)
            submission.student = "student-\(index)"
            submission.studentFromOutside = true
            return submission
        }
    }

    /// A folder of one assignment holding HW6's problem `id` alone, made under `root`; returns its path.
    static func hw6Problem(_ id: String, alone root: String) throws -> String {
        let problems = root + "/problems"
        try FileManager.default.createDirectory(atPath: problems, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: TestSupport.packageRoot + "/problems/hw6/" + id, toPath: problems + "/" + id)
        try Data("title: T\nproblems: [\(id)]\n".utf8).write(to: URL(fileURLWithPath: problems + "/assignment.yaml"))
        return problems
    }
}
