import Foundation
import Testing

/// Experiment parts end to end, on the toy problem of `Fixtures/experiment`: noisy curves judged by an acceptance
/// rule against the reference's runs, right solutions with their own generators, fakes, broken outputs, slow code,
/// lax and strict rules caught by `grader validate`, and the student kit's public checks.
@Suite("experiment parts")
struct ExperimentTests {
    static let fixture = CLI.fixtures + "/experiment"
    static let problems = fixture + "/problems"

    /// Grades the fixture submission `name` (or the folder `folder`) and returns the run, the parts of its results
    /// and its feedback.
    static func grade(_ name: String, folder: String? = nil, problems: String = problems, extra: [String] = [])
        throws -> (run: CLI.Run, part: [String: Any], feedback: String)
    {
        let results = CLI.temporary("experiment-\(name)-\(UUID().uuidString).json")
        let feedback = CLI.temporary("experiment-\(name)-\(UUID().uuidString).md")
        let run = try CLI.grader(
            [
                "grade", folder ?? fixture + "/submissions/\(name)", "--problems", problems, "--json", results,
                "--feedback", feedback,
            ] + extra)
        let parts = CLI.parts(try CLI.json(results))
        return (run, try #require(parts["curve.noisyCurve"]), try String(contentsOfFile: feedback, encoding: .utf8))
    }

    @Test("a right solution with a generator of its own gets full marks, with its curves plotted over the reference's")
    func rightSolution() throws {
        let (run, part, feedback) = try Self.grade("right")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(part["score"] as? Double == 3)
        #expect(part["status"] as? String == "passed")
        #expect(feedback.contains("Public data set: score 1. the median curve is within"))
        #expect(feedback.contains("![y against x: your runs and the reference's](data:image/svg+xml;base64,"))
        #expect(feedback.contains("| x | your median | reference median |"))
        let plot = try #require(part["plot"] as? [String: Any])
        #expect((plot["student"] as? [[Double]])?.count == 5)
        #expect((plot["reference"] as? [[Double]])?.count == 5)
    }

    @Test("a made-up flat curve gets no credit, and the rule's message says why")
    func fakeCurve() throws {
        let (_, part, feedback) = try Self.grade("flat")
        #expect(part["score"] as? Double == 0)
        #expect(part["status"] as? String == "failed")
        #expect(feedback.contains("the median curve is off by up to"))
    }

    @Test("a run that returns nan, or a curve one entry short, costs the data set before any rule sees it")
    func brokenOutputs() throws {
        let nan = try Self.grade("nan")
        #expect(nan.part["score"] as? Double == 0)
        #expect(nan.feedback.contains("returned nan"))
        let short = try Self.grade("short")
        #expect(short.part["score"] as? Double == 0)
        #expect(short.feedback.contains("returned 9 entries where the reference has 10"))
    }

    @Test("a function that never finishes stops at the budget, and its hidden runs are not started")
    func budget() throws {
        let folder = CLI.temporary("experiment-slow-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: Self.fixture + "/submissions/right", toPath: folder)
        try """
        func noisyCurve(xs: [Double], scale: Double, seed: UInt64) -> [Double] {
            var h = seed
            for _ in 0..<Int.max { h = h &* 6364136223846793005 &+ 1; if h == 42 { break } }
            return xs.map { _ in Double(h & 1) }
        }
        """.write(toFile: folder + "/curve.swift", atomically: true, encoding: .utf8)
        let problems = try Self.problemsCopy(editing: {
            $0.replacingOccurrences(of: "budget-seconds: 5", with: "budget-seconds: 1")
        })
        let (run, part, feedback) = try Self.grade("slow", folder: folder, problems: problems)
        #expect(part["score"] as? Double == 0)
        #expect(part["status"] as? String == "error")
        #expect(feedback.contains("did not finish: timed out after 1 s"))
        #expect(run.seconds < 20, "the hidden runs should not have been started: \(run.seconds) s")
    }

    /// A copy of the fixture's problems with `problem.yaml` edited.
    static func problemsCopy(editing edit: (String) -> String = { $0 }, reference: ((String) -> String)? = nil) throws
        -> String
    {
        let folder = CLI.temporary("experiment-problems-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: problems, toPath: folder)
        let definition = folder + "/curve/problem.yaml"
        try edit(try String(contentsOfFile: definition, encoding: .utf8)).write(
            toFile: definition, atomically: true, encoding: .utf8)
        if let reference {
            let path = folder + "/curve/reference.swift"
            try reference(try String(contentsOfFile: path, encoding: .utf8)).write(
                toFile: path, atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test("validate measures the rule: the reference with other seeds is accepted and each fake gets nothing")
    func validateMeasures() throws {
        let run = try CLI.grader(["validate", Self.problems])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let output = run.stdout + run.stderr
        #expect(output.contains("accepts the reference run with other seeds on all 3 data sets (5 seeds each)"))
        #expect(output.contains("`flatCurve` gets no credit on any of 3 data sets"))
    }

    @Test("validate fails a rule that accepts anything, and one that rejects a right solution's own seeds")
    func validateCatchesBadRules() throws {
        let lax = try Self.problemsCopy(reference: {
            $0.replacingOccurrences(of: "return worst < 0.5", with: "return worst < 1e300")
        })
        let laxRun = try CLI.grader(["validate", lax])
        #expect(laxRun.status != 0)
        #expect((laxRun.stdout + laxRun.stderr).contains("gives `flatCurve`, which it must reject, 1 on data set 1"))
        let strict = try Self.problemsCopy(reference: {
            $0.replacingOccurrences(of: "return worst < 0.5", with: "return worst == 0")
        })
        let strictRun = try CLI.grader(["validate", strict])
        #expect(strictRun.status != 0)
        #expect(
            (strictRun.stdout + strictRun.stderr).contains(
                "gives the reference, run with other seeds, less than full credit on 3 of 3 data sets"))
    }

    @Test("problem.yaml errors: the seed parameter, a plot of a tuple, mistakes, runs out of range")
    func definitionErrors() throws {
        let cases: [(edit: (String) -> String, message: String)] = [
            (
                { $0.replacingOccurrences(of: "seed: UInt64)", with: "seed: Int)") },
                "an experiment's function takes `seed: UInt64` last"
            ),
            ({ $0.replacingOccurrences(of: "runs: 5", with: "runs: 0") }, "`runs` must be between 1 and 50, found 0"),
            (
                { $0 + "    mistakes:\n      - {implementation: flatCurve, feedback: flat}\n" },
                "an experiment has no `mistakes`"
            ),
            ({ $0.replacingOccurrences(of: "x: xs,", with: "x: scale,") }, "`plot.x` must name a parameter"),
            (
                { $0.replacingOccurrences(of: "accept: curveAccept", with: "accept: curveAccepts") },
                "`accept` names `curveAccepts`, which reference.swift does not define"
            ),
        ]
        for (edit, message) in cases {
            let run = try CLI.grader(["validate", try Self.problemsCopy(editing: edit)])
            #expect(run.status != 0)
            #expect((run.stdout + run.stderr).contains(message), "\(message): \(run.stdout)\(run.stderr)")
        }
    }

    @Test("the student kit runs the public data set and leaves the verdict to final grading, which gives full marks")
    func studentKit() throws {
        let kit = CLI.temporary("experiment-kit-\(UUID().uuidString)")
        let assign = try CLI.grader(["assign", "--out", kit, "--problems", Self.problems])
        #expect(assign.status == 0, "\(assign.stderr)")
        let definition = try String(contentsOfFile: kit + "/student/curve/problem.yaml", encoding: .utf8)
        #expect(!definition.contains("curveAccept") && !definition.contains("flatCurve"))
        let check = try Self.grade("right", problems: kit + "/student")
        #expect(check.part["status"] as? String == "pending")
        #expect(check.run.stdout.contains("1 part is graded at final grading"))
        let flat = try Self.grade("short", problems: kit + "/student")
        #expect(flat.part["status"] as? String == "failed")
        let final = try Self.grade("right", problems: kit + "/autograder")
        #expect(final.part["score"] as? Double == 3)
    }

    @Test("the class overview plots every student's median curve over the reference's runs")
    func classOverview() throws {
        let out = CLI.temporary("experiment-batch-\(UUID().uuidString)")
        let run = try CLI.grader(["batch", Self.fixture + "/submissions", "--problems", Self.problems, "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(page.contains("<h2>Experiments</h2>"))
        // The right and the flat curve are plotted; the nan and the short ones have no curve to show.
        #expect(page.contains("students' medians (2)"))
        #expect(page.contains("<polyline"))
    }
}
