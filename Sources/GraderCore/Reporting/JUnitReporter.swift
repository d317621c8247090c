/// JUnit XML as Jenkins' `junit-10.xsd` defines it: a `testsuite` per problem, a `testcase` per part.
///
/// Anything short of full marks is a `failure` whose message gives the score ("2.5/5"); compile errors, crashes
/// and timeouts are `error`s; parts filtered out are `skipped`. Scores go in `testsuite` properties, since the
/// schema allows none inside a `testcase`. Written by hand rather than with FoundationXML, which on Linux writes
/// ESC and BEL raw and cuts text at NUL; every string passes through `ReportText` and XML escaping.
public struct JUnitReporter: Reporter {
    public static let format = "junit"

    public init() {}

    public func render(_ report: GradeReport) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let parts = report.allParts
        let failures = parts.filter { [.failed, .partial, .missing].contains($0.status) }.count
        let errors = parts.filter { $0.status == .error }.count
        xml += "<testsuites name=\(attribute("grader: \(report.assignment)")) tests=\"\(parts.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        for problem in report.problems {
            let problemFailures = problem.parts.filter { [.failed, .partial, .missing].contains($0.status) }.count
            let problemErrors = problem.parts.filter { $0.status == .error }.count
            let skipped = problem.parts.filter { $0.status == .skipped }.count
            xml += "  <testsuite name=\(attribute(problem.id)) tests=\"\(problem.parts.count)\" failures=\"\(problemFailures)\" errors=\"\(problemErrors)\" skipped=\"\(skipped)\">\n"
            xml += "    <properties>\n"
            xml += "      <property name=\"title\" value=\(attribute(problem.title))/>\n"
            xml += "      <property name=\"score\" value=\"\(NumberFormatting.score(problem.score))\"/>\n"
            xml += "      <property name=\"max-score\" value=\"\(NumberFormatting.score(problem.maxScore))\"/>\n"
            if let limits = problem.limits {
                let values: [(String, String)] = [
                    ("limit-wall-seconds", NumberFormatting.compact(limits.wallSeconds)), ("limit-cpu-seconds", "\(limits.cpuSeconds)"),
                    ("limit-memory-mb", "\(limits.memoryMegabytes)"), ("limit-output-kib", "\(limits.outputKilobytes)"),
                    ("limit-compile-seconds", NumberFormatting.compact(limits.compileSeconds)),
                ]
                for (name, value) in values { xml += "      <property name=\"\(name)\" value=\"\(value)\"/>\n" }
            }
            if report.sandbox.mode == .rlimitsOnly {
                xml += "      <property name=\"sandbox\" value=\(attribute(report.sandbox.note))/>\n"
            }
            xml += "    </properties>\n"
            for part in problem.parts {
                xml += "    <testcase classname=\(attribute(problem.id)) name=\(attribute(part.id))"
                let score = "\(NumberFormatting.score(part.score))/\(NumberFormatting.score(part.maxScore))"
                let body = text(part.feedbackLines.joined(separator: "\n"))
                switch part.status {
                case .passed:
                    xml += "/>\n"
                    continue
                case .skipped:
                    xml += ">\n      <skipped message=\(attribute(part.message))/>\n"
                case .error:
                    xml += ">\n      <error type=\"error\" message=\(attribute("\(score): \(part.message)"))>\(body)</error>\n"
                case .failed, .partial, .missing:
                    xml += ">\n      <failure type=\(attribute(part.status.rawValue)) message=\(attribute("\(score): \(part.message)"))>\(body)</failure>\n"
                }
                if let output = part.output { xml += "      <system-out>\(text(output))</system-out>\n" }
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// A quoted attribute value, cleaned and escaped (newlines kept as character references).
    func attribute(_ value: String) -> String { "\"" + escape(value, limit: 4000, inAttribute: true) + "\"" }

    /// Element text, cleaned and escaped.
    func text(_ value: String) -> String { escape(value, limit: 20000, inAttribute: false) }

    private func escape(_ value: String, limit: Int, inAttribute: Bool) -> String {
        let cleaned = ReportText.clean(value, limit: limit)
        let special: Set<UInt8> = inAttribute ? [0x26, 0x3C, 0x3E, 0x22, 0x0A, 0x09] : [0x26, 0x3C, 0x3E]
        if !cleaned.utf8.contains(where: special.contains) { return cleaned }
        var escaped = String.UnicodeScalarView()
        for scalar in cleaned.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"" where inAttribute: escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "\n" where inAttribute: escaped.append(contentsOf: "&#10;".unicodeScalars)
            case "\t" where inAttribute: escaped.append(contentsOf: "&#9;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
