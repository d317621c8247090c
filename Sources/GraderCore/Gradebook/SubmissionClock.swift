import Foundation

/// Where a submission's time is read from inside its folder: `timestamp.txt`, Gradescope's
/// `submission_metadata.json`, or the last commit of the folder's own git repository (GitHub Classroom).
///
/// All three are in the student's folder, so they are what the tool that collected it wrote, or what the student
/// wrote: a commit's date is set by the student's machine. `--submitted-at` (from the LMS or the push log) comes
/// first whenever it has the student.
enum SubmissionClock {
    /// `timestamp.txt`'s first line, an ISO 8601 time with a zone; `nil` when there is no such file.
    static func timestampFile(in folder: String) -> Result<SubmissionTime?, Submission.FileProblem> {
        switch Submission.readFile(named: "timestamp.txt", in: folder) {
        case .failure(let problem): return problem.missing ? .success(nil) : .failure(problem)
        case .success(let bytes):
            let text = String(decoding: bytes.prefix(200), as: UTF8.self)
            let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard let date = LatePolicy.date(first) else {
                return .failure(
                    Submission.FileProblem(
                        missing: false,
                        message: "timestamp.txt does not start with an ISO 8601 time with a zone, so it was not used."))
            }
            return .success(SubmissionTime(date: date, source: "timestamp.txt"))
        }
    }

    /// What Gradescope's `submission_metadata.json` says: when the submission was created, and the student's own
    /// due date when Gradescope gave them one (an extension) that differs from the assignment's.
    static func gradescopeMetadata(in folder: String) -> Result<
        (submitted: SubmissionTime, due: DueDate?)?, Submission.FileProblem
    > {
        let name = "submission_metadata.json"
        switch Submission.readFile(named: name, in: folder) {
        case .failure(let problem): return problem.missing ? .success(nil) : .failure(problem)
        case .success(let bytes):
            guard let metadata = try? JSONDecoder().decode(GradescopeMetadata.self, from: Data(bytes)),
                let created = LatePolicy.date(metadata.created_at)
            else {
                return .failure(
                    Submission.FileProblem(
                        missing: false,
                        message: "\(name) has no `created_at` time Gradescope writes, so it was not used."))
            }
            let assignmentDue = metadata.assignment?.due_date.flatMap(LatePolicy.date)
            let own = metadata.users?.lazy.compactMap { $0.assignment?.due_date.flatMap(LatePolicy.date) }.first
            let due = own.flatMap {
                $0 == assignmentDue ? nil : DueDate(date: $0, source: "Gradescope's due date for the student")
            }
            return .success((SubmissionTime(date: created, source: name), due))
        }
    }

    /// The part of Gradescope's submission metadata read here.
    struct GradescopeMetadata: Decodable {
        struct Assignment: Decodable {
            var due_date: String?
        }
        struct User: Decodable {
            var assignment: Assignment?
        }
        var created_at: String
        var assignment: Assignment?
        var users: [User]?
    }

    /// The committer date of the last commit of the folder's own `.git`, read by git inside the sandbox (a
    /// repository's config can make git run programs); `nil` when the folder is no git repository.
    static func lastCommit(of folder: String, sandbox: Sandbox) -> Result<SubmissionTime?, Submission.FileProblem> {
        let gitDirectory = (folder as NSString).appendingPathComponent(".git")
        var info = stat()
        guard lstat(gitDirectory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return .success(nil) }
        func problem(_ text: String) -> Result<SubmissionTime?, Submission.FileProblem> {
            .failure(Submission.FileProblem(missing: false, message: text))
        }
        guard let git = ProcessRunner.which("git") else {
            return problem("The folder is a git repository, but git is not installed to read its last commit.")
        }
        let command = [
            git, "--no-pager", "-c", "safe.directory=*", "-c", "log.showSignature=false", "-c", "core.fsmonitor=false",
            "--git-dir", gitDirectory, "log", "-1", "--format=%H %ct",
        ]
        do {
            let work = try sandbox.workFolder(for: .student, prefix: "git")
            let outcome = try sandbox.runTool(
                command, in: work, readable: [gitDirectory], limits: ToolLimits(wallSeconds: 20, outputBytes: 1 << 16))
            let words = String(decoding: outcome.stdout, as: UTF8.self).split(whereSeparator: \.isWhitespace)
            guard outcome.succeeded, words.count == 2, let seconds = Double(words[1]) else {
                let why = String(decoding: outcome.stderr.prefix(300), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                return problem("git could not read the last commit of its .git (\(why.isEmpty ? "no output" : why)).")
            }
            return .success(
                SubmissionTime(
                    date: Date(timeIntervalSince1970: seconds),
                    source: "the last git commit, \(words[0].prefix(7)) (its date is set by the student's machine)"))
        } catch {
            return problem("git could not be run on its .git: \(error).")
        }
    }
}
