import Foundation
import Testing

/// The second assignment end to end: its reference gets full marks, carol's and dan's realistic mistakes get their
/// targeted feedback (seed students' mistakes of DESIGN 4b and 4d among them), commands pick the assignment, and
/// validate rejects a gradient check it cannot run.
@Suite("calculus-backprop, end to end")
struct CalculusCLITests {
    /// Grades `submission` (auto-detecting the assignment) and returns its parts by `problem.part`.
    static func grade(_ submission: String, _ extra: [String] = []) throws -> (
        parts: [String: [String: Any]], junit: String, run: CLI.Run
    ) {
        let json = CLI.temporary("calculus-\(UInt32.random(in: 0...UInt32.max)).json")
        let junit = json + ".xml"
        let run = try CLI.grader(["grade", submission, "--json", json, "--junit", junit] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return (CLI.parts(try CLI.json(json)), junit, run)
    }

    /// Formula answers in LaTeX, graded from a folder: the feedback says how each was read, with the known mistake's
    /// form beside it, and the class overview typesets the mistakes' formulas in MathML, with nothing to load.
    @Test("LaTeX answers are graded from a folder; feedback and the overview show the formulas as read")
    func latexAnswers() throws {
        let root = CLI.temporary("latex-class-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: CLI.root + "/submissions/calculus-backprop/reference", toPath: root + "/erin")
        try """
        student: erin
        matrix-derivatives:
          trace-square: '$2\\mathbf{X}$'
          trace-cube: '3\\left(X^{T}\\right)^{2}'
          frobenius: '\\mathbf{B}'
          quadratic-form: '(X + X^\\top)w'
        logistic-regression:
          gradient: 'X^\\top\\left(\\sigma(Xw) - y\\right) + 2w'
        least-squares:
          closed-form: '(X^{T}X)^{-1}X^{T}y'

        """.write(toFile: root + "/erin/answers.yaml", atomically: true, encoding: .utf8)
        let out = root + "-out"
        let run = try CLI.grader([
            "batch", root, "--out", out, "--problems", CLI.root + "/problems/calculus-backprop", "--cache",
            root + "-cache",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let parts = CLI.parts(try CLI.json(out + "/erin/results.json"))
        for id in ["trace-cube", "frobenius", "quadratic-form"] {
            #expect(parts["matrix-derivatives.\(id)"]?["status"] as? String == "passed", "\(id)")
        }
        #expect(parts["logistic-regression.gradient"]?["status"] as? String == "passed")
        #expect(parts["least-squares.closed-form"]?["status"] as? String == "passed")
        let square = parts["matrix-derivatives.trace-square"] ?? [:]
        #expect(square["status"] as? String == "failed")
        #expect(square["mistakeFormula"] as? String == "2 X", "\(square)")
        let feedback = try String(contentsOfFile: out + "/erin/feedback.md", encoding: .utf8)
        #expect(feedback.contains("Read as $2 X$, the known mistake $2 X$."), "\(feedback)")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("<math display=\"inline\"><mrow><mn>2</mn><mo>&#x2062;</mo><mi>X</mi></mrow></math>"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
    }

    @Test("the reference submission gets 42/42, found from its files among the assignments")
    func referenceFullMarks() throws {
        let (parts, junit, run) = try Self.grade("submissions/calculus-backprop/reference")
        #expect(parts.count == 18)
        for (id, part) in parts { #expect(part["status"] as? String == "passed", "\(id): \(part["message"] ?? "")") }
        #expect(run.stdout.contains("total: 42/42"))
        #expect(try CLI.validate(junit))
    }

    @Test(
        "carol's and dan's mistakes are named, seed students' mistakes included",
        arguments: [
            ("carol", "matrix-derivatives.trace-square", "2 X is the derivative only when X is symmetric"),
            ("carol", "matrix-derivatives.frobenius", "B^T is the derivative of tr(A B)"),
            ("carol", "logistic-regression.l2LogisticGradient", "leaves out the regulariser"),
            ("carol", "residual-sigmoid-network.residualNetworkGradients", "sigmoid'(w2_j h_j)"),
            ("carol", "softmax-cross-entropy.crossEntropyLoss", "inf or NaN for large logits"),
            ("carol", "backprop-mlp.activationDerivative", "Your relu'(0) is 1"),
            ("carol", "dead-relu.leaky-unit-update", "Your forward pass used h_j = relu(u) = 0"),
            ("dan", "matrix-derivatives.trace-cube", "3 X^2 is the derivative only when X is symmetric"),
            ("dan", "matrix-derivatives.quadratic-form", "2 X w is the derivative only when X is symmetric"),
            ("dan", "bipolar-sigmoid.bipolarSigmoidGradient", "derivative of the logistic sigmoid"),
            ("dan", "softmax-cross-entropy.crossEntropyGradient", "sign"),
            ("dan", "skip-network.skipNetworkInputGradient", "w13 relu'(a2) w12 relu'(x)"),
            ("dan", "backprop-mlp.mlpGradients", "leaves out the activation's derivative"),
        ])
    func targetedFeedback(student: String, part: String, feedback: String) throws {
        let (parts, _, _) = try Self.grade("submissions/calculus-backprop/\(student)")
        let graded = try #require(parts[part])
        #expect(graded["status"] as? String != "passed")
        #expect(
            (graded["mistake"] as? String)?.contains(feedback) == true,
            "\(part): \(graded["mistake"] ?? "no mistake named") / \(graded["message"] ?? "")")
    }

    @Test("carol's and dan's right parts pass, so feedback is not blanket")
    func rightPartsPass() throws {
        let carol = try Self.grade("submissions/calculus-backprop/carol").parts
        for id in [
            "matrix-derivatives.trace-cube", "least-squares.maximumLikelihoodWeights", "backprop-mlp.mlpGradients",
            "skip-network.skipNetworkInputGradient",
        ] {
            #expect(carol[id]?["status"] as? String == "passed", "carol \(id)")
        }
        let dan = try Self.grade("submissions/calculus-backprop/dan").parts
        for id in [
            "matrix-derivatives.trace-square", "least-squares.closed-form", "least-squares.maximumLikelihoodWeights",
            "residual-sigmoid-network.residualNetworkGradients", "dead-relu.leaky-unit-update",
        ] {
            #expect(dan[id]?["status"] as? String == "passed", "dan \(id)")
        }
    }

    @Test(
        "a least-squares answer the normal equations accept passes the property check; one they reject gets its message"
    )
    func propertyCheck() throws {
        let folder = CLI.temporary("normal-equations-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(atPath: CLI.root + "/submissions/calculus-backprop/reference", toPath: folder)
        // Another right method: gradient descent run to convergence, not the closed form.
        let iterative = """
            func maximumLikelihoodWeights(X: [[Double]], y: [Double]) -> [Double] {
                let n = X[0].count
                var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
                var rhs = [Double](repeating: 0, count: n)
                for (row, target) in zip(X, y) {
                    for i in 0..<n { rhs[i] += row[i] * target; for j in 0..<n { gram[i][j] += row[i] * row[j] } }
                }
                // Gauss-Seidel on the normal equations until they hold.
                var w = [Double](repeating: 0, count: n)
                for _ in 0..<200_000 {
                    for i in 0..<n {
                        var s = rhs[i]
                        for j in 0..<n where j != i { s -= gram[i][j] * w[j] }
                        w[i] = s / gram[i][i]
                    }
                }
                return w
            }
            """
        try iterative.write(toFile: folder + "/least-squares.swift", atomically: true, encoding: .utf8)
        let passed = try Self.grade(folder, ["--only", "least-squares"]).parts
        #expect(
            passed["least-squares.maximumLikelihoodWeights"]?["status"] as? String == "passed",
            "\(passed["least-squares.maximumLikelihoodWeights"] ?? [:])")
        let off =
            """
            func maximumLikelihoodWeights(X: [[Double]], y: [Double]) -> [Double] { Array(repeating: 0.5, count: \
            X[0].count) }\n
            """
        try off.write(toFile: folder + "/least-squares.swift", atomically: true, encoding: .utf8)
        let failed = try #require(
            try Self.grade(folder, ["--only", "least-squares"]).parts["least-squares.maximumLikelihoodWeights"])
        #expect(failed["status"] as? String == "failed")
        #expect(
            (failed["details"] as? [String])?.contains {
                $0.contains("The check of what the output must satisfy says:")
            } == true, "\(failed)")
    }

    @Test(
        """
        commands pick the assignment: list shows both, --assignment chooses, an unknown one or an empty folder is \
        refused
        """
    )
    func choosingTheAssignment() throws {
        let list = try CLI.grader(["list"])
        #expect(
            list.stdout.contains("calculus-backprop") && list.stdout.contains("hw6")
                && list.stdout.contains("training") && list.stdout.contains("3 assignments"))
        let one = try CLI.grader(["list", "--assignment", "calculus-backprop"])
        #expect(one.stdout.contains("trace-square  [formula, 1 pt, in answers.yaml]"), "\(one.stdout)")
        let viaFolder = try CLI.grader(["list", "--problems", "problems/calculus-backprop"])
        #expect(viaFolder.stdout == one.stdout)
        let unknown = try CLI.grader(["list", "--assignment", "hw7"])
        #expect(
            unknown.status == 2 && unknown.stderr.contains("no assignment `hw7`")
                && unknown.stderr.contains("calculus-backprop, hw6"))
        let empty = CLI.temporary("empty-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let undecided = try CLI.grader(["grade", empty])
        #expect(undecided.status == 2 && undecided.stderr.contains("--assignment"), "\(undecided.stderr)")
        let show = try CLI.grader(["show", "matrix-derivatives"])
        #expect(show.status == 0 && show.stdout.contains("a formula in `X`"), "\(show.stdout)")
        // The example is never a key: `2*X^T`, the key of trace-square, was once the example of every formula part.
        #expect(!show.stdout.contains("2*X^T"), "\(show.stdout)")
        #expect(show.stdout.contains("e.g. `trace-square: \"0.5*X^T*X\"`"), "\(show.stdout)")
        let hw6 = try CLI.grader(["grade", "submissions/hw6/alice"])
        #expect(hw6.stdout.contains("total: 11.44/33"), "HW6 grades as before in its new place")
    }

    @Test(
        "grader answers prints the key of every answer part, formulas included, and the sheet gets full marks on them",
        arguments: ["hw6", "calculus-backprop"])
    func answerSheetCoversEveryKind(assignment: String) throws {
        let sheet = try CLI.grader(["answers", "--assignment", assignment, "--student", "s1"])
        #expect(sheet.status == 0, "\(sheet.stderr)")
        #expect(!sheet.stdout.contains("no key in this folder"), "\(sheet.stdout)")
        if assignment == "calculus-backprop" {
            #expect(sheet.stdout.contains("  trace-square: \"2*X^T\"\n"), "\(sheet.stdout)")
            #expect(sheet.stdout.contains("  gradient: \"X^T*(sigmoid(X*w) - y) + 2*w\"\n"), "\(sheet.stdout)")
            #expect(
                sheet.stdout.contains("  #   known mistake \"2*X\": 2 X is the derivative only when X is symmetric."),
                "\(sheet.stdout)")
            #expect(sheet.stdout.contains("  leaky-unit-update: [0.001575, 0.00105]\n"), "\(sheet.stdout)")
        }
        let folder = CLI.temporary("answer-sheet-\(assignment)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try sheet.stdout.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
        let graded = try CLI.grader(["grade", folder, "--assignment", assignment, "--json", folder + "/results.json"])
        #expect(graded.status == 0, "\(graded.stderr)")
        let report = try CLI.json(folder + "/results.json")
        var answerParts = 0
        for problem in report["problems"] as! [[String: Any]] {
            for part in problem["parts"] as! [[String: Any]]
            where !["snippet", "experiment"].contains(part["kind"] as? String) {
                answerParts += 1
                #expect(part["status"] as? String == "passed", "\(problem["id"]!).\(part["id"]!): \(part["message"]!)")
            }
        }
        #expect(answerParts >= 4)
    }

    @Test("validate warns when a text a student sees states a formula part's key, in prose or in calculator syntax")
    func validateWarnsOfStatedKeys() throws {
        let bundled = try CLI.grader(["validate", "--assignment", "calculus-backprop"])
        #expect(bundled.status == 0 && !bundled.stdout.contains("the answer of"), "\(bundled.stdout)")
        // The public trials of l2LogisticGradient show its mistakes' feedback: spelling the gradient out there hands
        // every student the key of logistic-regression.gradient before any grading.
        let leaky = try CLI.problemsCopy(
            "leaky-feedback", assignment: "calculus-backprop", editing: "logistic-regression"
        ) {
            $0.replacingOccurrences(
                of: "feedback: The derivative of ||w||^2 is 2 w; your gradient adds w.",
                with: "feedback: The gradient is X^T (sigmoid(X w) - y) + 2 w; your gradient adds w.")
        }
        let run = try CLI.grader(["validate", leaky, "--no-reference-submission"])
        #expect(run.status == 0, "a warning, not an error: \(run.stdout)")
        let line = try FifthProblem.line(of: "The gradient is X^T", in: leaky + "/logistic-regression/problem.yaml") - 1
        #expect(
            run.stdout.contains(
                """
                logistic-regression/problem.yaml:\(line): warning: this text states `X^T*(sigmoid(X*w) - y) + \
                2*w`, the answer of `logistic-regression.gradient`; the student kit shows it to everyone
                """
            ), "\(run.stdout)")
        // A formula part's own hint may explain its answer once it is graded wrong, but not another part's.
        let hinted = try CLI.problemsCopy("leaky-hint", assignment: "calculus-backprop", editing: "matrix-derivatives")
        {
            $0.replacingOccurrences(
                of: "hint: Write tr(X^2) = sum_ij X_ij X_ji and differentiate with respect to one entry X_ab.",
                with: "hint: Compare with d x^T X x / dx = (X + X^T) w, and write 3 (X^2)^T for the cube.")
        }
        let hint = try CLI.grader(["validate", hinted, "--no-reference-submission"])
        #expect(
            hint.stdout.contains(
                """
                the answer of `matrix-derivatives.trace-cube`; a student sees it once \
                `matrix-derivatives.trace-square` is graded
                """
            ), "\(hint.stdout)")
        #expect(hint.stdout.contains("the answer of `matrix-derivatives.quadratic-form`"), "\(hint.stdout)")
    }

    @Test(
        """
        validate rejects a gradient check of a function the reference does not define, or of an argument of the \
        wrong shape
        """
    )
    func validateGradientChecks() throws {
        let missing = try CLI.problemsCopy("missing-loss", assignment: "calculus-backprop", editing: "backprop-mlp") {
            $0.replacingOccurrences(of: "function: mlpLoss", with: "function: mlpLos")
        }
        let run = try CLI.grader(["validate", missing, "--no-reference-submission"])
        #expect(run.status == 1)
        #expect(
            run.stdout.contains("`gradient-of` names `mlpLos`, which reference.swift does not define"), "\(run.stdout)")
        let wrongShape = try CLI.problemsCopy("wrong-shape", assignment: "calculus-backprop", editing: "backprop-mlp") {
            $0.replacingOccurrences(
                of: "with-respect-to: [weights, biases]", with: "with-respect-to: [biases, weights]")
        }
        let shapeRun = try CLI.grader(["validate", wrongShape, "--no-reference-submission"])
        #expect(shapeRun.status == 1)
        #expect(shapeRun.stdout.contains("must have its shape"), "\(shapeRun.stdout)")
        let notParameter = try CLI.problemsCopy(
            "not-parameter", assignment: "calculus-backprop", editing: "backprop-mlp"
        ) {
            $0.replacingOccurrences(of: "with-respect-to: [weights, biases]", with: "with-respect-to: [weights, bias]")
        }
        #expect(
            try CLI.grader(["validate", notParameter, "--no-reference-submission"]).stdout.contains(
                "`bias`, which is not a parameter"))
    }

    @Test(
        """
        the student kit of the second assignment: formulas are read for form and wait, functions run their public \
        trials
        """
    )
    func studentKit() throws {
        let kit = CLI.temporary("calculus-kit-\(UInt32.random(in: 0...UInt32.max))")
        let assign = try CLI.grader(["assign", "--assignment", "calculus-backprop", "--out", kit, "--no-gradescope"])
        #expect(assign.status == 0, "\(assign.stderr)")
        let definition = try String(contentsOfFile: kit + "/student/matrix-derivatives/problem.yaml", encoding: .utf8)
        #expect(
            !definition.contains("2*X^T") && !definition.contains("2*X'") && !definition.contains("feedback"),
            "the kit holds a formula answer")
        #expect(!FileManager.default.fileExists(atPath: kit + "/student/backprop-mlp/reference.swift"))
        let check = try Self.grade("submissions/calculus-backprop/reference", ["--problems", kit + "/student"]).parts
        #expect(check["matrix-derivatives.trace-square"]?["status"] as? String == "pending")
        #expect(check["backprop-mlp.mlpGradients"]?["status"] as? String == "passed")
        #expect(check["softmax-cross-entropy.crossEntropyLoss"]?["status"] as? String == "passed")
        // The overflow's feedback stays in the kit: public checks explain inf and NaN on the extreme logits.
        let carol = try Self.grade("submissions/calculus-backprop/carol", ["--problems", kit + "/student"]).parts
        #expect(
            (carol["softmax-cross-entropy.crossEntropyLoss"]?["mistake"] as? String)?.contains("inf or NaN") == true)
        #expect(
            carol["residual-sigmoid-network.residualNetworkGradients"]?["mistake"] != nil,
            "implementation mistakes live on as public outputs")
        // relu'(0) = 1 fails only the public trial at the kink, and its outputs there name the mistake.
        #expect(
            (carol["backprop-mlp.activationDerivative"]?["mistake"] as? String)?.contains("Your relu'(0) is 1") == true,
            "\(carol["backprop-mlp.activationDerivative"] ?? [:])")
        let malformed = CLI.temporary("calculus-malformed-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(
            atPath: CLI.root + "/submissions/calculus-backprop/reference", toPath: malformed)
        try FifthProblem.edit(malformed + "/answers.yaml") {
            $0.replacingOccurrences(of: "trace-square: \"2*X'\"", with: "trace-square: \"2*X'(\"")
        }
        let form = try Self.grade(malformed, ["--problems", kit + "/student"]).parts
        #expect(
            form["matrix-derivatives.trace-square"]?["status"] as? String == "failed",
            "\(form["matrix-derivatives.trace-square"] ?? [:])")
        let final = try Self.grade(
            "submissions/calculus-backprop/reference", ["--problems", kit + "/autograder", "--student", "reference"])
        #expect(final.run.stdout.contains("total: 42/42"), "\(final.run.stdout)")
    }
}
