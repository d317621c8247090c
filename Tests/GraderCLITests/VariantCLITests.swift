import Foundation
import Testing

/// Per-student numbers end to end (handouts, keys, grading, batch) and the class's similarity report.
@Suite("variants and similarity", .serialized)
struct VariantCLITests {
    /// The numeric parts whose key follows the student's variant.
    static let variantParts = [
        "variance-recursion.output-variance", "residual-jacobians.gradient-b1", "residual-jacobians.gradient-A2",
        "parameter-counts.resnext-naive", "parameter-counts.resnext-split",
    ]

    @Test("a student's answer key gets full marks as that student and loses every varying part as another")
    func answersBelongToTheirStudent() throws {
        let folder = CLI.temporary("ann-\(UInt32.random(in: 0...UInt32.max))") + "/ann"
        try CLI.fullMarksCopy(at: folder)
        let json = CLI.temporary("ann.json")
        let own = try CLI.grader(["grade", folder, "--json", json])
        #expect(own.status == 0, "\(own.stderr)")
        #expect(try CLI.json(json)["score"] as? Double == 33)
        #expect(try CLI.json(json)["student"] as? String == "ann")
        // The same answers handed in as another student: `--student` wins over `student:` in answers.yaml.
        let other = try CLI.grader(["grade", folder, "--student", "ben", "--json", json])
        #expect(other.status == 0)
        let parts = CLI.parts(try CLI.json(json))
        for id in Self.variantParts {
            #expect(parts[id]?["status"] as? String == "failed", "\(id) as ben: \(parts[id] ?? [:])")
        }
        #expect(parts["parameter-counts.mlp"]?["status"] as? String == "passed")
        #expect(other.stdout.contains("answers.yaml: warning: `student: ann`, but this submission is graded as `ben`"))
        // No id at all: the handout's own numbers, and a note that says so.
        let anonymous = try String(contentsOfFile: folder + "/answers.yaml", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("student:") }.joined(separator: "\n")
        try anonymous.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
        let unnamed = try CLI.grader(["grade", folder])
        #expect(unnamed.stdout.contains("no student id"))
    }

    @Test("known mistakes follow the variant: alice's relu' and bias slips are named on her own numbers")
    func mistakesFollowTheVariant() throws {
        let json = CLI.temporary("alice-variant.json")
        #expect(try CLI.grader(["grade", CLI.root + "/submissions/hw6/alice", "--json", json]).status == 0)
        let parts = CLI.parts(try CLI.json(json))
        #expect((parts["residual-jacobians.gradient-b1"]?["mistake"] as? String)?.contains("relu' taken as 1") == true)
        #expect((parts["residual-jacobians.gradient-A2"]?["mistake"] as? String)?.contains("inactive unit") == true)
        #expect(
            (parts["parameter-counts.resnext-naive"]?["mistake"] as? String)?.contains("leaves the biases out") == true)
        #expect(
            (parts["parameter-counts.resnext-split"]?["mistake"] as? String)?.contains("grouped-convolution block")
                == true)
        // Her numbers are not the handout's own: the same answers as `reference` name no mistake.
        let asReference = try CLI.grader([
            "grade", CLI.root + "/submissions/hw6/alice", "--student", "reference", "--json", json,
        ])
        #expect(asReference.status == 0)
        #expect(CLI.parts(try CLI.json(json))["residual-jacobians.gradient-b1"]?["mistake"] == nil)
    }

    @Test("hints quote the student's own numbers, in answer parts and in functions")
    func hintsFollowTheVariant() throws {
        let problems = try CLI.problemsCopy("hints", editing: "variance-recursion") {
            $0.replacingOccurrences(
                of: "hint: Write Var(y_l) in terms of Var(y_{l-1})",
                with: "hint: Your widths are {{widths}}; write Var(y_l) in terms of Var(y_{l-1})")
        }
        try CLI.editDefinition(of: "residual-jacobians", in: problems) {
            $0.replacingOccurrences(of: "hint: relu'(z) is 1", with: "hint: With your x = {{x}}, relu'(z) is 1")
        }
        let hint = { (student: String, part: String) throws -> String? in
            let json = CLI.temporary("\(student)-hints.json")
            let run = try CLI.grader([
                "grade", CLI.root + "/submissions/hw6/\(student)", "--problems", problems, "--json", json,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let details = CLI.parts(try CLI.json(json))[part]?["details"] as? [String] ?? []
            return details.first { $0.hasPrefix("Hint: ") }
        }
        // Bob's answer to output-variance is wrong, and so is Alice's residualLayerJacobian: both show the hint.
        let answerHint = try #require(try hint("bob", "variance-recursion.output-variance"))
        #expect(answerHint.hasPrefix("Hint: Your widths are ["), "\(answerHint)")
        #expect(!answerHint.contains("{{"), "\(answerHint)")
        let functionHint = try #require(try hint("alice", "residual-jacobians.residualLayerJacobian"))
        #expect(functionHint.hasPrefix("Hint: With your x = ["), "\(functionHint)")
        #expect(!functionHint.contains("{{"), "\(functionHint)")
    }

    @Test(
        """
        show, init and answers: the instructor's folder gives any student's handout and key; the kit needs the \
        variant key
        """
    )
    func handoutsAndKeys() throws {
        let aliceHandout = try CLI.grader(["show", "residual-jacobians", "--student", "alice"])
        let bobHandout = try CLI.grader(["show", "residual-jacobians", "--student", "bob"])
        #expect(aliceHandout.status == 0 && bobHandout.status == 0)
        #expect(aliceHandout.stdout != bobHandout.stdout && aliceHandout.stdout.contains("student `alice`"))
        #expect(!aliceHandout.stdout.contains("{{"))
        let plain = try CLI.grader(["show", "residual-jacobians"])
        #expect(plain.stdout.contains("x = [1.0, -1.0]"))

        // With a kit: the autograder folder knows the secret, the student kit only what the student is given.
        let kit = CLI.temporary("variant-kit-\(UInt32.random(in: 0...UInt32.max))")
        #expect(try CLI.grader(["assign", "--assignment", "hw6", "--out", kit, "--no-gradescope"]).status == 0)
        let key = try CLI.grader(["answers", "--student", "alice", "--problems", kit + "/autograder"])
        #expect(key.status == 0, "\(key.stderr)")
        let variantKey = try #require(
            key.stdout.split(separator: "\n").first { $0.contains("Variant key") }?.split(separator: " ").last.map(
                String.init))
        let instructorView = try CLI.grader([
            "show", "parameter-counts", "--student", "alice", "--problems", kit + "/autograder",
        ])
        #expect(instructorView.stdout.contains(variantKey))
        let refused = try CLI.grader(["show", "parameter-counts", "--student", "alice", "--problems", kit + "/student"])
        #expect(refused.status == 2 && refused.stderr.contains("--variant-key"))
        let studentView = try CLI.grader([
            "show", "parameter-counts", "--student", "alice", "--variant-key", variantKey, "--problems",
            kit + "/student",
        ])
        #expect(studentView.status == 0 && studentView.stdout == instructorView.stdout)
        let wrongKey = try CLI.grader([
            "show", "parameter-counts", "--student", "bob", "--variant-key", variantKey, "--problems",
            kit + "/autograder",
        ])
        #expect(wrongKey.status == 2 && wrongKey.stderr.contains("not the variant key of student `bob`"))
        // The kit holds no key, and answers says so.
        let noKey = try CLI.grader(["answers", "--student", "alice", "--problems", kit + "/student"])
        #expect(noKey.status == 2 && noKey.stderr.contains("no answer key"))

        // The handout's own answers, claimed with `student: reference` (or with no id), earn nothing where the
        // numbers vary: only the instructor grades as `reference`.
        let claimed = CLI.temporary("claimed.json")
        _ = try CLI.grader([
            "grade", CLI.root + "/submissions/hw6/reference", "--problems", kit + "/autograder", "--json", claimed,
        ])
        let claimedParts = CLI.parts(try CLI.json(claimed))
        for id in Self.variantParts {
            #expect(
                claimedParts[id]?["score"] as? Double == 0
                    && (claimedParts[id]?["message"] as? String)?.contains("no student id") == true, "\(id)")
        }
        #expect(claimedParts["parameter-counts.mlp"]?["status"] as? String == "passed")
        _ = try CLI.grader([
            "grade", CLI.root + "/submissions/hw6/reference", "--problems", kit + "/autograder", "--student",
            "reference", "--json", claimed,
        ])
        #expect(try CLI.json(claimed)["score"] as? Double == 33)

        // init writes the student's handout and id; the answer key, handed in, gets full marks at final grading.
        let folder = CLI.temporary("init-\(UInt32.random(in: 0...UInt32.max))")
        let initRun = try CLI.grader([
            "init", folder, "--student", "alice", "--variant-key", variantKey, "--problems", kit + "/student",
        ])
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let handout = try String(contentsOfFile: folder + "/HANDOUT.md", encoding: .utf8)
        #expect(
            handout.contains(
                instructorView.stdout.split(separator: "\n").first { $0.contains("1x1 conv") }.map(String.init)
                    ?? "missing"))
        #expect(try String(contentsOfFile: folder + "/answers.yaml", encoding: .utf8).contains("student: alice"))
        try key.stdout.write(toFile: folder + "/answers.yaml", atomically: true, encoding: .utf8)
        let json = CLI.temporary("alice-final.json")
        _ = try CLI.grader(["grade", folder, "--problems", kit + "/autograder", "--json", json])
        let parts = CLI.parts(try CLI.json(json))
        for id in Self.variantParts {
            #expect(parts[id]?["status"] as? String == "passed", "\(id): \(parts[id] ?? [:])")
        }
    }

    @Test("validate reports defaults that break a constraint and constraints too rare to give every student a variant")
    func validateConstraints() throws {
        let broken = try CLI.problemsCopy("constraints", editing: "parameter-counts") {
            $0.replacingOccurrences(of: "  - width < channels", with: "  - width < channels\n  - width > 2 * channels")
        }
        let run = try CLI.grader(["validate", broken])
        #expect(run.status != 0)
        #expect(run.stdout.contains("break the constraint `width > 2 * channels`"), "\(run.stdout)")
        #expect(run.stdout.contains("0 of 2000 draws"), "\(run.stdout)")
        let rare = try CLI.problemsCopy("rare", editing: "residual-jacobians") {
            $0.replacingOccurrences(
                of: "  - \"norm(A1*x + b1) > 0\"", with: "  - \"norm(A1*x + b1) > 0\"\n  - \"sum(A1) > 5.5\""
            )
            .replacingOccurrences(of: "default: [[0.5, -1.0], [1.5, 0.25]]", with: "default: [[2.0, 2.0], [2.0, 2.0]]")
        }
        let keyword = try CLI.problemsCopy("keyword", editing: "variance-recursion") {
            $0.replacingOccurrences(
                of: "  widths: {choices", with: "  in: {choices: [1], default: 1}\n  widths: {choices")
        }
        #expect(try CLI.grader(["validate", keyword]).stdout.contains("not a Swift keyword"))
        let spaced = try CLI.problemsCopy("spaced", editing: "variance-recursion") {
            $0.replacingOccurrences(of: "for widths {{widths}}", with: "for widths {{ widths }}")
        }
        #expect(try CLI.grader(["validate", spaced]).stdout.contains("no spaces"))
        let rareRun = try CLI.grader(["validate", rare])
        #expect(
            rareRun.stdout.contains("warning: only") && rareRun.stdout.contains("sum(A1) > 5.5"), "\(rareRun.stdout)")
    }

    /// `source` with local names renamed, helper functions moved to the end, comments and layout changed: what a
    /// student who copies and disguises a classmate's file does.
    static func disguise(_ source: String) -> String {
        var text = source
        let renames = [
            "affine": "preActivation", "z": "pre", "J": "jacobian", "activations": "inputs", "masks": "active",
            "gradW": "dW",
            "gradB": "dB", "g": "upstream", "delta": "local", "next": "carried", "L": "depth", "l": "layer", "i": "r",
            "j": "c", "d": "v",
        ]
        for (old, new) in renames {
            text = text.replacingOccurrences(of: "\\b\(old)\\b", with: new, options: .regularExpression)
        }
        // Top-level functions: the helper (first) goes last; doc comments go, other comments come.
        let functions = text.components(separatedBy: "\n\n").map { block in
            block.split(separator: "\n").filter { !$0.hasPrefix("///") }.joined(separator: "\n")
        }
        let reordered = Array(functions.dropFirst()) + [functions[0]]
        return reordered.map { block in
            "// my own work\n"
                + block.split(separator: "\n").map { (line: Substring) -> String in
                    let indent = line.prefix { $0 == " " }.count
                    return String(repeating: " ", count: indent / 2) + String(line.drop { $0 == " " })
                }.joined(separator: "\n")
        }.joined(separator: "\n\n\n") + "\n"
    }

    @Test(
        """
        batch lists a disguised copy with its matching regions side by side, never independent solutions or \
        untouched scaffolds
        """
    )
    func similarityReport() throws {
        let root = CLI.temporary("similar-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for student in ["alice", "bob"] {
            try FileManager.default.copyItem(
                atPath: CLI.root + "/submissions/hw6/\(student)", toPath: root + "/" + student)
        }
        try CLI.fullMarksCopy(at: root + "/original")
        try CLI.fullMarksCopy(at: root + "/copier")
        let original = try String(contentsOfFile: root + "/original/residual-jacobians.swift", encoding: .utf8)
        let disguised = Self.disguise(original)
        #expect(disguised != original && !disguised.contains("affine") && !disguised.contains("gradW"))
        try disguised.write(toFile: root + "/copier/residual-jacobians.swift", atomically: true, encoding: .utf8)
        // The copier's other files are their own: the original's other problems are replaced by alice's.
        for problem in ["dropout-equivalence", "variance-recursion", "parameter-counts"] {
            try? FileManager.default.removeItem(atPath: "\(root)/copier/\(problem).swift")
            try FileManager.default.copyItem(
                atPath: "\(root)/alice/\(problem).swift", toPath: "\(root)/copier/\(problem).swift")
        }
        for student in ["scaffold-1", "scaffold-2"] {
            #expect(
                try CLI.grader(["init", root + "/" + student, "--student", student, "--assignment", "hw6"]).status == 0)
        }
        // answers.yaml copied from a classmate: flagged, whatever the code.
        try FileManager.default.copyItem(
            atPath: root + "/alice/answers.yaml", toPath: root + "/scaffold-2/answers.yaml.tmp")
        try FileManager.default.removeItem(atPath: root + "/scaffold-2/answers.yaml")
        try FileManager.default.moveItem(
            atPath: root + "/scaffold-2/answers.yaml.tmp", toPath: root + "/scaffold-2/answers.yaml")

        let out = root + "-out"
        let run = try CLI.grader(["batch", root, "--out", out, "--cache", root + "-cache", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try CLI.json(out + "/summary.json")
        let pairs = summary["similarity"] as? [[String: Any]] ?? []
        let found = pairs.map {
            "\($0["problem"] as? String ?? "")/\(($0["students"] as? [String] ?? []).joined(separator: "+"))"
        }
        // The disguised copy, and the copier's three files taken from alice; nothing else.
        #expect(found.contains("residual-jacobians/copier+original"), "\(found)")
        #expect(!found.contains { $0.contains("scaffold") }, "untouched scaffolds paired: \(found)")
        #expect(
            !found.contains("residual-jacobians/alice+original") && !found.contains("residual-jacobians/alice+copier"),
            "\(found)")
        let copy = try #require(
            pairs.first {
                $0["problem"] as? String == "residual-jacobians"
                    && ($0["students"] as? [String]) == ["copier", "original"]
            })
        #expect((copy["score"] as? Double ?? 0) >= 0.6)
        let regions = copy["lines"] as? [[String: [Int]]] ?? []
        #expect(!regions.isEmpty && regions.allSatisfy { $0["a"]?.count == 2 && $0["b"]?.count == 2 })
        let scores = pairs.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >), "not highest first")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(
            html.contains("<h2>Similar code</h2>") && html.contains("class=\"pair\"") && html.contains("preActivation"))
        let flags = summary["flags"] as? [[String: Any]] ?? []
        #expect(
            flags.contains {
                $0["student"] as? String == "scaffold-2" && $0["reason"] as? String == "student-id-mismatch"
            })
        #expect(
            !flags.contains {
                $0["reason"] as? String == "student-id-mismatch" && $0["student"] as? String != "scaffold-2"
            })

        // A rerun reads each problem's pairs back from the cache; a file changed since is compared again.
        let kept = try FileManager.default.contentsOfDirectory(atPath: root + "-cache/similarity")
        #expect(kept.count == 5, "one memo per problem with code: \(kept)")
        let rerun = try CLI.grader(["batch", root, "--out", out, "--cache", root + "-cache", "--quiet"])
        #expect(rerun.status == 0)
        #expect(try CLI.json(out + "/summary.json")["similarity"] as? NSArray == pairs as NSArray)
        try FileManager.default.removeItem(atPath: root + "/copier/residual-jacobians.swift")
        try FileManager.default.copyItem(
            atPath: root + "/alice/residual-jacobians.swift", toPath: root + "/copier/residual-jacobians.swift")
        #expect(try CLI.grader(["batch", root, "--out", out, "--cache", root + "-cache", "--quiet"]).status == 0)
        let after = (try CLI.json(out + "/summary.json")["similarity"] as? [[String: Any]] ?? []).map {
            "\($0["problem"] as? String ?? "")/\(($0["students"] as? [String] ?? []).joined(separator: "+"))"
        }
        #expect(
            after.contains("residual-jacobians/alice+copier") && !after.contains("residual-jacobians/copier+original"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "-cache/similarity").count == 5)

        let quiet = try CLI.grader([
            "batch", root, "--out", out, "--cache", root + "-cache", "--quiet", "--no-similarity",
        ])
        #expect(quiet.status == 0)
        #expect((try CLI.json(out + "/summary.json")["similarity"] as? [Any])?.isEmpty == true)
    }
}
