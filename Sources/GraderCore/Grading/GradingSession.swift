import Foundation

/// Everything that shapes a grading run, gathered from the command line.
public struct GradingOptions: Sendable {
    public var problemsDirectory = "problems"
    public var cacheDirectory = GradingOptions.defaultCacheDirectory()
    /// Limits given on the command line; they override the problems' own.
    public var limits = LimitOverrides()
    /// Refuse to run student code without namespace isolation.
    public var requireSandbox = false
    /// Run without namespaces even where they work (to see the fallback).
    public var disableNamespaces = false
    /// In the fallback, do not confine student code with Landlock (to see what is left without it).
    public var disableLandlock = false
    /// Problems compiled and run at the same time.
    public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// When set, only these problems (`variance-recursion`) or parts (`residual-jacobians.gradient-b1`) are graded;
    /// the others are reported as skipped.
    public var only: Set<String>?
    /// Keep each problem's grade in `<cache>/results/`, keyed by everything it rests on (the definition, the limits,
    /// the grader, the student's files for it). `batch`, `grade` and `check` turn it on; a batch resumes this way.
    public var cachesResults = false
    /// With `cachesResults`, read a kept grade back instead of grading again; off (`--no-result-cache`), every
    /// problem is graded again and its new grade replaces the kept one.
    public var readsCachedResults = true
    /// A part is flagged when the fraction of public trials it passes exceeds the fraction of hidden trials it
    /// passes by more than this (a table of the public outputs: 1 - 0; a correct function: 1 - 1).
    public var flagThreshold = 0.5

    public init() {}

    /// Whether `part` of `problem` is graded in this run (`only` names it or its problem, or is unset).
    public func selects(_ problem: Problem, _ part: Part) -> Bool {
        guard let only else { return true }
        return only.contains(problem.id) || only.contains("\(problem.id).\(part.id)")
    }

    /// `$GRADER_CACHE`, else `$XDG_CACHE_HOME/grader`, else `~/.cache/grader`.
    public static func defaultCacheDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["GRADER_CACHE"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/grader" }
        return NSHomeDirectory() + "/.cache/grader"
    }
}

/// The grader's version, part of every report and of cache keys for results.
public let graderVersion = "0.2.0"

/// A grading run: the problems, the compiler, the sandbox and the reference results, shared by every submission.
///
/// A class because it owns the sandbox's staging folder (released by `close()`) and caches reference results
/// that every submission graded in the session reuses.
public final class GradingSession: @unchecked Sendable {
    public let problems: ProblemSet
    public let options: GradingOptions
    public let limits: SandboxLimits
    let builder: SnippetBuilder
    public let sandbox: Sandbox
    private let references = Locked([String: Result<ReferenceResults, GraderError>]())
    /// The answer keys alone of problems for which nobody in this session handed in code (`ReferenceRunner.run`
    /// without snippets), by problem id; never written to the cache, which holds complete results only.
    private let answerKeysOnly = Locked([String: Result<ReferenceResults, GraderError>]())
    /// Answer keys of students' variants, by problem id and the variant's digest.
    private let variantKeys = Locked([String: [String: AnswerKey]]())
    /// Why the reference failed on a variant (by problem and variant digest), when it failed on that one alone.
    private let variantFailures = Locked([String: String]())
    /// Problems whose stored variant keys (`variantStorePath`) this session has read into `variantKeys`.
    private let variantStoresRead = Locked(Set<String>())
    /// Each student's variant of each problem with parameters, by the bytes of the problem id and the student id.
    private let drawnVariants = Locked([[UInt8]: Result<ParameterValues, GraderError>]())
    /// Each problem's harness entries (`ReferenceRunner.harnessEntries`), listed once a run.
    private let harnessLists = Locked([String: [HarnessEntry]?]())
    /// Per problem, a digest of everything but the submission that its grade depends on.
    private let definitionDigests: [String: String]
    /// Per problem, a short digest of its definition and reference files alone, and one of the grader and compiler:
    /// what a batch keeps (`GradeInputs`) so that a regrade can say which of them changed.
    private let problemInputDigests: [String: String]
    private let graderInputDigest: String
    private let referenceLocks: [String: NSLock]
    /// Whether student code is kept away from the grader's files (namespaces, a different user, or Landlock); when
    /// not, the reference outputs never touch the disk.
    public var keepsFilesFromStudents: Bool { sandbox.keepsFilesFromStudents }

    /// Loads the problems and prepares the compiler and the sandbox.
    ///
    /// Without namespaces, student code runs as the grader's own user unless the grader is root (then as an
    /// unprivileged uid); without Landlock as well, it could read or rewrite anything the grader keeps on disk. In
    /// that case the session keeps reference outputs in memory only, caches no results, and compiles into a private
    /// folder (module cache included) removed when it closes.
    public init(options requested: GradingOptions) throws {
        var options = requested
        // The compiler and the sandboxed runs start in folders of their own: a relative cache would name another
        // place there (`--cache cache` once failed every reference as "cannot import Foundation").
        options.cacheDirectory = Self.absolute(options.cacheDirectory)
        // The problems load on a thread of their own while the sandbox is probed (bubblewrap started once, which a
        // warm rerun otherwise waits for); a problem's error still comes first, as when they loaded before.
        let directory = options.problemsDirectory
        let loading = BackgroundJob { Result { try ProblemLoader.load(directory: directory) } }
        limits = SandboxLimits().applying(options.limits)
        let probed = Result {
            let swiftc = try SnippetBuilder.findCompiler()
            let sandbox = try Sandbox(
                runtimeLibraries: SnippetBuilder.runtimeLibraryDirectory(of: swiftc),
                toolchain: SnippetBuilder.toolchainDirectory(of: swiftc),
                requireIsolation: options.requireSandbox, disableNamespaces: options.disableNamespaces,
                disableLandlock: options.disableLandlock)
            return (swiftc, sandbox)
        }
        switch loading.wait() {
        case .success(let loaded): problems = loaded
        case .failure(let error):
            if case .success((_, let sandbox)) = probed { sandbox.close() }
            throw error
        }
        let swiftc: String
        (swiftc, sandbox) = try probed.get()
        var toolchainFolder: String?
        do {
            if !sandbox.keepsFilesFromStudents {
                options.cachesResults = false
                options.cacheDirectory = try sandbox.privateFolder(named: "cache")
                toolchainFolder = try sandbox.privateFolder(named: "toolchain")
            }
            builder = try SnippetBuilder(
                cacheDirectory: options.cacheDirectory, compileSeconds: limits.compileSeconds, sandbox: sandbox,
                swiftc: swiftc,
                toolchainFolder: toolchainFolder)
        } catch {
            sandbox.close()
            throw GraderError.files(
                error, path: options.cacheDirectory,
                doing: "the grader's cache cannot be used (give another folder with --cache or GRADER_CACHE)")
        }
        // Two at a time: each draws its problem's hidden trials, most of a warm rerun's start.
        let (loaded, compilerVersion, status) = (problems, builder.compilerVersion, sandbox.status)
        let digests = parallelMap(count: loaded.problems.count, width: 2) { [options] index in
            Self.definitionDigest(
                loaded.problems[index], compilerVersion: compilerVersion, mode: status.mode,
                sandboxNote: status.note, options: options, role: loaded.role, secret: loaded.secret)
        }
        self.options = options
        definitionDigests = Dictionary(zip(loaded.problems.map(\.id), digests)) { _, last in last }
        var inputs: [String: String] = [:]
        for problem in problems.problems {
            var definition = SHA256Hasher()
            for path in [problem.definitionPath, problem.referencePath] {
                definition.update(FileBytes.read(path) ?? Data())
                definition.update([0])
            }
            inputs[problem.id] = String(definition.hexDigest().prefix(16))
        }
        problemInputDigests = inputs
        var grader = SHA256Hasher()
        grader.update(field: graderVersion)
        // A rebuilt grader grades afresh (`definitionDigest`): a score it moves is said to move because the grader
        // changed, not the options.
        grader.update(field: Self.executableIdentity)
        grader.update(field: builder.compilerVersion)
        graderInputDigest = String(grader.hexDigest().prefix(16))
        referenceLocks = Dictionary(uniqueKeysWithValues: problems.problems.map { ($0.id, NSLock()) })
    }

    /// A digest of everything but the submission that `problem`'s grade depends on: the grader (its version and its
    /// executable, `executableIdentity`), the compiler, the sandbox (its mode and what held without namespaces), the
    /// definition and reference files, the limits, the parts graded, and whatever generates and encodes values (the
    /// trials as they go on the wire, the harness runtime, the compile flags), so that a change to any of them can
    /// never serve old expected outputs or grades. `trials` is replaceable for tests.
    static func definitionDigest(
        _ problem: Problem, compilerVersion: String, mode: SandboxStatus.Mode, sandboxNote: String = "",
        options: GradingOptions,
        role: ProblemSet.Role = .instructor, secret: String? = nil,
        trials: (SnippetSpec) -> [[SnippetValue]] = InputGenerators.trials(for:)
    ) -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: graderVersion)
        hasher.update(field: executableIdentity)
        hasher.update(field: compilerVersion)
        hasher.update(field: mode.rawValue)
        // Without namespaces, what held (a uid of its own, Landlock and its ABI) is part of how the code ran.
        hasher.update(field: sandboxNote)
        for path in [problem.definitionPath, problem.referencePath] {
            hasher.update(FileBytes.read(path) ?? Data())
            hasher.update([0])
        }
        let limits = SandboxLimits().applying(problem.limits).applying(options.limits)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // a dictionary's order changes from run to run; a cache key must not
        hasher.update(field: String(decoding: (try? encoder.encode(limits)) ?? Data(), as: UTF8.self))
        hasher.update(field: problem.parts.filter { options.selects(problem, $0) }.map(\.id).joined(separator: ","))
        hasher.update(field: role.rawValue)
        hasher.update(field: "\(options.flagThreshold)")
        if role == .student {
            let folder = (problem.definitionPath as NSString).deletingLastPathComponent
            hasher.update(
                FileBytes.read((folder as NSString).appendingPathComponent(PublicTrials.fileName))
                    ?? Data())
        }
        for part in problem.snippetParts {
            guard let spec = part.kind.snippet else { continue }
            hasher.update(field: part.id)
            hasher.update(field: trials(spec).map(WireFormat.line).joined(separator: "\n"))
            if role.gradesFinally {
                let hidden = InputGenerators.hiddenTrials(for: spec, problem: problem.id, part: part.id, secret: secret)
                hasher.update(field: hidden.map(WireFormat.line).joined(separator: "\n"))
            }
        }
        hasher.update(field: SnippetBuilder.harnessRuntimeIdentity)
        hasher.update(field: SnippetBuilder.flags.joined(separator: " "))
        hasher.update(field: SnippetBuilder.harnessFlags.joined(separator: " "))
        if problem.hasExperiments { hasher.update(field: ExperimentToolkit.source) }
        return hasher.hexDigest()
    }

    /// The build identity (`FileBytes.buildIdentity`) of the running grader and its launcher (which sets the limits
    /// and Landlock): a rebuilt or upgraded grader may grade differently under the same version number, so nothing
    /// it cached (grades, reference outputs, variant keys) is served to another build, while a Gradescope container
    /// started from the image `setup.sh` warmed still finds what was cached there.
    static let executableIdentity: String = {
        var files = ["/proc/self/exe"]
        if let launcher = try? Sandbox.findLauncher() { files.append(launcher) }
        return files.map(FileBytes.buildIdentity(of:)).joined(separator: "; ")
    }()

    /// `path` made absolute against the current folder, as every child process must read it.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// Releases the sandbox's staging folder.
    public func close() { sandbox.close() }

    /// The limits for one problem: defaults, then the problem's, then the command line's.
    func limits(for problem: Problem) -> SandboxLimits {
        SandboxLimits().applying(problem.limits).applying(options.limits)
    }

    /// Grades the submission in `folder`.
    ///
    /// Throws only for faults of the grader or the problem definitions (a broken reference); anything wrong with
    /// the submission becomes part grades and warnings.
    ///
    /// - Parameter student: The student id that picks the variant of the numbers (`--student`); `nil` takes
    ///   `student:` from `answers.yaml`.
    public func grade(folder: String, student: String? = nil) throws -> GradeReport {
        var submission = Submission.load(folder: folder, problems: problems)
        if let student {
            submission.student = student
            submission.studentFromOutside = true
        }
        return try grade(submission: submission, prebuilt: nil)
    }

    /// Grades a loaded submission, running its functions from `prebuilt` where the shared compile built them.
    ///
    /// - Parameter cached: Grades already read from the result cache (`cachedGrade`), by problem id: a batch looks
    ///   them up once, before grading, and does not read and decode them again here.
    public func grade(submission: Submission, prebuilt: PrebuiltBinary?, cached: [String: ProblemGrade] = [:]) throws
        -> GradeReport
    {
        let folder = submission.folder
        var warnings = submission.warnings
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue {
            warnings.insert(Diagnostic(.warning, "\(folder) is not a folder; every part is graded as missing"), at: 0)
        }
        if sandbox.status.mode == .rlimitsOnly { warnings.append(Diagnostic(.warning, sandbox.status.note)) }
        if problems.role == .instructor, problems.secret == nil,
            problems.problems.contains(where: { $0.hasSnippetParts })
        {
            warnings.append(
                Diagnostic(
                    .note,
                    """
                    hidden trials were drawn without a secret, so anyone with the grader could draw them too; for \
                    final grades, grade with the autograder folder `grader assign` writes
                    """
                ))
        }
        if problems.role.gradesFinally, problems.problems.contains(where: { !$0.parameters.isEmpty }) {
            if studentUnknown(submission) {
                warnings.append(
                    Diagnostic(
                        .warning,
                        """
                        no student id (`student: <your id>` in answers.yaml, or the grader's --student), so your \
                        own numbers are unknown: the answers that depend on them were not graded and score 0
                        """
                    ))
            } else if submission.student == nil {
                warnings.append(
                    Diagnostic(
                        .note,
                        """
                        no student id (give `--student ID`, or `student: <your id>` in answers.yaml), so the \
                        numbers were checked against the handout's own values, not your variant
                        """
                    ))
            } else if problems.secret == nil, submission.student != Variants.referenceStudent {
                warnings.append(
                    Diagnostic(
                        .note,
                        """
                        without the assignment's secret, each student's variant of the numbers comes from the id \
                        alone: fine for practice, not for final grades
                        """
                    ))
            }
        }
        if let declared = submission.declaredStudent, let student = submission.student, declared != student {
            warnings.append(
                Diagnostic(
                    .warning, file: Submission.answersFileName,
                    """
                    `student: \(declared)`, but this submission is graded as `\(student)`; the numbers checked \
                    are \(student)'s
                    """
                ))
        }
        let list = problems.problems
        // A problem with experiments is compiled with -O, a second or more of one core: started first, it runs
        // beside the others instead of alone after them.
        let order = list.indices.filter { list[$0].hasExperiments } + list.indices.filter { !list[$0].hasExperiments }
        // Every problem's public trials first, then every problem's hidden trials: whatever a run that sees hidden
        // inputs could leave behind (in the page cache, say), no run whose output this feedback shows comes after it.
        // The public runs of all problems share sandboxes, and the hidden runs others; each group's end once its
        // phase is over.
        let groups = RunGroups(public: sandbox.openGroup(), hidden: sandbox.openGroup())
        defer {
            sandbox.endGroup(groups.public)
            sandbox.endGroup(groups.hidden)
        }
        let started: [Result<ProblemGrading, GraderError>] = parallelMap(order: order, width: options.jobs) {
            index in
            Self.catching(list[index]) {
                if let grade = cached[list[index].id] { return ProblemGrading { grade } }
                return try self.start(problem: list[index], submission: submission, prebuilt: prebuilt, groups: groups)
            }
        }
        sandbox.endGroup(groups.public)
        let graded: [Result<ProblemGrade, GraderError>] = parallelMap(order: order, width: options.jobs) { index in
            Self.catching(list[index]) { try started[index].get().finish() }
        }
        let grades = try graded.map { try $0.get() }
        return GradeReport(
            graderVersion: graderVersion, assignment: problems.title, submission: folder,
            score: grades.reduce(0) { $0 + $1.score }, maxScore: grades.reduce(0) { $0 + $1.maxScore },
            problems: grades,
            warnings: warnings, sandbox: sandbox.status, limits: limits,
            checks: problems.role.gradesFinally ? .final : .public,
            student: submission.student, declaredStudent: submission.declaredStudent)
    }

    /// Whether final grading with the assignment's secret cannot tell whose numbers the submission answers: no
    /// student id, or the id `reference` (the handout's own numbers) claimed in `answers.yaml` rather than given by
    /// the instructor. Copying the handout's answers must not pass for anyone's own work.
    func studentUnknown(_ submission: Submission) -> Bool {
        guard problems.role.gradesFinally, problems.secret != nil else { return false }
        guard let student = submission.student else { return true }
        return student == Variants.referenceStudent && !submission.studentFromOutside
    }

    /// The variant of `problem` a submission is graded against: its student's, in final grading; a student kit
    /// holds no keys, so there it is the handout's own.
    func variant(of problem: Problem, for submission: Submission) throws -> ParameterValues {
        try variant(of: problem, student: submission.student)
    }

    /// The entries of `problem`'s harness, which its reference's and students' binaries share
    /// (`ReferenceRunner.harnessEntries`); read from `reference.swift` once a run.
    func harnessEntries(of problem: Problem) -> [HarnessEntry]? {
        if let known = harnessLists.withLock({ $0[problem.id] }) { return known }
        let listed = ReferenceRunner(session: self, problem: problem).harnessEntries()
        harnessLists.withLock { $0[problem.id] = listed }
        return listed
    }

    /// Whether each student gets numbers of their own for `problem`: final grading of a problem with parameters.
    func drawsVariants(_ problem: Problem) -> Bool { problems.role.gradesFinally && !problem.parameters.isEmpty }

    /// The variant of `problem` for `student` in final grading; `nil` is the handout's own numbers.
    func variant(of problem: Problem, student: String?) throws -> ParameterValues {
        guard drawsVariants(problem) else { return .none }
        // Drawn once per student and problem: keys and the grading all ask for it. Remembered by the ids' bytes, as
        // the draw and the cache key read them: Swift compares strings in their canonical form, so "José" in two
        // Unicode forms would be one student to a memo keyed by the string, and two to the cache.
        var memo = Array(problem.id.utf8) + [0]
        memo += student.map { [1] + Array($0.utf8) } ?? []
        if let drawn = drawnVariants.withLock({ $0[memo] }) { return try drawn.get() }
        let drawn: Result<ParameterValues, GraderError>
        do {
            drawn = .success(try problem.variant(student: student, secret: problems.secret))
        } catch let error as GraderError {
            drawn = .failure(error)
        }
        drawnVariants.withLock { $0[memo] = drawn }
        return try drawn.get()
    }

    /// `body`'s result, with any error that is not a `GraderError` turned into a broken reference of `problem`.
    private static func catching<Value>(_ problem: Problem, _ body: () throws -> Value) -> Result<Value, GraderError> {
        do {
            return .success(try body())
        } catch let error as GraderError {
            return .failure(error)
        } catch {
            return .failure(.referenceBroken(problem: problem.id, detail: "\(error)"))
        }
    }

    /// A problem's grading with its public trials run and its hidden trials to come.
    struct ProblemGrading: Sendable {
        /// Runs the hidden trials and returns the problem's grade.
        let finish: @Sendable () throws -> ProblemGrade
    }

    /// Grades `problem` for `submission` up to its hidden trials: the answers, the compile and the public runs, or
    /// the cached grade.
    func start(problem: Problem, submission: Submission, prebuilt: PrebuiltBinary? = nil, groups: RunGroups? = nil)
        throws -> ProblemGrading
    {
        // Caching pays only where code runs: answers alone are checked faster than a cached grade is read.
        guard options.cachesResults, runsCode(problem, submission) else {
            return try startUncached(problem: problem, submission: submission, prebuilt: prebuilt, groups: groups)
        }
        if let cached = cachedGrade(problem: problem, submission: submission) { return ProblemGrading { cached } }
        let path = "\(options.cacheDirectory)/results/\(resultKey(problem: problem, submission: submission)).json"
        let pending = try startUncached(problem: problem, submission: submission, prebuilt: prebuilt, groups: groups)
        return ProblemGrading {
            let grade = try pending.finish()
            // A grade the grader could not give (the sandbox failed) is never stored: the next run tries again. Nor is
            // one that ran out of wall-clock time (a run or a compile): a busy machine must not fail a `check` until
            // the student edits the file. CPU time does not depend on the load, so a CPU limit is kept.
            guard
                !grade.parts.contains(where: {
                    [.graderError, .timeout, .compileTimeout].contains($0.outcome)
                })
            else { return grade }
            TimeLedger.shared.measure("cache: write a grade") {
                if let bytes = try? JSONText.members(grade, pretty: false) {
                    try? Reporters.write(String(decoding: bytes, as: UTF8.self), to: path)
                }
            }
            return grade
        }
    }

    /// Whether grading `problem` for `submission` runs code: it has snippet parts and the student's file is there
    /// (a file that cannot be used, too large or a folder, is there and graded as such; a broken link is missing,
    /// as grading reports it).
    ///
    /// Asked of the submission's snapshot, which reads each file once: a batch asks before looking up the grade and
    /// again when grading, and compiles the file in between. Each asking looked for the file again: in a profile of a
    /// class that hands in no code, looking for files took 3.7% of the CPU time, and 2.0% once asked here.
    func runsCode(_ problem: Problem, _ submission: Submission) -> Bool {
        guard problem.hasSnippetParts else { return false }
        if case .failure(let failure) = submission.file(named: problem.snippetFileName), failure.missing {
            return false
        }
        return true
    }

    /// The stored grade of `problem` for `submission`, when result caching is on and nothing it depends on changed.
    public func cachedGrade(problem: Problem, submission: Submission) -> ProblemGrade? {
        guard options.cachesResults, options.readsCachedResults, runsCode(problem, submission) else { return nil }
        let path = "\(options.cacheDirectory)/results/\(resultKey(problem: problem, submission: submission)).json"
        return TimeLedger.shared.measure("cache: read a grade") {
            guard let data = FileBytes.read(path) else { return nil }
            return try? JSONText.decode(ProblemGrade.self, from: data)
        }
    }

    /// Short digests of what `problem`'s grade for `submission` rests on, which a batch keeps so that the next run
    /// can say whether the problem, the submission or the grader changed.
    func gradeInputs(problem: Problem, submission: Submission) -> GradeInputs {
        var work = SHA256Hasher()
        work.update(field: submission.student ?? "")
        work.update(
            field: submission.answers[problem.id].map {
                $0.map { "\($0.key)=\($0.value.canonical)" }.sorted().joined(separator: ";")
            } ?? "-")
        if problem.hasSnippetParts,
            case .success(let bytes) = submission.file(named: problem.snippetFileName)
        {
            work.update(bytes)
        }
        return GradeInputs(
            problem: problemInputDigests[problem.id] ?? "", submission: String(work.hexDigest().prefix(16)),
            grader: graderInputDigest)
    }

    /// The cache key of `problem`'s grade for `submission`: the problem's definition digest, the student's answers
    /// for it (with their lines, which the reports show) and the bytes of its Swift file.
    func resultKey(problem: Problem, submission: Submission) -> String {
        var hasher = SHA256Hasher()
        hasher.update(field: definitionDigests[problem.id] ?? "")
        hasher.update(field: submission.answersProblem ?? "")
        // What the student's numbers are drawn from, not the numbers: the draw is a function of the problem's id
        // and definition (in the digest above) and of the variant key, and a warm rerun that finds every grade
        // draws none. The id is there because two problems may be defined by the same bytes.
        hasher.update(field: problem.id)
        if drawsVariants(problem) {
            hasher.update(field: Variants.key(of: submission.student, secret: problems.secret) ?? "handout")
        } else {
            hasher.update(field: "no variant")
        }
        hasher.update(field: studentUnknown(submission) ? "student unknown" : "student known")
        hasher.update(
            field: submission.answers[problem.id].map {
                $0.map { "\($0.key)=\($0.value.canonical)" }.sorted().joined(separator: ";")
            } ?? "-")
        if problem.hasSnippetParts {
            switch submission.file(named: problem.snippetFileName) {
            case .success(let bytes):
                hasher.update(field: "file")
                hasher.update(bytes)
            case .failure(let failure): hasher.update(field: "unreadable:\(failure.message)")
            }
        }
        return hasher.hexDigest()
    }

    func startUncached(problem: Problem, submission: Submission, prebuilt: PrebuiltBinary?, groups: RunGroups? = nil)
        throws -> ProblemGrading
    {
        let selectsAny = problem.parts.contains { options.selects(problem, $0) }
        var reference = ReferenceResults()
        var variantFault: String?
        // The reference's snippet outputs only when the student's code will meet them (the file is read only when
        // the session does not know the complete results yet).
        let snippets = { SnippetChecker.code(of: problem, in: submission) != nil }
        /// Why the grader's own files failed this problem's answer key (a cache it cannot write), if they did.
        var cacheFault: String?
        let variant: ParameterValues
        do {
            variant = try self.variant(of: problem, for: submission)
        } catch GraderError.noVariant(_, let detail) {
            // This student's numbers cannot be drawn: the parts that need them cannot be graded.
            variant = try problem.variant(key: nil)
            variantFault = """
                the grader could not draw the numbers of student `\(submission.student ?? "?")`: \(detail); this is \
                not a fault of the submission: tell your instructor, and it is graded once the constraints are fixed
                """
        }
        do {
            if selectsAny {
                reference =
                    variantFault == nil
                    ? try referenceResults(for: problem, variant: variant, snippets: snippets())
                    : try referenceResults(for: problem, snippets: snippets())
            }
        } catch GraderError.variantBroken(_, let values, let cause) {
            // The reference failed on this student's numbers alone: the parts that need them cannot be graded.
            reference = try referenceResults(for: problem, snippets: snippets())
            let detail = cause.split(separator: "\n").first.map(String.init) ?? cause
            variantFault = """
                the grader could not compute the answer key of student `\(submission.student ?? "?")` for the \
                variant \(values): the reference implementation failed on it (\(detail)); this is not a fault of \
                the submission: tell your instructor, and it is graded once the reference is fixed
                """
        } catch GraderError.io(let path, let reason) {
            // Not the reference's fault nor the student's: the parts that need the key wait for a rerun.
            cacheFault = """
                the grader could not prepare the answer key of `\(problem.id)`: its cache failed (\(path): \
                \(reason)); this is not a fault of the submission: free space or make the cache folder writable \
                (--cache), and a rerun grades these parts
                """
        }
        // From here on, the parts' texts as this student's handout shows them: a grade quotes their hints and known
        // mistakes' feedback (the statement, which no grade quotes, is left as written).
        let problem = problem.gradedInstance(variant)
        let selected = problem.parts.filter { options.selects(problem, $0) }
        var grades: [String: PartGrade] = [:]
        let unknown = studentUnknown(submission)
        for part in selected where !part.isSnippet {
            if let cacheFault, part.needsReference {
                grades[part.id] = PartGrade(
                    problem: problem.id, part: part, status: .error, outcome: .graderError, score: 0,
                    message: ReportText.clean(cacheFault, limit: 1500))
                continue
            }
            if let variantFault, part.expressions.contains(where: problem.parameters.isUsed) {
                grades[part.id] = PartGrade(
                    problem: problem.id, part: part, status: .error, outcome: .graderError, score: 0,
                    message: ReportText.clean(variantFault, limit: 1500))
                continue
            }
            if unknown, part.expressions.contains(where: problem.parameters.isUsed) {
                grades[part.id] = PartGrade(
                    problem: problem.id, part: part, status: .failed, score: 0,
                    message: "not graded: no student id, so your own numbers are unknown",
                    details: [
                        """
                        Name yourself with `student: <your id>` at the top of answers.yaml (`grader init \
                        --student` writes it); the handout's own numbers are not yours.
                        """
                    ])
                continue
            }
            let answer = submission.answers[problem.id]?[part.id]
            if answer == nil, let problemText = submission.answersProblem {
                grades[part.id] = PartGrade(
                    problem: problem.id, part: part, status: .missing, score: 0,
                    message: "no answer: \(problemText)",
                    details: ["Expected \(part.kind.form(of: part, key: reference.answerKeys[part.id]))."])
                continue
            }
            var key = reference.answerKeys[part.id] ?? AnswerKey(expected: nil)
            key.showsDistance = problems.role != .autograder || part.immediateFeedback
            var grade = part.kind.check(problem: problem.id, part: part, answer: answer, key: key)
            grade.file = Submission.answersFileName
            grade.line = answer?.line
            grades[part.id] = grade
        }
        let snippetParts = selected.filter(\.isSnippet)
        if let cacheFault {
            for part in snippetParts {
                grades[part.id] = PartGrade(
                    problem: problem.id, part: part, status: .error, outcome: .graderError, score: 0,
                    message: ReportText.clean(cacheFault, limit: 1500))
            }
        }
        let pending =
            snippetParts.isEmpty || cacheFault != nil
            ? nil
            : SnippetChecker(
                session: self, problem: problem, limits: limits(for: problem),
                prebuilt: prebuilt.flatMap { $0.problems.contains(problem.id) ? $0.path : nil },
                partlyPrebuilt: prebuilt.flatMap { binary in binary.partly[problem.id].map { (binary.path, $0) } },
                groups: groups
            ).start(parts: snippetParts, file: submission.file(named: problem.snippetFileName), reference: reference)
        let answered = grades
        let limits = problem.parts.contains(where: \.isSnippet) ? limits(for: problem) : nil
        return ProblemGrading {
            var grades = answered
            for grade in pending?.finish() ?? [] { grades[grade.id] = grade }
            let parts = problem.parts.map { part in
                grades[part.id]
                    ?? PartGrade(
                        problem: problem.id, id: part.id, kind: part.kindName, status: .skipped, outcome: .skipped,
                        score: 0, maxScore: part.points,
                        message: "not graded in this run (filtered out with --only)", details: [], mistake: nil,
                        output: nil)
            }
            return ProblemGrade(
                id: problem.id, title: problem.title, score: parts.reduce(0) { $0 + $1.score },
                maxScore: problem.maxScore, parts: parts, limits: limits)
        }
    }

    /// The reference's results for one student's variant of `problem`: the snippet expectations, and the answer
    /// keys of the variant.
    func referenceResults(for problem: Problem, variant: ParameterValues, snippets: @autoclosure () -> Bool = true)
        throws -> ReferenceResults
    {
        var results = try referenceResults(for: problem, snippets: snippets())
        // The handout's own numbers (the variant of no student) have the reference's own keys.
        guard drawsVariants(problem), variant != (try self.variant(of: problem, student: nil))
        else {
            return results
        }
        // A batch computes every student's keys before grading: those are read without the problem's lock, which
        // the students graded side by side would otherwise take in turn.
        if let keys = variantKeys.withLock({ $0["\(problem.id)/\(variant.digest)"] }) {
            results.answerKeys = keys
            return results
        }
        try prepareVariants([variant], of: problem)
        if let cause = variantFailures.withLock({ $0["\(problem.id)/\(variant.digest)"] }) {
            throw GraderError.variantBroken(problem: problem.id, variant: variant.description, detail: cause)
        }
        guard let keys = variantKeys.withLock({ $0["\(problem.id)/\(variant.digest)"] }) else {
            throw GraderError.referenceBroken(
                problem: problem.id, detail: "the answer keys of a variant were not computed")
        }
        results.answerKeys = keys
        return results
    }

    /// Computes the answer keys of every variant of `problem` not yet known, in one run of the reference for all
    /// its answer expressions (a trial per variant; a large class's trials in a few runs, `width` side by side), and
    /// keeps them in memory and in the cache.
    public func prepareVariants(_ variants: [ParameterValues], of problem: Problem, width: Int = 1) throws {
        guard drawsVariants(problem) else { return }
        let lock = referenceLocks[problem.id] ?? NSLock()
        lock.lock()
        defer { lock.unlock() }
        if variantStoresRead.withLock({ $0.insert(problem.id).inserted }) {
            let stored = readVariantStore(problem)
            variantKeys.withLock { known in
                for (digest, keys) in stored { known["\(problem.id)/\(digest)"] = keys.mapValues(AnswerKey.init) }
            }
        }
        var seen = Set<String>()
        var missing: [ParameterValues] = []
        for variant in variants where seen.insert(variant.digest).inserted {
            let key = "\(problem.id)/\(variant.digest)"
            if variantKeys.withLock({ $0[key] }) != nil || variantFailures.withLock({ $0[key] }) != nil { continue }
            missing.append(variant)
        }
        guard !missing.isEmpty else { return }
        let computed: [(ParameterValues, [String: AnswerKey])]
        do {
            computed = try TimeLedger.shared.measure("step: the answer keys of the variants") {
                try answerKeys(of: missing, problem: problem, width: width)
            }
        } catch {
            throw GraderError.files(error, path: options.cacheDirectory)
        }
        for (variant, keys) in computed {
            variantKeys.withLock { $0["\(problem.id)/\(variant.digest)"] = keys }
        }
        guard keepsFilesFromStudents else { return }
        // One file per problem for every variant, a line each, appended in one write: graders that share the cache
        // add their lines side by side, and a line cut short (a crash mid-write) fails to decode and is computed again.
        TimeLedger.shared.measure("cache: append a problem's variant answer keys") {
            // Encoded `width` at a time: a class's 10,000 lines took half a second of one core.
            let encoded = parallelMap(count: computed.count, width: width) { index -> [UInt8]? in
                let line = StoredVariant(
                    variant: computed[index].0.digest,
                    keys: computed[index].1.mapValues(ReferenceResults.Stored.Key.init))
                return try? JSONText.members(line, pretty: false)
            }
            var lines: [UInt8] = []
            lines.reserveCapacity(encoded.reduce(0) { $0 + ($1?.count ?? 0) + 1 })
            for bytes in encoded {
                guard let bytes else { continue }
                lines += bytes
                lines.append(0x0A)
            }
            try? Self.append(lines, to: variantStorePath(problem))
        }
    }

    /// One line of a problem's variant store: a variant's digest and its answer keys.
    struct StoredVariant: Codable {
        /// In the byte order of their names, the order the variant store writes them in (`JSONMembers`).
        enum CodingKeys: String, CodingKey {
            case keys, variant
        }
        let variant: String
        let keys: [String: ReferenceResults.Stored.Key]
    }

    /// The answer keys of every variant of `problem` stored in the cache, by variant digest; empty when none are
    /// (or when the sandbox cannot keep student code from the cache, which then is not trusted). Lines that do not
    /// decode are skipped: their variants are computed again.
    private func readVariantStore(_ problem: Problem) -> [String: [String: ReferenceResults.Stored.Key]] {
        TimeLedger.shared.measure("cache: read a problem's variant answer keys") {
            guard keepsFilesFromStudents, let data = FileBytes.read(variantStorePath(problem)) else { return [:] }
            var store: [String: [String: ReferenceResults.Stored.Key]] = [:]
            for line in data.split(separator: 0x0A) {
                if let stored = try? JSONText.decode(StoredVariant.self, from: line) {
                    store[stored.variant] = stored.keys
                }
            }
            return store
        }
    }

    /// Appends `bytes` to the file at `path` (created, with its folder, when missing) in one `write`.
    static func append(_ bytes: [UInt8], to path: String) throws {
        guard !bytes.isEmpty else { return }
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0, errno == ENOENT {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw GraderError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { _ = Foundation.close(fd) }
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, $0.count) }
        guard written == bytes.count else {
            throw GraderError.io(path: path, reason: "only \(written) of \(bytes.count) bytes written")
        }
    }

    /// The answer keys of `variants`, in one run of the reference for all expressions. When that run fails, each
    /// variant is tried alone: a reference that fails on some students' numbers costs those students only, whose
    /// failure is kept for their grading to report; one that fails on every variant is broken, and stops the grading.
    private func answerKeys(of variants: [ParameterValues], problem: Problem, width: Int) throws -> [(
        ParameterValues, [String: AnswerKey]
    )] {
        let runner = ReferenceRunner(session: self, problem: problem)
        do {
            return Array(zip(variants, try runner.answerKeys(for: variants, width: width)))
        } catch GraderError.referenceBroken(_, let detail) where variants.count > 1 {
            var computed: [(ParameterValues, [String: AnswerKey])] = []
            var failures: [(ParameterValues, String)] = []
            for variant in variants {
                do {
                    computed.append((variant, try runner.answerKeys(for: [variant])[0]))
                } catch GraderError.referenceBroken(_, let alone) {
                    failures.append((variant, alone))
                }
            }
            if computed.isEmpty { throw GraderError.referenceBroken(problem: problem.id, detail: detail) }
            for (variant, cause) in failures {
                variantFailures.withLock { $0["\(problem.id)/\(variant.digest)"] = cause }
            }
            return computed
        } catch GraderError.referenceBroken(_, let detail) {
            // One variant alone: its failure is its own unless it is the handout's own numbers.
            guard let variant = variants.first, variant != (try problem.variant(key: nil)) else {
                throw GraderError.referenceBroken(problem: problem.id, detail: detail)
            }
            variantFailures.withLock { $0["\(problem.id)/\(variant.digest)"] = detail }
            return []
        }
    }

    /// Where the answer keys of every variant of `problem` are cached, next to the problem's reference results.
    private func variantStorePath(_ problem: Problem) -> String {
        "\(options.cacheDirectory)/references/\(definitionDigests[problem.id] ?? problem.id).variants.jsonl"
    }

    /// Computes, for a class, every student's variant of every problem that has parameters, ahead of grading; the
    /// problems side by side, `width` at a time.
    ///
    /// - Parameter pending: Per submission, the problems it still needs graded (a kept grade needs no answer key);
    ///   `nil` prepares every problem of every submission.
    public func prepareVariants(for submissions: [Submission], pending: [[Problem]]? = nil, width: Int = 1) throws {
        precondition(pending.map { $0.count == submissions.count } ?? true, "one list of problems per submission")
        let withParameters = problems.problems.filter { problem in
            !problem.parameters.isEmpty && (pending?.contains { $0.contains { $0.id == problem.id } } ?? true)
        }
        let outcomes = parallelMap(count: withParameters.count, width: width) { index in
            variantFault(of: withParameters[index], for: submissions, pending: pending, width: width)
        }
        // The first problem's fault, as when they were computed one after another.
        if let fault = outcomes.compactMap({ $0 }).first { throw fault }
    }

    /// Compiles the reference of each of `problems` whose answer keys need it (`buildForAnswerKeys`), `width` at a
    /// time, under the problem's lock: a batch starts this while it reads the students' folders, so that the
    /// compiles of an empty cache overlap the reading instead of coming after it. Nothing is thrown: a reference that
    /// does not compile is cached as such, and the grading that needs it meets it again (`referenceResults`) and
    /// reports it; a binary already built costs a hash.
    public func buildReferences(_ problems: [Problem], width: Int) {
        guard self.problems.role != .student else { return }
        _ = parallelMap(count: problems.count, width: width) { index in
            let problem = problems[index]
            let lock = referenceLocks[problem.id] ?? NSLock()
            lock.lock()
            defer { lock.unlock() }
            guard references.withLock({ $0[problem.id] }) == nil else { return }
            _ = try? ReferenceRunner(session: self, problem: problem).buildForAnswerKeys()
        }
    }

    /// Prepares a class's grading of `problems`, `width` at a time: for each, its reference (its snippets' trials
    /// only for those in `withCode`: nobody handed in code for the others; a failure surfaces when a grade needs
    /// it), then the answer keys of every variant still pending (as `prepareVariants`). A problem goes on to its
    /// variants as soon as its own reference is ready: one compiles while another runs its keys, where two phases
    /// in a row left a core idle at the end of each.
    public func prepare(
        _ problems: [Problem], withCode: Set<String>, for submissions: [Submission], pending: [[Problem]],
        width: Int
    ) throws {
        precondition(pending.count == submissions.count, "one list of problems per submission")
        // A problem with experiments first: its reference compiles with -O and then trains, the longest of them.
        let experiments = problems.indices.filter { problems[$0].hasExperiments }
        let order = experiments + problems.indices.filter { !problems[$0].hasExperiments }
        let outcomes = parallelMap(order: order, width: width) { index -> GraderError? in
            let problem = problems[index]
            _ = try? referenceResults(for: problem, snippets: withCode.contains(problem.id))
            guard !problem.parameters.isEmpty else { return nil }
            return variantFault(of: problem, for: submissions, pending: pending, width: width)
        }
        if let fault = outcomes.compactMap({ $0 }).first { throw fault }
    }

    /// Computes the answer keys of `problem` for every submission it is pending for (all of them without
    /// `pending`); the fault that stops the class, if any.
    private func variantFault(of problem: Problem, for submissions: [Submission], pending: [[Problem]]?, width: Int)
        -> GraderError?
    {
        let needing = submissions.indices.filter { pending?[$0].contains { $0.id == problem.id } ?? true }
        do {
            // A student whose numbers cannot be drawn is told so when graded; the others' keys are computed here.
            let variants = try TimeLedger.shared.measure("step: draw each student's variant") {
                try needing.map { submissions[$0] }.compactMap { submission -> ParameterValues? in
                    do { return try variant(of: problem, for: submission) } catch GraderError.noVariant {
                        return nil
                    }
                }
            }
            try prepareVariants(variants, of: problem, width: width)
        } catch GraderError.io {
            // The grader's files failed (a cache it cannot write): each student's grading meets the fault again
            // and reports it on the parts it touches, instead of this stopping the whole class.
        } catch let error as GraderError {
            return error
        } catch {
            return .referenceBroken(problem: problem.id, detail: "\(error)")
        }
        return nil
    }

    /// The reference's answers and snippet outputs for `problem`, computed once per session.
    ///
    /// - Parameter snippets: `false` when only the answer keys are needed (the student handed in no code for the
    ///   problem): complete results are returned when known, else the keys alone, without running the reference
    ///   on any snippet's trials.
    func referenceResults(for problem: Problem, snippets wanted: @autoclosure () -> Bool = true) throws
        -> ReferenceResults
    {
        // Known already (a batch prepares them before grading): read without the problem's lock, which students
        // graded side by side would otherwise take in turn, and without looking for the results on disk again.
        if let cached = references.withLock({ $0[problem.id] }) { return try cached.get() }
        if let keys = answerKeysOnly.withLock({ $0[problem.id] }), !wanted() { return try keys.get() }
        // One lock per problem: threads that need the same reference wait for one computation of it.
        let lock = referenceLocks[problem.id] ?? NSLock()
        lock.lock()
        defer { lock.unlock() }
        if let cached = references.withLock({ $0[problem.id] }) { return try cached.get() }
        // On disk too, keyed by everything the reference's outputs depend on: a rerun runs no reference code.
        let path = "\(options.cacheDirectory)/references/\(definitionDigests[problem.id] ?? problem.id).json"
        if keepsFilesFromStudents, let data = FileBytes.read(path),
            let stored = try? JSONText.decode(ReferenceResults.Stored.self, from: data)
        {
            let results = ReferenceResults(stored)
            references.withLock { $0[problem.id] = .success(results) }
            return results
        }
        let snippets = wanted()
        if !snippets, let keys = answerKeysOnly.withLock({ $0[problem.id] }) { return try keys.get() }
        let result: Result<ReferenceResults, GraderError>
        do {
            let computed = try ReferenceRunner(session: self, problem: problem).run(snippets: snippets)
            if snippets, keepsFilesFromStudents, let data = try? JSONEncoder().encode(computed.stored) {
                try? Reporters.write(String(decoding: data, as: UTF8.self), to: path)
            }
            result = .success(computed)
        } catch {
            // The reference's own faults are typed already; anything else failed in the grader's files (a cache
            // that cannot be written: a full disk, a read-only folder).
            result = .failure(.files(error, path: options.cacheDirectory))
        }
        if snippets {
            references.withLock { $0[problem.id] = result }
        } else {
            answerKeysOnly.withLock { $0[problem.id] = result }
        }
        return try result.get()
    }
}
