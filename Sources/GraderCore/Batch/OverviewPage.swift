/// The class overview (`index.html`): one self-contained page with inline SVG charts and no network access.
struct OverviewPage {
    let summary: ClassSummary
    let students: [(id: String, report: GradeReport)]
    /// The files the similarity matches point into, by student and problem.
    var sources: [String: [String: String]] = [:]

    func html() -> String {
        var body: [String] = []
        body.append("<h1>\(escape(summary.assignment)): class overview</h1>")
        body.append(
            """
            <p class=\"facts\">\(summary.students) students · mean \(score(summary.mean)) / \
            \(score(summary.maxScore)) · median \(score(summary.median)) · standard deviation \
            \(score(summary.standardDeviation)) · range \(score(summary.lowest))–\(score(summary.highest)) · \
            \(summary.fullMarks) with full marks</p>
            """
        )
        if let generated = summary.generated { body.append("<p class=\"facts\">Generated \(escape(generated)).</p>") }
        if let unsandboxed = summary.unsandboxed {
            body.append("<p class=\"warning\"><strong>Warning:</strong> \(escape(unsandboxed)).</p>")
        }
        body.append("<section><h2>Score distribution</h2>\(histogram())</section>")
        body.append("<section><h2>Full marks by part</h2>\(passRates())</section>")
        if let experiments = experimentCurves() {
            body.append("<section><h2>Experiments</h2>\(experiments)</section>")
        }
        body.append("<section><h2>Most common known mistakes</h2>\(mistakes())</section>")
        body.append("<section><h2>Flagged for review</h2>\(flagged())</section>")
        body.append("<section><h2>Similar code</h2>\(similarCode())</section>")
        body.append("<section><h2>Timed out or did not compile</h2>\(problemStudents())</section>")
        if let late = summary.late {
            body.append("<section><h2>Late work</h2>\(lateWork(late))</section>")
        }
        if let changes = summary.changes {
            body.append("<section><h2>Changed since the last run</h2>\(changed(changes))</section>")
        }
        body.append("<section><h2>Students</h2>\(studentTable())</section>")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(summary.assignment)): class overview</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 60rem; \
            padding: 0 1rem; color: #1f2328; }
            h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
            .warning { background: #fff3cd; border: 1px solid #e0a800; padding: 0.5rem 0.8rem; }
            h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.3rem; }
            .facts { color: #57606a; margin: 0.2rem 0; }
            table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
            th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eaeef2; vertical-align: top; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
            td.id { white-space: nowrap; }
            svg text { font-family: inherit; font-size: 12px; fill: #1f2328; }
            .muted { color: #57606a; }
            .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.6rem; margin: 0.4rem 0 1rem; }
            .pair pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.4rem; margin: 0; overflow-x: auto; \
            font-size: 0.8rem; }
            .pair h3 { font-size: 0.85rem; margin: 0 0 0.2rem; }
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// For each plotted experiment, every student's median curve on the public data set over the reference's runs;
    /// `nil` when the assignment plots none.
    func experimentCurves() -> String? {
        var plots: [(key: String, plot: CurvePlot)] = []
        students.forEachStudent { _, report in
            guard report.containsPart(where: { $0.pointee.plot != nil }) else { return }
            for part in report.allParts {
                guard let plot = part.plot else { continue }
                let key = "\(part.problem) / \(part.id)"
                let median = CurvePlot.median(plot.student)
                if let index = plots.firstIndex(where: { $0.key == key }) {
                    plots[index].plot.student.append(median)
                } else {
                    var first = plot
                    first.student = [median]
                    plots.append((key, first))
                }
            }
        }
        guard !plots.isEmpty else { return nil }
        return plots.map { key, plot in
            let legend = "students' medians (\(plot.student.count))"
            return """
                <h3>\(escape(key))</h3>
                <p class="muted">Each student's median curve over their runs on the public data set (blue), over the \
                reference's runs (grey): a curve far from the band is worth a look.</p>
                \(plot.svg(width: 640, height: 360, studentLegend: legend, standalone: false))
                """
        }.joined(separator: "\n")
    }

    /// Students per score bin, as vertical bars.
    func histogram() -> String {
        let bins = summary.histogram
        let tallest = max(1, bins.map(\.students).max() ?? 1)
        let width = 640
        let height = 240
        let left = 40
        let bottom = 40
        let top = 16
        let barWidth = (width - left - 10) / max(1, bins.count)
        var svg =
            """
            <svg role=\"img\" aria-label=\"Histogram of total scores\" viewBox=\"0 0 \(width) \(height)\" \
            width=\"100%\" style=\"max-width:\(width)px\">
            """
        let plotHeight = height - bottom - top
        svg +=
            """
            <line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 10)\" y2=\"\(height - bottom)\" \
            stroke=\"#8c959f\"/>
            """
        for tick in Set([0, tallest / 2, tallest]).sorted() {
            let y = height - bottom - plotHeight * tick / tallest
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(tick)</text>"
        }
        for (index, bin) in bins.enumerated() {
            let barHeight = plotHeight * bin.students / tallest
            let x = left + index * barWidth + 2
            svg +=
                """
                <rect x=\"\(x)\" y=\"\(height - bottom - barHeight)\" width=\"\(barWidth - 4)\" \
                height=\"\(barHeight)\" fill=\"#0969da\"><title>\(score(bin.from))–\(score(bin.to)): \
                \(bin.students) students</title></rect>
                """
            if bin.students > 0 {
                svg +=
                    """
                    <text x=\"\(x + (barWidth - 4) / 2)\" y=\"\(height - bottom - barHeight - 4)\" \
                    text-anchor=\"middle\">\(bin.students)</text>
                    """
            }
            svg +=
                """
                <text x=\"\(x + (barWidth - 4) / 2)\" y=\"\(height - bottom + 16)\" \
                text-anchor=\"middle\">\(score(bin.from))</text>
                """
        }
        svg +=
            """
            <text x=\"\(width / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\" class=\"muted\">total score (out \
            of \(score(summary.maxScore)))</text>
            """
        return svg + "</svg>"
    }

    /// The share of students with full marks on each part, as horizontal bars.
    func passRates() -> String {
        let parts = summary.parts
        let rowHeight = 24
        let labelWidth = 330
        let barSpace = 280
        let width = labelWidth + barSpace + 60
        let height = rowHeight * parts.count + 10
        var svg =
            """
            <svg role=\"img\" aria-label=\"Share of students with full marks per part\" viewBox=\"0 0 \(width) \
            \(height)\" width=\"100%\" style=\"max-width:\(width)px\">
            """
        for (index, part) in parts.enumerated() {
            let y = index * rowHeight + 4
            let barLength = Int((Double(barSpace) * part.passRate).rounded())
            let color = part.passRate >= 0.75 ? "#1a7f37" : (part.passRate >= 0.4 ? "#bf8700" : "#cf222e")
            svg +=
                """
                <text x=\"\(labelWidth - 8)\" y=\"\(y + 15)\" \
                text-anchor=\"end\">\(escape(part.problem)).\(escape(part.part))</text>
                """
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(barSpace)\" height=\"16\" fill=\"#eaeef2\"/>"
            svg +=
                """
                <rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(barLength)\" height=\"16\" \
                fill=\"\(color)\"><title>\(Int((part.passRate * 100).rounded()))% full marks, mean \
                \(score(part.meanScore)) / \(score(part.maxScore))</title></rect>
                """
            svg +=
                """
                <text x=\"\(labelWidth + barSpace + 6)\" \
                y=\"\(y + 15)\">\(Int((part.passRate * 100).rounded()))%</text>
                """
        }
        return svg + "</svg>"
    }

    func mistakes() -> String {
        let rows = summary.parts.flatMap { part in
            part.mistakes.prefix(3).map {
                // A formula mistake is typeset (MathML: the browser's own, nothing loaded), then explained.
                let formula = $0.formula.flatMap(MathMLWriter.mathML(latex:)).map { "\($0): " } ?? ""
                return """
                    <tr><td class=\"id\">\(escape(part.problem)).\(escape(part.part))</td><td \
                    class=\"num\">\($0.students)</td><td>\(formula)\(escape($0.feedback))</td></tr>
                    """
            }
        }
        if rows.isEmpty { return "<p class=\"muted\">No known mistake was recognised.</p>" }
        return
            """
            <table><thead><tr><th>part</th><th \
            class=\"num\">students</th><th>mistake</th></tr></thead><tbody>\(rows.joined())</tbody></table>
            """
    }

    /// Parts that pass far more public trials than hidden ones: answers possibly hard-coded for the public checks.
    func flagged() -> String {
        if summary.flags.isEmpty { return "<p class=\"muted\">No part was flagged.</p>" }
        let rows = summary.flags.map { flag in
            """
            <tr><td class=\"id\"><a \
            href=\"\(link(flag.student))/feedback.md\">\(escape(flag.student))</a></td><td \
            class=\"id\">\(escape(flag.part ?? "(whole submission)"))</td><td \
            title=\"\(escape(flag.detail))\">\(escape(flag.reason.rawValue))</td><td \
            class=\"num\">\(escape(flag.publicTrials ?? "–"))</td><td \
            class=\"num\">\(escape(flag.hiddenTrials ?? "–"))</td></tr>
            """
        }
        return
            """
            <p class=\"muted\"><code>public-only</code>: far more public trials pass than hidden ones, the \
            pattern of outputs looked up for the public checks instead of computed. \
            <code>student-id-mismatch</code>: the folder's name and the <code>student:</code> in its answers.yaml \
            differ. Read the work before \
            deciding.</p><table><thead><tr><th>student</th><th>part</th><th>reason</th><th class=\"num\">public \
            passed</th><th class=\"num\">hidden passed</th></tr></thead><tbody>\(rows.joined())</tbody></table>
            """
    }

    /// Pairs whose code is alike, each with its matching regions side by side.
    func similarCode() -> String {
        let threshold = score(summary.similarityThreshold * 100)
        guard !summary.similarity.isEmpty else {
            return
                """
                <p class=\"muted\">No pair of students shares \(threshold)% or more of a problem's code (beyond \
                the starter code).</p>
                """
        }
        var html =
            """
            <p class=\"muted\">Pairs whose Swift files for a problem share at least \(threshold)% of their \
            fingerprints: tokens with names, comments and layout ignored, the starter code subtracted. Alike is \
            not copied: read both before deciding.</p>
            """
        html += "<table><thead><tr><th>problem</th><th>students</th><th class=\"num\">score</th></tr></thead><tbody>"
        // A student is in many pairs: each one's link is made once.
        var anchors: [String: String] = [:]
        func anchor(_ student: String) -> String {
            if let known = anchors[student] { return known }
            let made = "<a href=\"\(link(student))/feedback.md\">\(escape(student))</a>"
            anchors[student] = made
            return made
        }
        for match in summary.similarity {
            let names = match.students.map(anchor).joined(separator: " and ")
            html +=
                """
                <tr><td class=\"id\">\(escape(match.problem))</td><td>\(names)</td><td \
                class=\"num\">\(score(match.score * 100))%</td></tr>
                """
        }
        html += "</tbody></table>"
        // Side by side for the 50 highest pairs; the table above lists them all. Each file is cut into lines once.
        var lines: [String: [Substring]] = [:]
        func excerpt(student: String, problem: String, lines range: [Int]) -> String {
            let key = "\(student)/\(problem)"
            if lines[key] == nil { lines[key] = Self.lines(of: sources[student]?[problem] ?? "") }
            return self.excerpt(student: student, lines: range, of: lines[key]!)
        }
        for match in summary.similarity.prefix(50) where match.students.count == 2 {
            let (a, b) = (match.students[0], match.students[1])
            html +=
                """
                <details><summary>\(escape(match.problem)): \(escape(a)) and \(escape(b)), \(match.lines.count) \
                matching region\(match.lines.count == 1 ? "" : "s")</summary>
                """
            for region in match.lines {
                html += "<div class=\"pair\">"
                html += excerpt(student: a, problem: match.problem, lines: region.a)
                html += excerpt(student: b, problem: match.problem, lines: region.b)
                html += "</div>"
            }
            html += "</details>"
        }
        return html
    }

    /// A file's lines, as an excerpt numbers them.
    static func lines(of text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    /// Lines `first...last` of a student's file (`fileLines`), numbered.
    func excerpt(student: String, lines range: [Int], of fileLines: [Substring]) -> String {
        let first = range.first ?? 1
        let last = range.last ?? first
        // At most 80 lines a region: the page stays readable, and a huge copied file cannot swell it.
        let shown = (max(1, first)...max(first, min(last, fileLines.count, first + 79))).compactMap {
            number -> String? in
            guard fileLines.indices.contains(number - 1) else { return nil }
            // The number right-aligned in four columns, as `%4d` writes it.
            let digits = String(number)
            return String(repeating: " ", count: max(0, 4 - digits.count)) + digits + "  "
                + escape(String(fileLines[number - 1]))
        }
        return
            "<div><h3>\(escape(student)), lines \(first)–\(last)</h3><pre>\(shown.joined(separator: "\n"))</pre></div>"
    }

    func problemStudents() -> String {
        func list(_ title: String, _ ids: [String]) -> String {
            let items =
                ids.isEmpty
                ? "<span class=\"muted\">none</span>"
                : ids.map { "<a href=\"\(link($0))/feedback.md\">\(escape($0))</a>" }.joined(separator: ", ")
            return "<p><strong>\(title) (\(ids.count)):</strong> \(items)</p>"
        }
        return list("Timed out", summary.timedOut) + list("Did not compile", summary.compileErrors)
    }

    /// The students the late policy concerned: late, or with no known submission time.
    func lateWork(_ late: [ClassSummary.LateStudent]) -> String {
        guard !late.isEmpty else { return "<p class=\"muted\">Everyone handed in on time.</p>" }
        let rows = late.map { student in
            """
            <tr><td class="id"><a href="\(link(student.student))/feedback.md">\(escape(student.student))</a></td>\
            <td class="num">\(student.daysLate)</td><td class="num">\(student.lateDaysUsed)</td>\
            <td class="num">\(student.rejected ? "all" : score(student.penalty))</td>\
            <td>\(escape(student.explanation))</td></tr>
            """
        }
        return """
            <table><thead><tr><th>student</th><th class="num">days late</th><th class="num">late days spent</th>\
            <th class="num">penalty</th><th>why</th></tr></thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>
            """
    }

    /// Every score that moved since the previous run, and why.
    func changed(_ changes: [RegradeChange]) -> String {
        guard !changes.isEmpty else { return "<p class=\"muted\">No score changed.</p>" }
        let rows = changes.map { change in
            """
            <tr><td class="id">\(escape(change.student))</td>\
            <td>\(escape(change.problem.isEmpty ? change.part : "\(change.problem).\(change.part)"))</td>\
            <td class="num">\(change.oldScore.map(score) ?? "–")</td>\
            <td class="num">\(change.newScore.map(score) ?? "–")</td>\
            <td>\(escape(change.why))</td></tr>
            """
        }
        return """
            <table><thead><tr><th>student</th><th>part</th><th class="num">before</th><th class="num">now</th>\
            <th>why</th></tr></thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>
            """
    }

    func studentTable() -> String {
        let adjusted = students.containsStudent { $0.late != nil || $0.keptHigher != nil }
        let header =
            "<tr><th>student</th>"
            + (students.first?.report.problems.map { "<th class=\"num\">\(escape($0.id))</th>" }.joined() ?? "")
            + (adjusted ? "<th class=\"num\">raw</th><th class=\"num\">late penalty</th>" : "")
            + "<th class=\"num\">total</th></tr>"
        let rows = students.map { student in
            "<tr><td><a href=\"\(link(student.id))/feedback.md\">\(escape(student.id))</a></td>"
                + student.report.problems.map { "<td class=\"num\">\(score($0.score))</td>" }.joined()
                + (adjusted
                    ? "<td class=\"num\">\(score(student.report.score))</td>"
                        + "<td class=\"num\">\(score(student.report.late?.penalty ?? 0))</td>" : "")
                + "<td class=\"num\">\(score(student.report.total))</td></tr>"
        }
        return "<table><thead>\(header)</thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>"
    }

    func score(_ value: Double) -> String { NumberFormatting.score(value) }

    /// A relative link to a student's folder, percent-encoded.
    func link(_ id: String) -> String { Self.link(id) }

    /// A relative link to a student's folder: every byte but ASCII letters, digits and `-_.~` percent-encoded.
    static func link(_ id: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(id.utf8.count)
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Text safe in HTML content and attributes.
    func escape(_ text: String) -> String { Self.htmlEscaped(text) }

    /// `text` cleaned (`ReportText.clean`) and safe in HTML text and quoted attributes, escaped byte by byte
    /// (`ReportText.replacingBytes`: by characters, a student's `student:` could close an attribute of this page).
    static func htmlEscaped(_ text: String) -> String {
        ReportText.replacingBytes(in: ReportText.clean(text, limit: 2000), ReportText.htmlEntities)
    }
}

extension String {
    /// The string padded with leading zeros to `width` characters.
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
