import Foundation

/// An experiment's curves on one data set, the student's runs against the reference's, drawn as an SVG line plot.
public struct CurvePlot: Sendable, Codable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case logY, reference, student, x, xLabel, yLabel
    }
    public var x: [Double]
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    /// One curve per run, each with one y per x.
    public var student: [[Double]]
    public var reference: [[Double]]

    /// The numbers of an `[Int]` or `[Double]` value, in order.
    static func numbers(_ value: SnippetValue) -> [Double] {
        guard case .array(let items) = value else { return [] }
        return items.compactMap { item in
            switch item {
            case .double(let number): return number
            case .int(let number): return Double(number)
            default: return nil
            }
        }
    }

    /// The plot as a standalone SVG document: the reference's runs in grey, the student's in blue, both axes labelled.
    ///
    /// `standalone`: a document of its own (with its namespace), as an image; inline in HTML it needs none.
    public func svg(
        width: Double = 480, height: Double = 300, studentLegend: String = "your runs", standalone: Bool = true
    ) -> String {
        let left = 76.0
        let right = 16.0
        let top = 28.0
        let bottom = 44.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let transform: (Double) -> Double? = { y in
            guard y.isFinite else { return nil }
            if logY { return y > 0 ? log10(y) : nil }
            return y
        }
        let ys = (student + reference).flatMap { $0 }.compactMap(transform)
        let xs = x.filter(\.isFinite)
        guard let xMin = xs.min(), let xMax = xs.max(), var yMin = ys.min(), var yMax = ys.max() else {
            return Self.document(
                width: width, height: height, standalone: standalone, body: [text("no finite values to plot", 20, 30)])
        }
        if yMax - yMin < 1e-12 { (yMin, yMax) = (yMin - 1, yMax + 1) }
        let xSpan = max(xMax - xMin, 1e-12)
        let px = { (value: Double) in left + (value - xMin) / xSpan * plotWidth }
        let py = { (value: Double) in top + (1 - (value - yMin) / (yMax - yMin)) * plotHeight }
        var body: [String] = []
        body.append(
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" "
                + "fill=\"white\" stroke=\"#888\"/>")
        for tick in 0...4 {
            let value = yMin + (yMax - yMin) * Double(tick) / 4
            body.append(
                text(tickLabel(logY ? pow(10, value) : value), left - 6, py(value) + 4, anchor: "end", size: 11))
            let xValue = xMin + xSpan * Double(tick) / 4
            body.append(text(tickLabel(xValue), px(xValue), top + plotHeight + 16, size: 11))
        }
        let series = { (curves: [[Double]], colour: String, widthAttribute: String) in
            for curve in curves {
                let points = zip(x, curve).compactMap { pair -> String? in
                    guard pair.0.isFinite, let y = transform(pair.1) else { return nil }
                    return "\(f(px(pair.0))),\(f(py(y)))"
                }
                guard points.count >= 2 else { continue }
                body.append(
                    "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(widthAttribute)\" "
                        + "points=\"\(points.joined(separator: " "))\"/>")
            }
        }
        // The reference's runs wide and light, a band the student's thin runs can be seen inside or outside of.
        series(reference, "#c8c8c8", "5")
        series(student, "#1f6feb", "1.5")
        body.append(text(xLabel, left + plotWidth / 2, height - 8))
        body.append(
            "<text x=\"14\" y=\"\(f(top + plotHeight / 2))\" font-size=\"12\" text-anchor=\"middle\" "
                + "dominant-baseline=\"middle\" transform=\"rotate(-90 14 \(f(top + plotHeight / 2)))\">"
                + Self.escape(yLabel + (logY ? " (log scale)" : "")) + "</text>")
        body.append(
            "<line x1=\"\(f(left + 8))\" y1=\"14\" x2=\"\(f(left + 28))\" y2=\"14\" stroke=\"#1f6feb\" "
                + "stroke-width=\"2\"/>")
        body.append(text(studentLegend, left + 32, 18, anchor: "start", size: 12))
        let second = left + 48 + 7 * Double(studentLegend.count)
        body.append(
            "<line x1=\"\(f(second))\" y1=\"14\" x2=\"\(f(second + 20))\" y2=\"14\" stroke=\"#c8c8c8\" "
                + "stroke-width=\"5\"/>")
        body.append(text("reference runs", second + 24, 18, anchor: "start", size: 12))
        return Self.document(width: width, height: height, standalone: standalone, body: body)
    }

    /// The plot as a Markdown image: the SVG inline as a data URI, so the feedback file stands alone.
    public var markdownImage: String {
        "![\(Self.escape(yLabel)) against \(Self.escape(xLabel)): your runs and the reference's]"
            + "(data:image/svg+xml;base64,\(Data(svg().utf8).base64EncodedString()))"
    }

    /// The median of `curves` at each entry.
    static func median(_ curves: [[Double]]) -> [Double] {
        guard let length = curves.map(\.count).min() else { return [] }
        return (0..<length).map { index in
            let values = curves.map { $0[index] }.sorted()
            return values.count % 2 == 1
                ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
        }
    }

    /// The median of each curve family at each x, as a Markdown table: the numbers behind the picture.
    public var markdownTable: [String] {
        var lines = ["| \(Self.escape(xLabel)) | your median | reference median |", "|---|---|---|"]
        for (index, value) in x.enumerated() {
            let median = { (curves: [[Double]]) -> String in
                let values = curves.compactMap { index < $0.count ? $0[index] : nil }.sorted()
                guard !values.isEmpty else { return "-" }
                return NumberFormatting.compact(values[values.count / 2])
            }
            lines.append("| \(NumberFormatting.compact(value)) | \(median(student)) | \(median(reference)) |")
        }
        return lines
    }

    private func text(_ content: String, _ x: Double, _ y: Double, anchor: String = "middle", size: Int = 12) -> String
    {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\">"
            + "\(Self.escape(content))</text>"
    }

    private func f(_ value: Double) -> String { NumberFormatting.oneDecimal(value) }

    /// An axis label: three significant digits.
    private func tickLabel(_ value: Double) -> String {
        abs(value) < 1e-12 ? "0" : String(format: "%.3g", value)
    }

    static func document(width: Double, height: Double, standalone: Bool, body: [String]) -> String {
        """
        <svg \(standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "")width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif">
        \(body.joined(separator: "\n"))
        </svg>
        """
    }

    /// Text made safe for XML: student-controlled labels never reach the plot, but instructors' may hold `<` or `&`.
    static func escape(_ text: String) -> String {
        ReportText.replacingBytes(
            in: ReportText.clean(text, limit: 200), ReportText.htmlEntities.filter { $0.key != UInt8(ascii: "'") })
    }
}
