import Testing

@testable import GraderCore

/// Trials must be identical on every machine and toolchain: a student on one Swift version in CI and an instructor on
/// another must see the same inputs. These pins fail when the generator, its mapping to values, the order inputs are
/// drawn in, or the wire encoding changes.
@Suite("Trials are the same everywhere")
struct TrialPinTests {
    /// The first trial of every snippet part of the bundled problems, as wire tokens (doubles as their bit patterns).
    static let firstTrials: [String: String] = [
        "dropout-equivalence.invertedDropout": "1 3fc0000000000000 1 1 3fea000000000000",
        "variance-recursion.outputVariance": "4 98 420 198 69",
        "residual-jacobians.residualLayerJacobian":
            """
        2 2 3ff5800000000000 3ff1000000000000 2 bfe7000000000000 bffc800000000000 2 3fc8000000000000 \
        3fe2800000000000 2 3fe0000000000000 bff4000000000000
        """,
        "residual-jacobians.residualGradients":
            """
        6 4 1 3fc2000000000000 1 bffec00000000000 1 bff5c00000000000 1 bffe400000000000 4 4 3ff1400000000000 \
        3ff6800000000000 3fff000000000000 bfb0000000000000 4 bff0c00000000000 bfff000000000000 \
        bff2400000000000 bfe0000000000000 4 bfda000000000000 bffc800000000000 3fe5800000000000 \
        3ff5400000000000 4 3ffd800000000000 3ff0800000000000 3fc2000000000000 bffec00000000000 4 4 \
        bff9000000000000 3f90000000000000 bff7c00000000000 3fb8000000000000 4 3feb800000000000 \
        3ff8000000000000 bff0800000000000 bffd800000000000 4 3ff7c00000000000 bff0000000000000 \
        bfec800000000000 bffec00000000000 4 bfc6000000000000 bff3000000000000 3ff2400000000000 \
        3fea800000000000 4 4 bffc400000000000 3ff5400000000000 3ff8800000000000 bff3c00000000000 4 \
        bfdf000000000000 3fbc000000000000 bfd2000000000000 3ffdc00000000000 4 3fb0000000000000 \
        bfe3000000000000 3ff0000000000000 bffc400000000000 4 bfeb000000000000 3ff6c00000000000 \
        bfea000000000000 bff2000000000000 4 4 bfe5800000000000 bfe5800000000000 bfec000000000000 \
        3fe9000000000000 4 bfc0000000000000 bfe4800000000000 bffd400000000000 3fd0000000000000 4 \
        bfa0000000000000 bfee800000000000 3ff8000000000000 3ff9000000000000 4 bff6400000000000 \
        bfd1000000000000 bff0800000000000 bfc0000000000000 1 4 bffc400000000000 bfc2000000000000 \
        3fe2800000000000 3ff7800000000000 6 4 0000000000000000 3ff3c00000000000 3fdd000000000000 \
        bff3800000000000 4 bff7400000000000 3fffc00000000000 3fc8000000000000 bffa800000000000 4 \
        3ff8800000000000 bfffc00000000000 bfee800000000000 bff1c00000000000 4 3fc4000000000000 \
        3fd8000000000000 bff9800000000000 3ff9c00000000000 4 bfd0000000000000 3fd6000000000000 \
        bff6400000000000 bfff400000000000 1 c000000000000000 1 bffc800000000000
        """,
        "parameter-counts.conv2dParameterCount": "4 64 6 4 1",
        "double-descent.ridgeTestError":
            """
        5 2 3ffe400000000000 bfdf000000000000 2 bfe3800000000000 bfff000000000000 2 3ffa800000000000 \
        3ffa400000000000 2 3ffd800000000000 3fd0000000000000 2 3fe6800000000000 3ff5800000000000 5 \
        bfd3000000000000 3ffc800000000000 3fd4000000000000 bffd000000000000 bffd800000000000 3 2 \
        3ff4c00000000000 bfea000000000000 2 bffc800000000000 bfe1000000000000 2 bfe8000000000000 \
        3ff4c00000000000 3 bfc0000000000000 bfed800000000000 3feb000000000000 1 2 bfd6000000000000 \
        bfeb800000000000 3fe8000000000000
        """,
        // An experiment's trial is its seeds: the data set's, then one per reference run.
        "double-descent.doubleDescentCurve":
            """
        7976897889907441851 1347397781182881407 8815244040669448010 291097313221113973 156782977165588804 \
        309048753066508033 403279534646292386 5282986976572383969 1525173540593855490 337006646914935954 \
        7048902642386171735 1131087468949107924 945658191723322716 2624344599331841396 5198162073900480435 \
        4245685847786716361 669583378758436342 4612741980476827806 1738714087328931066 2451178543500197524 \
        5855915261239980394 6133995549308158754 232994216998508348 3783920426576393627 5250825958776669535 \
        6730275819743346652 1621131699334904890 840673068567412271 3105207142094469134 8121284604813960131 \
        4672781363132248131 3211477258763472331 7200680367440486894 5985904589831665830 4695406540474321471 \
        5648169732673975056 1274481727721606477 3501871447485445838 9157390260210877203 4449064793274121389 \
        4148510645327300932 434699109053996458 6201862182003004333 7487252372941985207 2941691679271907718 \
        6029080341526539622 9218815857448538318 2897470700918385257 2159905582287210881 3576516638448598464 \
        4134524302822732932
        """,
    ]

    @Test("the first trial of every bundled snippet part is pinned to literal values")
    func pinned() throws {
        var seen: Set<String> = []
        for problem in TestSupport.session.problems.problems {
            for part in problem.snippetParts {
                guard let spec = part.kind.snippet else { continue }
                let id = "\(problem.id).\(part.id)"
                seen.insert(id)
                #expect(WireFormat.line(InputGenerators.trials(for: spec)[0]) == Self.firstTrials[id], "\(id)")
            }
        }
        #expect(seen == Set(Self.firstTrials.keys), "every snippet part is pinned")
    }

    @Test("cached reference outputs are keyed by the trials themselves: another generator or encoding gets another key")
    func cacheKeyFollowsTrials() throws {
        let session = TestSupport.session
        let problem = try #require(session.problems.problem("variance-recursion"))
        func digest(_ trials: @escaping (SnippetSpec) -> [[SnippetValue]]) -> String {
            GradingSession.definitionDigest(
                problem, compilerVersion: "v", mode: .namespaces, options: session.options, trials: trials)
        }
        let real = digest(InputGenerators.trials(for:))
        #expect(real == digest(InputGenerators.trials(for:)), "stable")
        // The same files and seed, a different mapping from raw outputs to widths: the old outputs must not be served.
        #expect(
            real
                != digest { spec in
                    InputGenerators.trials(for: spec).map { trial in trial.map { _ in .array([.int(7)]) } }
                })
        #expect(real != digest { spec in Array(InputGenerators.trials(for: spec).reversed()) }, "the order of trials")
    }

    @Test("the generator is SplitMix64 and values come from its raw outputs by our own mapping")
    func mapping() {
        // SplitMix64's published outputs for seed 0.
        var generator = SeededGenerator(seed: 0)
        #expect(
            [generator.next(), generator.next(), generator.next()] == [
                0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F,
            ])
        // An integer is the high word of raw x span; a double in [0, 1) is the top 53 bits x 2^-53.
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        for _ in 0..<1000 {
            let raw = b.next()
            #expect(a.int(in: -3...9) == -3 + Int(raw.multipliedFullWidth(by: 13).high))
        }
        for _ in 0..<1000 {
            let raw = b.next()
            #expect(a.unitInterval() == Double(raw >> 11) / 9_007_199_254_740_992)
        }
        // One raw output per value, whatever the value: the stream never depends on what was drawn.
        var c = SeededGenerator(seed: 11)
        var d = SeededGenerator(seed: 11)
        _ = c.int(in: 0...0)
        _ = c.double(in: 0...1)
        _ = d.next()
        _ = d.next()
        #expect(c.next() == d.next())
        var whole = SeededGenerator(seed: 5)
        #expect(whole.int(in: Int.min...Int.max) == Int(bitPattern: UInt(SeededGenerator(seed: 5).nextValue)))
    }
}

extension SeededGenerator {
    /// The first raw output of a fresh generator.
    fileprivate var nextValue: UInt64 {
        var copy = self
        return copy.next()
    }
}
