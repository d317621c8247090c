import Foundation
import Testing

/// A copy of `problems/` with the fifth problem of `docs/problem-format.md` added as the document says, and a copy
/// of the reference submission with its answers, each open to one deliberate break.
struct FifthProblem {
    static let id = "softmax-cross-entropy"
    static let fixture = CLI.fixtures + "/fifth-problem"

    let problems: String
    let submission: String
    var definition: String { problems + "/\(Self.id)/problem.yaml" }
    var reference: String { problems + "/\(Self.id)/reference.swift" }
    var assignment: String { problems + "/assignment.yaml" }

    /// Follows the document's steps: copy the folder in, list it, raise the total, extend the reference submission.
    init(listed: Bool = true, answered: Bool = true) throws {
        let base = CLI.temporary("fifth-\(UInt32.random(in: 0...UInt32.max))")
        problems = base + "/problems"
        submission = base + "/reference"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.root + "/problems/hw6", toPath: problems)
        try FileManager.default.copyItem(atPath: Self.fixture + "/\(Self.id)", toPath: problems + "/\(Self.id)")
        if listed {
            try Self.edit(assignment) {
                $0.replacingOccurrences(of: "double-descent]", with: "double-descent, \(Self.id)]")
                    .replacingOccurrences(of: "points: 33", with: "points: 43")
            }
        }
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/hw6/reference", toPath: submission)
        if answered {
            try FileManager.default.copyItem(
                atPath: Self.fixture + "/submission/\(Self.id).swift", toPath: submission + "/\(Self.id).swift")
            let answers = try String(contentsOfFile: Self.fixture + "/submission/answers.yaml", encoding: .utf8)
            try Self.edit(submission + "/answers.yaml") { $0 + answers }
        }
    }

    static func edit(_ path: String, _ change: (String) -> String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the edit of \(path) changed nothing")
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The 1-based line of `path` that contains `text`.
    static func line(of text: String, in path: String) throws -> Int {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    func validate() throws -> CLI.Run {
        try CLI.grader(["validate", problems, "--reference-submission", submission])
    }
}

/// One deliberate break of the fifth problem and the diagnostic `grader validate` must print for it.
struct BrokenDefinition: Sendable, CustomTestStringConvertible {
    let name: String
    var listed = true
    var answered = true
    /// Breaks the copy; returns the diagnostic expected on stdout.
    let breakIt: @Sendable (FifthProblem) throws -> String

    var testDescription: String { name }

    static let all: [BrokenDefinition] = [
        BrokenDefinition(name: "an unknown key") { fifth in
            try FifthProblem.edit(fifth.definition) {
                $0.replacingOccurrences(of: "significant-figures: 4", with: "significant-figure: 4")
            }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "significant-figure:", in: fifth.definition)): \
                error: unknown key `significant-figure`
                """
        },
        BrokenDefinition(name: "a wrong type") { fifth in
            try FifthProblem.edit(fifth.definition) { $0.replacingOccurrences(of: "trials: 10", with: "trials: ten") }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "trials: ten", in: fifth.definition)): error: \
                `trials` must be a whole number, found `ten`
                """
        },
        BrokenDefinition(name: "a problem without parts") { fifth in
            try FifthProblem.edit(fifth.definition) {
                String($0[..<$0.range(of: "parts:")!.lowerBound]) + "parts: []\n"
            }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "parts: []", in: fifth.definition)): error: \
                `parts` must be a non-empty list
                """
        },
        BrokenDefinition(name: "assignment points that do not add up") { fifth in
            try FifthProblem.edit(fifth.assignment) { $0.replacingOccurrences(of: "points: 43", with: "points: 30") }
            return
                """
                \(fifth.assignment):\(try FifthProblem.line(of: "points: 30", in: fifth.assignment)): error: \
                `points: 30` but the problems' parts add up to 43
                """
        },
        BrokenDefinition(name: "problem points that do not add up") { fifth in
            try FifthProblem.edit(fifth.definition) { $0.replacingOccurrences(of: "points: 10", with: "points: 12") }
            return "\(fifth.definition):3: error: `points: 12` but the parts add up to 10"
        },
        BrokenDefinition(name: "a tolerance that accepts zero") { fifth in
            try FifthProblem.edit(fifth.definition) { $0.replacingOccurrences(of: "rtol: 1e-6", with: "rtol: 2") }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "id: gradient-logits", in: fifth.definition)): \
                error: part `gradient-logits`: rtol 2, atol 1e-09 accepts an answer of all zeros
                """
        },
        BrokenDefinition(name: "a mistake the tolerance accepts") { fifth in
            try FifthProblem.edit(fifth.definition) {
                $0.replacingOccurrences(of: "answer: 3.321928095", with: "answer: 2.3026")
            }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "answer: 2.3026", in: fifth.definition)): error: \
                part `uniform-entropy`: this mistake's value 2.3026 is accepted by the part's tolerance
                """
        },
        BrokenDefinition(name: "a mistake the trials never exercise") { fifth in
            try FifthProblem.edit(fifth.reference) {
                $0 + "\nfunc gradientWithoutShift(logits: [Double], label: Int) -> [Double] {\n"
                    + "    let e = logits.map { exp($0) }\n    let s = e.reduce(0, +)\n"
                    + "    return e.indices.map { e[$0] / s - ($0 == label ? 1 : 0) }\n}\n"
            }
            try FifthProblem.edit(fifth.definition) {
                $0
                    + """
                          - implementation: gradientWithoutShift\n        feedback: Subtract max(z) before exp so \
                    that it cannot overflow.\n
                    """
            }
            let line = try FifthProblem.line(of: "implementation: gradientWithoutShift", in: fifth.definition)
            return """
                \(fifth.definition):\(line): error: part `crossEntropyGradient`: the mistake \
                `gradientWithoutShift` gives the reference's outputs on all 10 public and 10 hidden trials
                """
        },
        BrokenDefinition(name: "an infinite wall-clock limit") { fifth in
            try FifthProblem.edit(fifth.definition) {
                $0.replacingOccurrences(of: "parts:", with: "limits:\n  wall-seconds: .inf\nparts:")
            }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "wall-seconds: .inf", in: fifth.definition)): \
                error: `limits.wall-seconds` must be a positive, finite number of seconds, at most 3600 (found inf)
                """
        },
        BrokenDefinition(name: "a CPU limit of zero") { fifth in
            try FifthProblem.edit(fifth.definition) {
                $0.replacingOccurrences(of: "parts:", with: "limits:\n  cpu-seconds: 0\nparts:")
            }
            return
                """
                \(fifth.definition):\(try FifthProblem.line(of: "cpu-seconds: 0", in: fifth.definition)): error: \
                `limits.cpu-seconds` must be a positive, finite number of seconds, at most 3600 (found 0); there \
                is no setting for \"no limit\"
                """
        },
        BrokenDefinition(name: "a reference that does not compile") { fifth in
            try FifthProblem.edit(fifth.reference) { $0 + "\nfunc broken( {\n" }
            return
                """
                \(fifth.reference): error: problem `softmax-cross-entropy`: the reference implementation failed: \
                it does not compile
                """
        },
        BrokenDefinition(name: "a problem folder left out of assignment.yaml", listed: false) { fifth in
            """
            \(fifth.assignment): error: the problem folder `softmax-cross-entropy` is not listed under \
            `problems:`, so it is never graded
            """
        },
        BrokenDefinition(name: "a reference submission short of full marks", answered: false) { fifth in
            "error: the reference submission gets 0/2 on `softmax-cross-entropy.gradient-logits`"
        },
    ]
}

/// `grader validate`, `grader show` and the problem format as an instructor uses them.
@Suite("problem authoring")
struct AuthoringTests {
    @Test("validate passes on the three bundled assignments and grades each reference submission at full marks")
    func validateBundled() throws {
        let run = try CLI.grader(["validate"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("== hw6\n") && run.stdout.contains("== calculus-backprop\n"))
        #expect(run.stdout.contains("== training\n"))
        #expect(run.stdout.contains("submissions/training/reference: 23/23"), "\(run.stdout)")
        // Each experiment's rule measured on the reference with other seeds and on the functions it must reject.
        #expect(run.stdout.contains("`trainRegressorWithoutStep` gets no credit on any of 3 data sets"))
        #expect(run.stdout.contains("submissions/hw6/reference: 33/33"), "\(run.stdout)")
        #expect(run.stdout.contains("submissions/calculus-backprop/reference: 42/42"), "\(run.stdout)")
        #expect(run.stdout.contains("validation passed: 5 problems, 33 points\n"))
        #expect(run.stdout.contains("validation passed: 9 problems, 42 points\n"))
        #expect(run.stdout.hasSuffix("validation passed: 3 assignments\n"), "\(run.stdout)")
        let one = try CLI.grader(["validate", "--assignment", "hw6"])
        #expect(one.status == 0 && one.stdout.hasSuffix("validation passed: 5 problems, 33 points\n"), "\(one.stdout)")
    }

    @Test("an instructor adds a fifth problem by following docs/problem-format.md")
    func fifthProblem() throws {
        let fifth = try FifthProblem()
        let run = try fifth.validate()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("softmax-cross-entropy: 4 parts, 10 points: ok"))
        #expect(run.stdout.contains("43/43"))
        #expect(run.stdout.contains("validation passed: 6 problems, 43 points"))

        let handout = try CLI.grader(["show", FifthProblem.id, "--problems", fifth.problems])
        #expect(handout.status == 0)
        #expect(handout.stdout.contains("func crossEntropyGradient(logits: [Double], label: Int) -> [Double]"))

        // A student who returns softmax(z) is told so; the four HW6 problems are unaffected.
        let wrong = CLI.temporary("fifth-wrong-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: fifth.submission, toPath: wrong)
        try FifthProblem.edit(wrong + "/\(FifthProblem.id).swift") {
            $0.replacingOccurrences(of: " - ($0 == label ? 1 : 0)", with: "")
        }
        let json = wrong + ".json"
        let graded = try CLI.grader(["grade", wrong, "--problems", fifth.problems, "--json", json])
        #expect(graded.status == 0)
        let parts = CLI.parts(try CLI.json(json))
        #expect(
            (parts["softmax-cross-entropy.crossEntropyGradient"]?["mistake"] as? String)?.contains(
                "You returned softmax(z)") == true)
        #expect(parts.filter { $0.value["status"] as? String != "passed" }.count == 1)
    }

    @Test("the complete example in docs/problem-format.md is the fixture these tests install")
    func documentedExample() throws {
        let doc = try String(contentsOfFile: CLI.root + "/docs/problem-format.md", encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let lines = current { blocks.append(lines.joined(separator: "\n") + "\n") }
                current = current == nil ? [] : nil
            } else {
                current?.append(line)
            }
        }
        for file in ["problem.yaml", "reference.swift"] {
            let text = try String(contentsOfFile: "\(FifthProblem.fixture)/\(FifthProblem.id)/\(file)", encoding: .utf8)
            // The fixture's first line is a comment saying where it comes from; the document leaves it out.
            let body = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[1]
            #expect(blocks.contains(String(body)), "docs/problem-format.md does not show \(file) as the fixture has it")
        }
    }

    @Test("validate fails with a precise message on a broken definition", arguments: BrokenDefinition.all)
    func broken(_ broken: BrokenDefinition) throws {
        let fifth = try FifthProblem(listed: broken.listed, answered: broken.answered)
        let expected = try broken.breakIt(fifth)
        let run = try fifth.validate()
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains(expected), "expected `\(expected)` in:\n\(run.stdout)")
        #expect(run.stdout.contains("validation failed"))
    }

    @Test("validate fails a property check whose tolerance overflows, naming the output it accepts")
    func overflowingCheck() throws {
        let problems = CLI.temporary("overflowing-check-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: CLI.root + "/problems/calculus-backprop", toPath: problems)
        // The check as it was: a tolerance that grows with the norm of w, squared entries and all, and no guard.
        try FifthProblem.edit(problems + "/least-squares/reference.swift") {
            $0.replacingOccurrences(
                of: "let normW = euclideanNorm(output)", with: "let normW = sqrt(output.reduce(0) { $0 + $1 * $1 })"
            )
            .replacingOccurrences(
                of: "guard tolerance.isFinite, normalResidual.allSatisfy(\\.isFinite) else {", with: "guard true else {"
            )
        }
        let run = try CLI.grader([
            "validate", problems, "--reference-submission", CLI.root + "/submissions/calculus-backprop/reference",
        ])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let line = try FifthProblem.line(
            of: "- id: maximumLikelihoodWeights", in: problems + "/least-squares/problem.yaml")
        #expect(
            run.stdout.contains(
                """
                least-squares/problem.yaml:\(line): error: part `maximumLikelihoodWeights`: the check \
                `maximumLikelihoodCheck` accepts 1e200 in every entry on trial 1
                """
            ),
            "\(run.stdout)")
    }

    @Test("validate warns, without failing, when a multiple-choice answer earns points for nothing or for everything")
    func multipleChoiceWarning() throws {
        let fifth = try FifthProblem()
        let all = "[relu, leaky-relu, identity, sigmoid, tanh, elu, gelu]"
        try FifthProblem.edit(fifth.problems + "/dropout-equivalence/problem.yaml") {
            $0.replacingOccurrences(of: "answer: [relu, leaky-relu, identity]", with: "answer: \(all)")
        }
        try FifthProblem.edit(fifth.submission + "/answers.yaml") {
            $0.replacingOccurrences(
                of: "commuting-activations: [relu, leaky-relu, identity]", with: "commuting-activations: \(all)")
        }
        let run = try fifth.validate()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(
            run.stdout.contains("warning: part `commuting-activations`: selecting every option earns 3 of 3 points"),
            "\(run.stdout)")
        #expect(!run.stdout.contains("an empty answer earns"))
        // The bundled problems give nothing for nothing.
        #expect(!(try CLI.grader(["validate"])).stdout.contains("warning:"))
    }

    @Test("show prints the handout without answers, hints or known mistakes")
    func show() throws {
        let run = try CLI.grader(["show", "residual-jacobians"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("# Jacobians of a residual network"))
        #expect(
            run.stdout.contains(
                """
                func residualGradients(weights: [[[Double]]], biases: [[Double]], x: [Double]) -> (weights: \
                [[[Double]]], biases: [[Double]])
                """
            ))
        #expect(run.stdout.contains("Answer in `answers.yaml` under `residual-jacobians:`"))
        for secret in [
            "handoutGradients", "relu' taken as 1", "relu'(z) is 1 for z > 0", "jacobianWithIdentityOffDiagonal",
            "[4, -2]",
        ] {
            #expect(!run.stdout.contains(secret), "the handout shows `\(secret)`")
        }
        let unknown = try CLI.grader(["show", "no-such-problem"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no problem `no-such-problem`"))
    }
}
