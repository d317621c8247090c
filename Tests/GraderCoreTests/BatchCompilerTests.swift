import Testing

@testable import GraderCore

@Suite("Shared compilation and class reports")
struct BatchCompilerTests {
    @Test("top-level declarations become file-private on their own lines; nothing else changes")
    func rewrites() throws {
        let source = """
            import Foundation

            /// Doc comment with func inside: func fake() {}
            func outputVariance(widths: [Int]) -> Double {
                let s = "a { string } with \\(widths.count) and \\("nested \\("deep")")"
                return Double(s.count) /* a { comment */
            }
            private func helper() -> Int { 1 }
            public struct Layer { var n: Int; func f() -> Int { n } }
            @inline(__always)
            internal func scaled(_ x: Double) -> Double { x * 2 }
            let constant = 3.0
            var counter = 0
            extension Array where Element == Double { func total() -> Double { reduce(0, +) } }
            enum Mode { case a, b }
            typealias Vector = [Double]
            let raw = #"quote " inside"#
            let multi = \"\"\"
                func notADeclaration() {}
                \"\"\"
            """
        let rewritten = try #require(FileprivateRewriter.rewrite(source))
        let lines = rewritten.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == source.split(separator: "\n", omittingEmptySubsequences: false).count)
        #expect(lines[3] == "fileprivate func outputVariance(widths: [Int]) -> Double {")
        #expect(lines[7] == "private func helper() -> Int { 1 }")
        #expect(lines[8] == "fileprivate struct Layer { var n: Int; func f() -> Int { n } }")
        #expect(lines[10] == "fileprivate func scaled(_ x: Double) -> Double { x * 2 }")
        #expect(lines[11] == "fileprivate let constant = 3.0")
        #expect(lines[12] == "fileprivate var counter = 0")
        #expect(lines[13].hasPrefix("fileprivate extension Array where"))
        #expect(lines[14] == "fileprivate enum Mode { case a, b }")
        #expect(lines[15] == "fileprivate typealias Vector = [Double]")
        #expect(lines[16] == "fileprivate let raw = #\"quote \" inside\"#")
        #expect(lines[18] == "    func notADeclaration() {}")
        #expect(lines[0] == "import Foundation")
    }

    @Test("a signature written over several lines, as swift-format writes long ones, still goes the shared path")
    func multilineSignature() throws {
        let source = """
            func ridgeTestError(
                Xtrain: [[Double]], ytrain: [Double], lambda: Double
            ) -> Double {
                0
            }
            let table = [
                1, 2,
            ]
            public func after() -> Int { 1 }
            """
        let rewritten = try #require(FileprivateRewriter.rewrite(source), "refused: it would compile alone")
        let lines = rewritten.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "fileprivate func ridgeTestError(")
        #expect(lines[2] == ") -> Double {")
        #expect(lines[5] == "fileprivate let table = [")
        #expect(lines[8] == "fileprivate func after() -> Int { 1 }")
    }

    @Test(
        "constructs that reach other files are refused",
        arguments: [
            "infix operator **: MultiplicationPrecedence\nfunc ** (a: Double, b: Double) -> Double { a * b }",
            "precedencegroup Power { higherThan: MultiplicationPrecedence }",
            "extension Double: CustomDebugStringConvertible2 {}",
            "extension Array: Comparable where Element: Comparable { }",
            "@main struct App { static func main() {} }",
            "@_silgen_name(\"grader_missing\") func evil() {}",
            "@_cdecl(\"main\") func evil() {}",
            "print(\"top-level code\")",
            "#if os(Linux)\nfunc f() {}\n#endif",
            "struct S { public func f() {} }",
            "func f() {\n    let s = \"unterminated\n}",
            "/* unterminated comment",
            "let opening = #/\\{/#\ntypealias Double = Float\nlet closing = #/\\}/#",
            "@c func mallocx(_ n: Int) -> Int { n }",
            "@c(pow) func fakePow(_ a: Double, _ b: Double) -> Double { 0 }",
            "@used @section(\".init_array\") let early: @convention(c) () -> Void = { }",
            "@attached(peer) func f() {}",
            "let file = #file",
            "let t = \"\"\"\n\\(0 /* ) \"\"\" #\"\"\" */)\n\"\"\"\n"
                + "func max(_ a: Int, _ b: Int) -> Int { a }\n// \"\"\"#",
            "let t = \"\\(0 // )\n)\"",
            "let t = \"\"\"\n\\({ () -> Int in\n#sourceLocation(file: \"x/y.swift\", line: 1)\nreturn 0 }())\n\"\"\"",
        ])
    func refuses(_ source: String) {
        #expect(FileprivateRewriter.rewrite(source) == nil, "\(source)")
    }

    @Test("a shared call's messages blame a unit by its location line's name; the location lines' own warnings, none")
    func diagnosticsByLocation() {
        // As the compiler prints them: every unit's `#fileID` is `Submission/p.swift`, which it warns of on each
        // unit's first line, under the unit's own name.
        let log = """
            ua.swift:1:23: warning: '#sourceLocation' directive produces '#fileID' string of 'Submission/p.swift', \
            which conflicts with '#fileID' strings produced by other paths in the module
            ub.swift:1:23: warning: '#sourceLocation' directive produces '#fileID' string of 'Submission/p.swift', \
            which conflicts with '#fileID' strings produced by other paths in the module
              |                       `- note: change file in '#sourceLocation' to 'ua/p.swift'
            ub/p.swift:3:5: error: cannot find 'x' in scope
            3 | let s = "ua/p.swift:4:1: error: quoted"
            ua/p.swift:7:2: warning: variable 'y' was never mutated
            """
        let found = BatchCompiler.diagnostics(log, files: ["ua", "ub"])
        #expect(found["ub"]?.map(\.line) == [3] && found["ub"]?.map(\.isError) == [true])
        #expect(found["ua"]?.map(\.line) == [7] && found["ua"]?.map(\.isError) == [false])
        #expect(BatchCompiler.diagnostics(log, files: ["uc"]).isEmpty)
        // A problem's folder name is written into the location line as a string literal.
        #expect(
            BatchCompiler.locationLine(key: "ua", fileName: "p.swift")
                == "#sourceLocation(file: \"ua/p.swift\", line: 1)\n")
        #expect(
            BatchCompiler.locationLine(key: "ua", fileName: #"a"b\c.swift"#)
                == #"#sourceLocation(file: "ua/a\"b\\c.swift", line: 1)"# + "\n")
    }

    @Test("shards split every student into exactly one of N, by a stable hash")
    func shards() throws {
        let students = (0..<500).map { "student-\($0)" }
        let shards = (1...4).map { try! #require(Shard(parsing: "\($0)/4")) }
        for student in students { #expect(shards.filter { $0.contains(student) }.count == 1) }
        let sizes = shards.map { shard in students.filter(shard.contains).count }
        #expect(sizes.allSatisfy { $0 > 80 }, "\(sizes)")
        for bad in ["0/4", "5/4", "1/0", "x/2", "1/2/3", ""] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
    }

    @Test("gradebook fields are quoted as RFC 4180 asks")
    func csv() {
        #expect(ClassReport.csvField("alice") == "alice")
        #expect(ClassReport.csvField("o\"brien, pat") == "\"o\"\"brien, pat\"")
        // A quote a combining accent follows is still a quote to a CSV reader: doubled, so the cell cannot end early.
        #expect(
            ClassReport.csvField("x\"\u{301},=HYPERLINK(1)").utf8.elementsEqual("\"x\"\"\u{301},=HYPERLINK(1)\"".utf8))
        #expect(ClassReport.csvField("two\nlines") == "\"two\nlines\"")
        #expect(ClassReport.csvField("two\r\nlines") == "\"two\r\nlines\"")  // one Character, two line-end scalars
        #expect(ClassReport.csvField(" padded") == "\" padded\"")
        // Formula injection: a student id a spreadsheet would run is neutralised.
        #expect(ClassReport.csvField("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")
        #expect(ClassReport.csvField("+1") == "'+1")
        #expect(ClassReport.csvField("-2+3") == "'-2+3")
        #expect(ClassReport.csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(ClassReport.csvField("\tcmd") == "'\tcmd")
        #expect(ClassReport.csvField("26") == "26" && ClassReport.csvField("12.03") == "12.03")
    }
}
