import Foundation

/// A folder of assignments (`problems/` holding `hw6/` and `calculus-backprop/`), and how a command picks one.
///
/// An assignment folder holds `assignment.yaml` or problem folders (`<id>/problem.yaml`); a course folder holds
/// assignment folders. `--problems` may name either: an assignment folder is used as it is, and in a course folder
/// the assignment is `--assignment NAME`, or else the one whose problems the submission answers.
public enum Course {
    /// The assignment folders directly under `folder`, sorted; empty when `folder` is itself an assignment.
    public static func assignments(in folder: String) -> [String] {
        guard !isAssignment(folder) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") && isAssignment((folder as NSString).appendingPathComponent($0)) }
            .sorted()
    }

    /// Whether `folder` is one assignment: it has `assignment.yaml`, or a sub-folder with `problem.yaml`.
    public static func isAssignment(_ folder: String) -> Bool {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: (folder as NSString).appendingPathComponent("assignment.yaml")) {
            return true
        }
        let names = (try? fileManager.contentsOfDirectory(atPath: folder)) ?? []
        return names.contains { fileManager.fileExists(atPath: "\(folder)/\($0)/problem.yaml") }
    }

    /// Why no assignment could be chosen.
    public struct ChoiceError: Error, CustomStringConvertible, Sendable {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// The assignment folder a command uses: `folder` itself when it is one, else `folder/assignment`, else the
    /// assignment whose problems `submissions` answer (their `<problem>.swift` files and `answers.yaml` keys).
    ///
    /// - Parameters:
    ///   - submissions: Submission folders, or a batch's folder of them (its sub-folders are looked at).
    ///   - problem: A problem id: without `assignment`, the one assignment that holds it is used.
    public static func assignmentFolder(
        _ folder: String, assignment: String?, submissions: [String] = [], problem: String? = nil
    ) throws -> String {
        let available = assignments(in: folder)
        if let problem, assignment == nil, available.count > 1 {
            let holding = available.filter {
                FileManager.default.fileExists(atPath: "\(folder)/\($0)/\(problem)/problem.yaml")
            }
            if holding.count == 1 { return (folder as NSString).appendingPathComponent(holding[0]) }
            if holding.isEmpty {
                throw ChoiceError(
                    description:
                        """
                        no problem `\(problem)` in any assignment of \(folder) \
                        (\(available.joined(separator: ", ")); see `grader list`)
                        """
                )
            }
        }
        if let assignment {
            if isAssignment(folder) {
                let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
                if name == assignment { return folder }
                throw ChoiceError(
                    description:
                        """
                        \(folder) is the assignment `\(name)`, not `\(assignment)`; drop --assignment or pass the \
                        folder of assignments
                        """
                )
            }
            guard available.contains(assignment) else {
                throw ChoiceError(description: "\(folder) has no assignment `\(assignment)`\(listing(available))")
            }
            return (folder as NSString).appendingPathComponent(assignment)
        }
        if available.isEmpty { return folder }
        if available.count == 1 { return (folder as NSString).appendingPathComponent(available[0]) }
        let scores = available.map { name in
            (name, answeredProblems(of: (folder as NSString).appendingPathComponent(name), in: submissions))
        }
        let best = scores.map(\.1).max() ?? 0
        let leaders = scores.filter { $0.1 == best }
        if best > 0, leaders.count == 1 { return (folder as NSString).appendingPathComponent(leaders[0].0) }
        let hint = submissions.isEmpty ? "" : " (the submission's files do not say which)"
        throw ChoiceError(
            description:
                """
                \(folder) holds several assignments\(hint); pick one with --assignment NAME or --problems \
                \(folder)/NAME\(listing(available))
                """
        )
    }

    private static func listing(_ names: [String]) -> String {
        names.isEmpty ? "" : ": " + names.joined(separator: ", ")
    }

    /// How many of the assignment's problem ids the submissions name, as a `.swift` file or a top-level
    /// `answers.yaml` key; a folder without `answers.yaml` or Swift files counts through its sub-folders (a class).
    static func answeredProblems(of assignment: String, in submissions: [String]) -> Int {
        let fileManager = FileManager.default
        let problems = Set(
            ((try? fileManager.contentsOfDirectory(atPath: assignment)) ?? []).filter {
                fileManager.fileExists(atPath: "\(assignment)/\($0)/problem.yaml")
            })
        var named = Set<String>()
        func look(at folder: String, depth: Int) {
            let names = (try? fileManager.contentsOfDirectory(atPath: folder)) ?? []
            let ownFiles = names.contains("answers.yaml") || names.contains { $0.hasSuffix(".swift") }
            if ownFiles || depth > 0 {
                for name in names where name.hasSuffix(".swift") { named.insert(String(name.dropLast(6))) }
                if let data = FileBytes.read("\(folder)/answers.yaml"), data.count < 1 << 20 {
                    for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
                        guard let first = line.first, !first.isWhitespace, first != "#",
                            let colon = line.firstIndex(of: ":")
                        else { continue }
                        named.insert(
                            line[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(
                                in: CharacterSet(charactersIn: "\"'")))
                    }
                }
                return
            }
            // A class: the first few students are enough to tell.
            for name in names.filter({ !$0.hasPrefix(".") }).sorted().prefix(20) {
                look(at: "\(folder)/\(name)", depth: depth + 1)
            }
        }
        for submission in submissions { look(at: submission, depth: 0) }
        return problems.intersection(named).count
    }
}
