import Testing

@testable import GraderCore

@Suite("GitHub workflow commands")
struct GitHubReporterTests {
    @Test("escaping keeps every annotation on one line and its properties intact")
    func escaping() {
        #expect(GitHubReporter.data("50% done\r\nnext") == "50%25 done%0D%0Anext")
        #expect(GitHubReporter.property("a:b,c") == "a%3Ab%2Cc")
        // A `%` or comma a combining accent follows is still one to the runner: escaped all the same.
        #expect(
            GitHubReporter.data("x%\u{301}0A::error::forged").utf8.elementsEqual("x%25\u{301}0A::error::forged".utf8))
        #expect(GitHubReporter.property("a,\u{301}title=x").utf8.elementsEqual("a%2C\u{301}title=x".utf8))
        #expect(GitHubReporter.join("./submissions/hw6/bob/", "answers.yaml") == "submissions/hw6/bob/answers.yaml")
        #expect(GitHubReporter.join(".", "answers.yaml") == "answers.yaml")
    }

    @Test("a part short of full marks becomes one ::error at its file and line; passed and skipped parts none")
    func annotations() {
        func part(_ id: String, _ status: PartGrade.Status, file: String?, line: Int?) -> PartGrade {
            var grade = PartGrade(
                problem: "p", id: id, kind: .real, status: status, outcome: status == .passed ? .passed : .wrong,
                score: 0, maxScore: 1,
                message: "off by 1%\nsecond line", details: [], mistake: nil, output: nil)
            grade.file = file
            grade.line = line
            return grade
        }
        let report = GradeReport(
            graderVersion: "t", assignment: "A", submission: "./work", score: 0, maxScore: 3,
            problems: [
                ProblemGrade(
                    id: "p", title: "P", score: 0, maxScore: 3,
                    parts: [
                        part("a", .failed, file: "answers.yaml", line: 7), part("b", .passed, file: "p.swift", line: 2),
                        part("c", .skipped, file: nil, line: nil),
                    ])
            ],
            warnings: [], sandbox: SandboxStatus(mode: .namespaces, note: ""), limits: SandboxLimits())
        #expect(
            GitHubReporter().render(report)
                == "::error file=work/answers.yaml,line=7,title=p.a 0/1::off by 1%25%0Asecond line\n")
    }
}
