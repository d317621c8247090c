/// `gradebook.csv`: a row per student, a column per problem and the total (`ClassReport.gradebook`).
public struct GradebookReporter: ClassReporter {
    public static let format = "gradebook"
    public static let fileName = "gradebook.csv"
    public init() {}
    public func render(_ report: ClassReport) -> String { report.gradebook() }
}

/// `summary.json`: the class statistics, pass rates, common mistakes, flags and similar code (`ClassSummary`).
public struct SummaryReporter: ClassReporter {
    public static let format = "summary"
    public static let fileName = "summary.json"
    public init() {}
    public func render(_ report: ClassReport) -> String { report.summaryJSON() }
}

/// `index.html`: the class overview page (`OverviewPage`).
public struct OverviewReporter: ClassReporter {
    public static let format = "overview"
    public static let fileName = "index.html"
    public init() {}

    public func render(_ report: ClassReport) -> String {
        OverviewPage(summary: report.summary(), students: report.students, sources: report.similarity.sources).html()
    }
}
