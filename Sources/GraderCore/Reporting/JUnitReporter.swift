/// JUnit XML in the dialect `docs/junit.xsd` defines (a subset of Jenkins' `junit-10.xsd`): a `testsuite` per
/// problem, a `testcase` per part.
///
/// Anything short of full marks is a `failure` whose message gives the score ("2.5/5"); compile errors, crashes
/// and timeouts are `error`s; parts filtered out are `skipped`. Scores go in `testsuite` properties, since the
/// schema allows none inside a `testcase`. Written by `XMLWriter`, which escapes as libxml2 does; every string
/// first passes through `ReportText`, which removes what XML 1.0 forbids and an escape would keep.
public struct JUnitReporter: SubmissionReporter {
    public static let format = "junit"
    public static let flag = "junit"
    public static let help = "Write JUnit XML (Jenkins junit-10.xsd) here."
    public static let fileName = "junit.xml"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        var xml = XMLWriter()
        // The parts are read where they are stored: a report's parts copied for each count and each loop were a
        // retain and a release per field of each, 10,000 reports a class.
        var counts = StatusCounts()
        report.forEachPart { _, _, part in counts.add(part.pointee.status) }
        xml.start(
            "testsuites",
            [
                "name": attribute("grader: \(report.assignment)"), "tests": "\(counts.tests)",
                "failures": "\(counts.failures)", "errors": "\(counts.errors)",
            ])
        report.problems.withUnsafeBufferPointer { problems in
            for index in problems.indices { write(problems[index], of: report, to: &xml) }
        }
        return xml.finish()
    }

    /// Parts counted by how JUnit files them.
    private struct StatusCounts {
        var tests = 0
        var failures = 0
        var errors = 0
        var skipped = 0

        mutating func add(_ status: PartGrade.Status) {
            tests += 1
            if status.isJUnitFailure { failures += 1 }
            if status == .error { errors += 1 }
            if status == .skipped || status == .pending { skipped += 1 }
        }
    }

    /// One problem's `testsuite`.
    private func write(_ problem: ProblemGrade, of report: GradeReport, to xml: inout XMLWriter) {
        var counts = StatusCounts()
        problem.parts.withUnsafeBufferPointer { parts in
            for part in parts.indices { counts.add(parts[part].status) }
        }
        xml.start(
            "testsuite",
            [
                "name": attribute(problem.id), "tests": "\(counts.tests)", "failures": "\(counts.failures)",
                "errors": "\(counts.errors)", "skipped": "\(counts.skipped)",
            ])
        xml.start("properties")
        var properties: [(String, String)] = [
            ("title", attribute(problem.title)), ("score", NumberFormatting.score(problem.score)),
            ("max-score", NumberFormatting.score(problem.maxScore)),
        ]
        if let limits = problem.limits {
            properties += [
                ("limit-wall-seconds", NumberFormatting.compact(limits.wallSeconds)),
                ("limit-cpu-seconds", "\(limits.cpuSeconds)"),
                ("limit-memory-mb", "\(limits.memoryMegabytes)"), ("limit-output-kib", "\(limits.outputKilobytes)"),
                ("limit-compile-seconds", NumberFormatting.compact(limits.compileSeconds)),
            ]
        }
        if report.sandbox.mode == .rlimitsOnly { properties.append(("sandbox", attribute(report.sandbox.note))) }
        for (name, value) in properties { xml.empty("property", ["name": name, "value": value]) }
        xml.end()
        problem.parts.withUnsafeBufferPointer { parts in
            for index in parts.indices { write(parts[index], of: problem, to: &xml) }
        }
        xml.end()
    }

    /// One part's `testcase`.
    private func write(_ part: PartGrade, of problem: ProblemGrade, to xml: inout XMLWriter) {
        xml.start("testcase", ["classname": attribute(problem.id), "name": attribute(part.id)])
        let score = "\(NumberFormatting.score(part.score))/\(NumberFormatting.score(part.maxScore))"
        switch part.status {
        case .passed:
            break
        case .skipped:
            xml.empty("skipped", ["message": attribute(part.message)])
        case .pending:
            xml.empty("skipped", ["message": attribute("graded at final grading: \(part.message)")])
        case .error:
            xml.element(
                "error", ["type": "error", "message": attribute("\(score): \(part.message)")],
                text: text(part.feedbackLines.joined(separator: "\n")))
        case .failed, .partial, .missing:
            xml.element(
                "failure", ["type": part.status.rawValue, "message": attribute("\(score): \(part.message)")],
                text: text(part.feedbackLines.joined(separator: "\n")))
        }
        if part.status != .passed, let output = part.output { xml.element("system-out", text: text(output)) }
        xml.end()
    }

    /// An attribute value, cleaned and bounded (libxml2 escapes it, newlines and tabs as character references).
    func attribute(_ value: String) -> String { ReportText.clean(value, limit: 4000) }

    /// Element text, cleaned and bounded.
    func text(_ value: String) -> String { ReportText.clean(value, limit: 20000) }
}

extension PartGrade.Status {
    /// Counted under JUnit's `failures`: graded and short of full marks, but not an error.
    var isJUnitFailure: Bool {
        switch self {
        case .failed, .partial, .missing: return true
        case .passed, .skipped, .pending, .error: return false
        }
    }
}
