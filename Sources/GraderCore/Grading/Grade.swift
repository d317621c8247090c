/// The outcome of grading one submission: the single value every reporter reads.
///
/// Its JSON form is the documented results schema (`docs/results-schema.md`); `schemaVersion` changes whenever a
/// field changes meaning or disappears.
public struct GradeReport: Sendable, Codable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case assignment, checks, declaredStudent, graderVersion, keptHigher, late, limits, maxScore, problems, sandbox,
            schemaVersion, score, student, submission, warnings
    }
    public var schemaVersion = 2
    public var graderVersion: String
    public var assignment: String
    /// The submission folder as given on the command line.
    public var submission: String
    public var score: Double
    public var maxScore: Double
    public var problems: [ProblemGrade]
    /// Things the student or instructor should know that are not about one part (unknown answer keys, no
    /// sandbox, ...), each with its severity and, where there is one, its file and line.
    public var warnings: [Diagnostic]
    public var sandbox: SandboxStatus
    public var limits: SandboxLimits
    /// Which checks ran: `public` with a student kit (public trials, answer forms), `final` with the full
    /// problems or the autograder folder (answer keys, public and hidden trials).
    public var checks: Checks = .final
    /// The student id the submission was graded as, which picked its variant of the numbers.
    public var student: String?
    /// What `student:` in `answers.yaml` said, when it said anything.
    public var declaredStudent: String?
    /// In a batch of an assignment with a `due:` date: what the late policy applied and why.
    public var late: LateAdjustment? = nil
    /// Set by `--keep-higher` when this run's grade came out below the previous run's, which stands.
    public var keptHigher: KeptGrade? = nil

    /// The grade: the earlier one `--keep-higher` kept, else the score after the late penalty, else the score.
    public var total: Double { keptHigher?.total ?? late?.total ?? score }

    /// Which checks a grading ran.
    public enum Checks: String, Sendable, Codable {
        /// A student kit: public trials and answer forms; the rest is graded at final grading.
        case `public`
        /// Answer keys, public and hidden trials: the grade.
        case final
    }

    /// Every part of every problem, in order.
    public var allParts: [PartGrade] { problems.flatMap(\.parts) }

    /// Whether any part passes `test`, which reads the part where it is stored.
    ///
    /// Through buffers and a pointer: `contains(where:)` on the arrays copied each whole report and part it handed
    /// over, and a part handed to a closure as a value is still copied (a retain per field); a class of 10,000 has
    /// 330,000 parts, read on one core after the grading.
    public func containsPart(where test: (UnsafePointer<PartGrade>) throws -> Bool) rethrows -> Bool {
        try problems.withUnsafeBufferPointer { problems in
            for problem in problems.indices {
                let found = try problems[problem].parts.withUnsafeBufferPointer { parts in
                    guard let first = parts.baseAddress else { return false }
                    for part in parts.indices where try test(first + part) { return true }
                    return false
                }
                if found { return true }
            }
            return false
        }
    }

    /// Calls `body` with each part's problem index, part index and grade, where the grade is stored (as
    /// `containsPart` reads them).
    public func forEachPart(_ body: (Int, Int, UnsafePointer<PartGrade>) throws -> Void) rethrows {
        try problems.withUnsafeBufferPointer { problems in
            for problem in problems.indices {
                try problems[problem].parts.withUnsafeBufferPointer { parts in
                    guard let first = parts.baseAddress else { return }
                    for part in parts.indices { try body(problem, part, first + part) }
                }
            }
        }
    }

    /// What public checks said, for a student kit: parts checked now and passed, parts checked now, and parts
    /// graded at final grading.
    public var publicChecks: (passed: Int, checked: Int, later: Int) {
        let graded = allParts.filter { $0.status != .skipped }
        let later = graded.filter { $0.finalOnly }
        let checked = graded.filter { !$0.finalOnly }
        return (checked.filter { $0.status == .passed }.count, checked.count, later.count)
    }

    /// One line on what the public checks found and what is left for final grading.
    public var publicChecksSummary: String {
        let (passed, checked, later) = publicChecks
        let invalid = allParts.filter { $0.finalOnly && $0.status != .pending }.count
        var text =
            """
            public checks passed: \(passed) of \(checked) part\(checked == 1 ? "" : "s"); \(later) \
            part\(later == 1 ? " is" : "s are") graded at final grading
            """
        if invalid > 0 {
            text += " (\(invalid) of them cannot be read as written: fix \(invalid == 1 ? "it" : "them") now)"
        }
        return text
    }
}

/// The grade of one problem.
public struct ProblemGrade: Sendable, Codable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, inputs, limits, maxScore, parts, score, title
    }
    public var id: String
    public var title: String
    public var score: Double
    public var maxScore: Double
    public var parts: [PartGrade]
    /// The limits its functions ran under (defaults, then the problem's own, then the command line's); `nil` for a
    /// problem without snippet parts.
    public var limits: SandboxLimits?
    /// In a batch: digests of what the grade rests on, so that a regrade can say what changed.
    public var inputs: GradeInputs? = nil
}

/// The grade of one part, with feedback a student can act on.
public struct PartGrade: Sendable, Codable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case details, file, finalOnly, flag, id, kind, line, maxScore, message, mistake, mistakeFormula, outcome,
            output, plot, problem, score, status, trials
    }
    public enum Status: String, Sendable, Codable {
        /// Full marks.
        case passed
        /// Some credit, not all (some trials or options wrong).
        case partial
        /// Wrong answer, no credit.
        case failed
        /// Nothing handed in for this part.
        case missing
        /// The code could not be compiled or run (compile error, crash, timeout, limit).
        case error
        /// Deliberately not graded (filtered out on the command line).
        case skipped
        /// Checked for form only; the value is graded at final grading (a student kit has no answer key).
        case pending

        /// Graded now and short of full marks: what a student must still fix (not skipped, not pending).
        public var needsWork: Bool { ![.passed, .skipped, .pending].contains(self) }
    }

    /// What happened, typed: reporters and the class summary read this, never the message text.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Full marks.
        case passed
        /// Some credit.
        case partial
        /// Graded, no credit: a wrong value, a wrong form, outputs that do not match.
        case wrong
        /// Nothing handed in: no answer, no file, no function of that name.
        case missing
        /// The file does not compile or link, or the function does not match its signature.
        case compileError = "compile-error"
        /// The compiler ran over its time limit.
        case compileTimeout = "compile-timeout"
        /// The code ran over the wall-clock limit.
        case timeout
        /// The code ran over the CPU-time limit.
        case cpuLimit = "cpu-limit"
        /// The code ran out of memory under the memory limit.
        case memoryLimit = "memory-limit"
        /// The code printed more than the output limit (or wrote a file over the file-size limit).
        case outputLimit = "output-limit"
        /// The code crashed or exited before finishing its trials.
        case crash
        /// The result channel was written to, closed or forged.
        case tampered
        /// The file could not be read: too large, a link outside the folder, not a regular file.
        case unreadable
        /// Not graded in this run (filtered out).
        case skipped
        /// Well formed; graded at final grading.
        case pending
        /// The grader could not grade it (no answer key, could not start the sandbox): not the student's fault.
        case graderError = "grader-error"

        /// A part that ran over a time limit: wall clock, CPU or the compiler's.
        public var isTimeLimit: Bool { [.timeout, .cpuLimit, .compileTimeout].contains(self) }
        /// A part whose file did not compile (or whose compiler ran over its limit).
        public var isCompileFailure: Bool { [.compileError, .compileTimeout].contains(self) }
    }

    public var problem: String
    public var id: String
    public var kind: KindName
    public var status: Status
    public var outcome: Outcome
    public var score: Double
    public var maxScore: Double
    /// One line: what happened ("2 of 10 trials failed", "expected 213504, got 212992").
    public var message: String
    /// The explanation a student reads: expected form, given value, error against tolerance, hints.
    public var details: [String]
    /// Targeted feedback for a recognised mistake, if one was recognised.
    public var mistake: String?
    /// The recognised mistake's formula in LaTeX (`2 X`), for a formula part: the overview typesets it.
    public var mistakeFormula: String? = nil
    /// Output the student's code printed, cleaned and truncated, when it helps explain a failure.
    public var output: String?
    /// The submission file to look at for this part (`answers.yaml` or `<problem-id>.swift`), relative to the folder.
    public var file: String? = nil
    /// The line in `file` to look at: the answer's key, the compile error, or the function's declaration.
    public var line: Int? = nil
    /// For a snippet part: trials passed, public and hidden.
    public var trials: TrialTally? = nil
    /// Set when the part needs an instructor's review (passing only the public trials, for instance).
    public var flag: Flag? = nil
    /// An answer part whose value a student kit cannot check: graded at final grading.
    public var finalOnly = false
    /// For an experiment with a plot: the student's curves on the first public data set against the reference's.
    public var plot: CurvePlot? = nil

    /// How many trials a snippet part passed, public and hidden.
    public struct TrialTally: Sendable, Codable, Equatable {

        /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
        /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
        enum CodingKeys: String, CodingKey, CaseIterable {
            case hiddenPassed, hiddenTotal, publicPassed, publicTotal
        }
        public var publicPassed: Int
        public var publicTotal: Int
        /// `nil` when no hidden trials ran (public checks, or a part without any).
        public var hiddenPassed: Int?
        public var hiddenTotal: Int?
    }

    /// Why a part is flagged for an instructor's review.
    public struct Flag: Sendable, Codable, Equatable {

        /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
        /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
        enum CodingKeys: String, CodingKey, CaseIterable {
            case detail, reason
        }
        public enum Reason: String, Sendable, Codable {
            /// Far more public trials pass than hidden ones: the signature of answers hard-coded for the public
            /// checks (or of a bug the public trials missed).
            case publicOnly = "public-only"
            /// A batch folder's name and the `student:` its answers.yaml declares differ: answers copied from
            /// another student, or a mislabelled folder.
            case studentIDMismatch = "student-id-mismatch"
        }

        public var reason: Reason
        /// The evidence, in one sentence.
        public var detail: String
    }
}

extension GradeReport {
    /// This report with every graded part a grader-error for `reason` and no points: for a submission the grader
    /// could not grade at all (its folder vanished mid-run), so that no grade stands on a half-read folder.
    func ungradable(because reason: String) -> GradeReport {
        var report = self
        for problem in report.problems.indices {
            for part in report.problems[problem].parts.indices
            where report.problems[problem].parts[part].status != .skipped {
                report.problems[problem].parts[part].status = .error
                report.problems[problem].parts[part].outcome = .graderError
                report.problems[problem].parts[part].score = 0
                report.problems[problem].parts[part].message = reason
                report.problems[problem].parts[part].details = []
                report.problems[problem].parts[part].mistake = nil
                report.problems[problem].parts[part].output = nil
                report.problems[problem].parts[part].trials = nil
                report.problems[problem].parts[part].plot = nil
            }
            report.problems[problem].score = 0
        }
        report.score = 0
        return report
    }
}
