import Foundation

/// A graded class: every student's report, and what the instructor reads about the whole class.
///
/// Built from the students' reports and the code they handed in, both of which a batch keeps in each student's
/// output folder, so a merge of shard outputs builds exactly what one run would.
public struct ClassReport: Sendable {
    public let students: [(id: String, report: GradeReport)]
    public let shard: Shard?
    /// Pairs of students whose code for a problem is alike.
    public var similarity: ClassSimilarity { didSet { knownSummary = nil } }
    /// The score from which a pair is listed.
    public var similarityThreshold: Double { didSet { knownSummary = nil } }
    /// On a regrade: every score that changed since the previous run in the same folder (`regrade.csv`).
    public var changes: [RegradeChange]? = nil { didSet { knownSummary = nil } }
    /// The summary `rememberSummary()` computed, forgotten when a field it reads changes: `summary.json`, the
    /// overview page and the command's last line all need it, and a class of 10,000 takes a while to summarise.
    private var knownSummary: ClassSummary?

    /// Results of the previous run in the same folder that could not be read: those students' earlier grades are
    /// not compared, nor kept by `--keep-higher`.
    public var unreadablePrevious: [String] = []

    /// The file a regrade lists its changes in.
    public static let regradeFileName = "regrade.csv"

    public init(
        students: [(id: String, report: GradeReport)], shard: Shard? = nil,
        similarity: ClassSimilarity = ClassSimilarity(),
        similarityThreshold: Double = SimilarityDetector.defaultThreshold
    ) {
        self.students = students.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        self.shard = shard
        self.similarity = similarity
        self.similarityThreshold = similarityThreshold
    }

    /// Writes every class-wide report (`Reporters.classWide`: the gradebook, the summary, the overview) into `folder`.
    ///
    /// - Parameter width: How many of them are rendered at a time: for a large class the overview page and the
    ///   summary each take about as long as the other.
    public func write(to folder: String, width: Int = 1) throws {
        let reporters = Reporters.classWide
        let texts = parallelMap(count: reporters.count, width: width) { reporters[$0].init().render(self) }
        for (reporter, text) in zip(reporters, texts) {
            try Reporters.write(text, to: folder + "/" + reporter.fileName)
        }
    }

    /// Problem ids and titles in handout order, from the first report (every report has every problem).
    var problems: [(id: String, title: String, maxScore: Double)] {
        students.first?.report.problems.map { ($0.id, $0.title, $0.maxScore) } ?? []
    }

    /// Whether any grade differs from its parts' score: a late policy applied, or a grade kept on a regrade.
    var hasAdjustments: Bool { students.containsStudent { $0.late != nil || $0.keptHigher != nil } }

    /// One row per student, a column per problem and the total; RFC 4180 (CRLF, quoted where needed). With a late
    /// policy (or a kept grade), `raw`, `days late` and `late penalty` come before `total`, the grade.
    public func gradebook() -> String {
        let adjusted = hasAdjustments
        var rows = [
            ["student"] + problems.map(\.id) + (adjusted ? ["raw", "days late", "late penalty"] : []) + ["total"]
        ]
        for (id, report) in students {
            var row = [id] + report.problems.map { NumberFormatting.score($0.score) }
            if adjusted {
                row += [
                    NumberFormatting.score(report.score), "\(report.late?.daysLate ?? 0)",
                    NumberFormatting.score(report.late?.penalty ?? 0),
                ]
            }
            rows.append(row + [NumberFormatting.score(report.total)])
        }
        return rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// One gradebook cell: quoted as RFC 4180 asks, and neutralised against formula injection. Instructors open the
    /// gradebook in spreadsheets, which run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// as a formula; such a cell (a student id is a folder name the student may choose) gets a leading `'`, as
    /// OWASP recommends. Scores never start with these characters.
    static func csvField(_ raw: String) -> String {
        // A leading `'` is doubled too, so that reading back (`gradebookStudents`) can drop exactly one.
        let text = raw.unicodeScalars.first.map { "=+-@\t\r'".unicodeScalars.contains($0) } == true ? "'" + raw : raw
        guard
            // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
            text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                || text.hasPrefix(" ")
                || text.hasSuffix(" ")
        else {
            return text
        }
        // Byte by byte (`ReportText.replacingBytes`): by characters, a quote a combining accent follows is not doubled,
        // and a folder name could end its cell early and start a formula in the next.
        return "\"" + ReportText.replacingBytes(in: text, [UInt8(ascii: "\""): "\"\""]) + "\""
    }

    /// The class summary (`summary.json`).
    public func summary() -> ClassSummary { knownSummary ?? ClassSummary(report: self) }

    /// Computes the summary once for every later `summary()` (until a field it reads changes).
    public mutating func rememberSummary() { knownSummary = ClassSummary(report: self) }

    func summaryJSON() -> String {
        // As `JSONEncoder` with pretty printing, sorted keys and unescaped slashes writes it.
        guard let bytes = try? JSONText.members(summary(), pretty: true) else { return "{}\n" }
        return String(decoding: bytes, as: UTF8.self) + "\n"
    }

    /// The grades a previous batch left in `folder`: the students its `gradebook.csv` lists, by id (empty when
    /// there was no previous run), and the results files it lists that could not be read; `width` files at a time.
    public static func previousRun(in folder: String, width: Int = 1) throws -> (
        reports: [String: PreviousGrade], unreadable: [String]
    ) {
        let students = try gradebookStudents(in: folder) ?? []
        let paths = students.map { "\(folder)/\($0)/results.json" }
        let decoded = parallelMap(count: students.count, width: width) { index -> PreviousGrade? in
            guard let data = FileBytes.read(paths[index]) else { return nil }
            return try? JSONText.decode(PreviousGrade.self, from: data)
        }
        var reports: [String: PreviousGrade] = [:]
        var unreadable: [String] = []
        for (index, report) in decoded.enumerated() {
            if let report { reports[students[index]] = report } else { unreadable.append(paths[index]) }
        }
        return (reports, unreadable)
    }

    /// The students the last batch in `folder` graded (those its `gradebook.csv` lists) with their results, for an
    /// export; throws naming the file when there is no gradebook or a listed student's results are missing.
    public static func lastRun(in folder: String) throws -> [(id: String, report: GradeReport)] {
        guard let ids = try gradebookStudents(in: folder) else {
            throw GraderError.io(path: folder, reason: "no gradebook.csv here: pass the --out folder of `grader batch`")
        }
        return try ids.map { id in
            let path = "\(folder)/\(id)/results.json"
            guard let data = FileBytes.read(path) else {
                throw GraderError.io(path: path, reason: "missing, though gradebook.csv lists `\(id)`")
            }
            do {
                return (id, try JSONText.decode(GradeReport.self, from: data))
            } catch {
                throw GraderError.io(path: path, reason: "not a grader results file: \(error)")
            }
        }
    }

    /// The student ids in `folder/gradebook.csv`, in its order; `nil` when there is no gradebook.
    public static func gradebookStudents(in folder: String) throws -> [String]? {
        let path = "\(folder)/\(GradebookReporter.fileName)"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let table = try CSVTable.read(path)
        // Ids the gradebook neutralised against spreadsheet formulas (`csvField`) carry one leading `'` more.
        return table.rows.map { row in
            let id = row[0]
            return id.unicodeScalars.count > 1 && id.hasPrefix("'")
                && "=+-@\t\r'".unicodeScalars.contains(id.unicodeScalars.dropFirst().first!)
                ? String(id.dropFirst()) : id
        }
    }

    /// Reads back a batch output folder's per-student `results.json` files (for `grader merge`): the students its
    /// `gradebook.csv` lists (a student who left the class keeps an old folder there), or every folder without one.
    public static func read(from folder: String) throws -> [(id: String, report: GradeReport)] {
        if try gradebookStudents(in: folder) != nil { return try lastRun(in: folder) }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var students: [(String, GradeReport)] = []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let path = "\(folder)/\(entry)/results.json"
            guard let data = FileBytes.read(path) else { continue }
            do {
                students.append((entry, try JSONText.decode(GradeReport.self, from: data)))
            } catch {
                throw GraderError.io(path: path, reason: "not a grader results file: \(error)")
            }
        }
        return students
    }
}

/// What `summary.json` holds: score statistics, the histogram, pass rates and common mistakes per part, and the
/// students whose code timed out or did not compile.
public struct ClassSummary: Sendable, Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case assignment, changes, compileErrors, flags, fullMarks, generated, highest, histogram, late, lowest,
            maxScore, mean, median, parts, schemaVersion, similarity, similarityThreshold, standardDeviation, students,
            timedOut, unsandboxed
    }
    public struct PartSummary: Sendable, Codable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxScore, meanScore, mistakes, part, passRate, problem
        }
        public let problem: String
        public let part: String
        public let maxScore: Double
        public let meanScore: Double
        /// Fraction of students with full marks on the part.
        public let passRate: Double
        /// Known mistakes by how many students made them, most common first.
        public let mistakes: [MistakeCount]
    }

    public struct MistakeCount: Sendable, Codable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case feedback, formula, students
        }
        public let feedback: String
        public let students: Int
        /// The mistake's formula in LaTeX, for a formula part.
        public var formula: String? = nil
    }

    /// A part flagged for the instructor's review.
    public struct Flag: Sendable, Codable, Equatable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case detail, hiddenTrials, part, publicTrials, reason, student
        }
        public let student: String
        /// `problem-id.part-id`; absent for a flag about the whole submission.
        public let part: String?
        public let reason: PartGrade.Flag.Reason
        public let detail: String
        public let publicTrials: String?
        public let hiddenTrials: String?
    }

    public struct Bin: Sendable, Codable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case from, students, to
        }
        public let from: Double
        public let to: Double
        public let students: Int
    }

    public var schemaVersion = 1
    public let assignment: String
    public let students: Int
    public let maxScore: Double
    public let mean: Double
    public let median: Double
    public let standardDeviation: Double
    public let lowest: Double
    public let highest: Double
    public let fullMarks: Int
    public let histogram: [Bin]
    public let parts: [PartSummary]
    /// Students with a part that ran over its time limit (wall clock, CPU or compiler).
    public let timedOut: [String]
    /// Students with a Swift file that did not compile.
    public let compileErrors: [String]
    /// Parts flagged for review (passing far more public trials than hidden ones), and submissions whose
    /// `student:` is not their folder's name, by student.
    public let flags: [Flag]
    /// Pairs of students whose Swift files for a problem are alike (winnowed fingerprints, starter code
    /// subtracted), highest score first.
    public let similarity: [SimilarityMatch]
    /// The score from which a pair is listed in `similarity`.
    public let similarityThreshold: Double
    /// Set only when `SOURCE_DATE_EPOCH` is: the reports are otherwise byte-identical for the same inputs.
    public let generated: String?
    /// Set when any student was graded without the namespace sandbox: what that mode could not promise.
    public let unsandboxed: String?
    /// With a late policy: every student handed in late or with no known submission time, and what was applied.
    public var late: [LateStudent]? = nil
    /// On a regrade: every score that changed since the previous run (as in `regrade.csv`).
    public var changes: [RegradeChange]? = nil

    /// A student the late policy concerned.
    public struct LateStudent: Sendable, Codable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case daysLate, explanation, lateDaysUsed, penalty, rejected, student, submittedAt
        }
        public let student: String
        public let daysLate: Int
        public let lateDaysUsed: Int
        public let penalty: Double
        public let rejected: Bool
        public let submittedAt: String?
        public let explanation: String
    }

    init(report: ClassReport) {
        // The grades: after any late penalty or kept grade (the parts' scores when there is neither).
        // One pass over the class, reading each student and part where it is stored (`forEachStudent`,
        // `forEachPart`): a `for`, `filter` or `first` over `report.students` copies each student's whole report (a
        // retain per field), and a part handed over as a value is copied too; with a pass per part and question, that
        // was most of the summary's time for a large class.
        struct Tally {
            var graded = 0
            var scores = 0.0
            var passed = 0
            var counts: [String: Int] = [:]
            var formulas: [String: String] = [:]
        }
        let first = report.students.first?.report
        let layout = (first?.problems ?? []).map(\.parts.count)
        var tallies = layout.map { [Tally](repeating: Tally(), count: $0) }
        var totals: [Double] = []
        totals.reserveCapacity(report.students.count)
        var fullMarks = 0
        var timedOut: [String] = []
        var compileErrors: [String] = []
        var flags: [Flag] = []
        var anyLate = false
        var unsandboxed: String?
        report.students.forEachStudent { id, student in
            totals.append(student.total)
            if abs(student.total - student.maxScore) < 1e-9 { fullMarks += 1 }
            if student.late != nil { anyLate = true }
            if unsandboxed == nil, student.sandbox.mode == .rlimitsOnly { unsandboxed = student.sandbox.note }
            if let declared = student.declaredStudent, declared != id {
                flags.append(
                    Flag(
                        student: id, part: nil, reason: .studentIDMismatch,
                        detail:
                            """
                            answers.yaml says `student: \(declared)`, but the folder is `\(id)`: graded as \
                            `\(id)`. Answers copied from \(declared), or a mislabelled folder?
                            """,
                        publicTrials: nil, hiddenTrials: nil))
            }
            var timeLimit = false
            var compileFailure = false
            student.forEachPart { problem, part, grade in
                if grade.pointee.outcome.isTimeLimit { timeLimit = true }
                if grade.pointee.outcome.isCompileFailure { compileFailure = true }
                if let flag = grade.pointee.flag {
                    flags.append(
                        Flag(
                            student: id, part: "\(grade.pointee.problem).\(grade.pointee.id)", reason: flag.reason,
                            detail: flag.detail,
                            publicTrials: grade.pointee.trials.map { "\($0.publicPassed)/\($0.publicTotal)" },
                            hiddenTrials: grade.pointee.trials.flatMap { tally in
                                tally.hiddenPassed.map { "\($0)/\(tally.hiddenTotal ?? 0)" }
                            }))
                }
                guard problem < layout.count, part < layout[problem] else { return }
                tallies[problem][part].graded += 1
                tallies[problem][part].scores += grade.pointee.score
                if grade.pointee.status == .passed { tallies[problem][part].passed += 1 }
                guard let mistake = grade.pointee.mistake else { return }
                tallies[problem][part].counts[mistake, default: 0] += 1
                if let formula = grade.pointee.mistakeFormula { tallies[problem][part].formulas[mistake] = formula }
            }
            if timeLimit { timedOut.append(id) }
            if compileFailure { compileErrors.append(id) }
        }
        assignment = first?.assignment ?? ""
        students = totals.count
        maxScore = first?.maxScore ?? 0
        let count = Double(max(1, totals.count))
        mean = totals.reduce(0, +) / count
        let sorted = totals.sorted()
        median =
            sorted.isEmpty
            ? 0
            : (sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
        let meanValue = mean
        standardDeviation = (totals.map { ($0 - meanValue) * ($0 - meanValue) }.reduce(0, +) / count).squareRoot()
        lowest = sorted.first ?? 0
        highest = sorted.last ?? 0
        self.fullMarks = fullMarks
        let binCount = 10
        let width = max(maxScore, 1) / Double(binCount)
        histogram = (0..<binCount).map { bin in
            let from = Double(bin) * width
            let to = Double(bin + 1) * width
            let inBin = totals.filter {
                $0 >= from - 1e-9 && ($0 < to - 1e-9 || (bin == binCount - 1 && $0 <= to + 1e-9))
            }.count
            return Bin(from: from, to: to, students: inBin)
        }
        var parts: [PartSummary] = []
        for (problemIndex, problem) in (first?.problems ?? []).enumerated() {
            for (partIndex, part) in problem.parts.enumerated() {
                let tally = tallies[problemIndex][partIndex]
                let mistakes = tally.counts.map {
                    MistakeCount(feedback: $0.key, students: $0.value, formula: tally.formulas[$0.key])
                }
                .sorted { ($0.students, $1.feedback) > ($1.students, $0.feedback) }
                parts.append(
                    PartSummary(
                        problem: problem.id, part: part.id, maxScore: part.maxScore,
                        meanScore: tally.scores / Double(max(1, tally.graded)),
                        passRate: Double(tally.passed) / Double(max(1, tally.graded)), mistakes: mistakes))
            }
        }
        self.parts = parts
        self.timedOut = timedOut
        self.compileErrors = compileErrors
        self.flags = flags
        similarity = report.similarity.matches
        similarityThreshold = report.similarityThreshold
        // A rerun that changed nothing writes the same summary as the run before it.
        changes = report.changes?.isEmpty == false ? report.changes : nil
        if anyLate {
            late = report.students.compactMap { student in
                guard let late = student.report.late, late.daysLate > 0 || late.submittedAt == nil else { return nil }
                return LateStudent(
                    student: student.id, daysLate: late.daysLate, lateDaysUsed: late.lateDaysUsed,
                    penalty: late.penalty, rejected: late.rejected, submittedAt: late.submittedAt,
                    explanation: late.explanation)
            }
        }
        self.unsandboxed = unsandboxed
        generated = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init).map {
            ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0))
        }
    }
}

extension [(id: String, report: GradeReport)] {
    /// Calls `body` with each student's id and report where they are stored, in order: a `for`, `filter` or
    /// `contains` over the array copies each whole report it hands over (a retain per field); for a class of 10,000
    /// such scans took about a quarter of a second on one core, after everything else.
    public func forEachStudent(_ body: (String, GradeReport) throws -> Void) rethrows {
        try withUnsafeBufferPointer { students in
            guard let first = students.baseAddress else { return }
            for index in students.indices { try body((first + index).pointee.id, (first + index).pointee.report) }
        }
    }

    /// Whether any student's report passes `test`, read where it is stored (see `forEachStudent`).
    public func containsStudent(where test: (GradeReport) throws -> Bool) rethrows -> Bool {
        try withUnsafeBufferPointer { students in
            for index in students.indices where try test(students[index].report) { return true }
            return false
        }
    }
}
