import Foundation

/// The one frontend job the Swift driver runs for a compile, with its source files as slots, so that a compile starts
/// `swift-frontend` itself instead of the driver.
///
/// The driver only plans a `-c` compile: it works out the frontend's arguments and runs that one job. Starting it
/// costs about 50 ms of CPU a call (it loads a large program and its libraries), 5% of a cold class's CPU time over
/// its 90 compiler calls. So the plan is asked for once per kind of call (`swiftc -###` on the same arguments, its
/// source files replaced by slots) and filled in with each call's files. The objects and the messages are the
/// driver's own (a test compares them byte for byte). Any call that asks for more than objects (a module, an
/// interface), or whose plan is not one frontend job, goes through the driver as before.
struct FrontendCommand: Sendable, Equatable {
    let executable: String
    let template: [String]

    /// The stand-in for the source file at `index` in a derivation.
    static func slot(_ index: Int) -> String { "__grader_source_\(index)" }

    /// The arguments with every source file (an argument ending in `.swift`) replaced by its slot, and the files in
    /// order; `nil` for a call this type does not plan: one that is not `-c`, or asks for any other output.
    static func shape(of arguments: [String]) -> (key: [String], sources: [String])? {
        guard arguments.contains("-c"), !arguments.contains(where: { $0.hasPrefix("-emit") || $0 == "-###" })
        else { return nil }
        var sources: [String] = []
        let key = arguments.map { argument -> String in
            guard argument.hasSuffix(".swift") else { return argument }
            sources.append(argument)
            return slot(sources.count - 1) + ".swift"
        }
        return sources.isEmpty ? nil : (key, sources)
    }

    /// The frontend's command for a call of this shape on `sources`: each slot's `.swift` and `.o` replaced by the
    /// file and the object the driver would name after it.
    func command(sources: [String]) -> [String] {
        var names: [String: String] = [:]
        for (index, source) in sources.enumerated() {
            names[Self.slot(index) + ".swift"] = source
            // The driver names an object after its source, in the working folder.
            names[Self.slot(index) + ".o"] = String((source as NSString).lastPathComponent.dropLast(6)) + ".o"
        }
        return [executable] + template.map { names[$0] ?? $0 }
    }

    /// Asks `swiftc -###` for its plan of `key` (arguments in the shape `shape` gives, `count` sources) in an empty
    /// folder of its own; `nil` unless the plan is one `swift-frontend -frontend -c` job in which every slot stands
    /// alone as a source (once) or an object, and nothing else names one.
    static func derive(swiftc: String, key: [String], count: Int) -> FrontendCommand? {
        guard let folder = try? TemporaryDirectory(prefix: "frontend-probe") else { return nil }
        defer { folder.remove() }
        for index in 0..<count {
            _ = FileManager.default.createFile(atPath: "\(folder.path)/\(slot(index)).swift", contents: Data())
        }
        var request = ProcessRequest(executable: swiftc, arguments: ["-###"] + key)
        request.workingDirectory = folder.path
        request.environment = SnippetBuilder.environment(temporary: folder.path)
        request.wallSeconds = 30
        guard let outcome = try? ProcessRunner.run(request), outcome.succeeded else { return nil }
        let lines = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n")
        guard lines.count == 1, var words = LinkCommand.words(String(lines[0])) else { return nil }
        // A map of the outputs besides the objects, in the driver's own temporary folder: the call asks for none
        // (`shape` refuses `-emit...`), so the map is empty, and the frontend is not told of a file that is gone.
        if let map = words.firstIndex(of: "-supplementary-output-file-map") {
            guard map + 1 < words.count else { return nil }
            words.removeSubrange(map...(map + 1))
        }
        return checked(words, key: key, count: count)
    }

    /// The command `words` (the frontend, then its arguments) stand for, for `key` with `count` sources; `nil`
    /// unless they are one `swift-frontend -frontend -c` job in which every slot stands alone as a source (once) or
    /// an object, nothing else names one, and every path of `key` is there whole.
    static func checked(_ words: [String], key: [String], count: Int) -> FrontendCommand? {
        var words = words
        guard words.count > 2, URL(fileURLWithPath: words[0]).lastPathComponent == "swift-frontend",
            words[1] == "-frontend",
            words.contains("-c"), FileManager.default.isExecutableFile(atPath: words[0])
        else { return nil }
        let executable = words.removeFirst()
        for index in 0..<count {
            let source = slot(index) + ".swift"
            guard words.filter({ $0 == source }).count == 1 else { return nil }
        }
        let slots = Set((0..<count).flatMap { [slot($0) + ".swift", slot($0) + ".o"] })
        guard !words.contains(where: { $0.contains("__grader_source_") && !slots.contains($0) }) else { return nil }
        // Every path the call names (a module cache, an include folder) reaches the frontend whole: a plan read
        // wrongly (a path with a space, quoted in a way this reading missed) is not used.
        for argument in key where argument.contains("/") && !words.contains(argument) { return nil }
        return FrontendCommand(executable: executable, template: words)
    }
}

extension FrontendCommand {
    /// The command as the lines of a memo file: the frontend, then one argument a line; `nil` when a line would hold
    /// a line break.
    var memo: [UInt8]? {
        let lines = [executable] + template
        guard !lines.contains(where: { $0.contains("\n") }) else { return nil }
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// The command a memo file holds for `key` with `count` sources, checked as a derived one is (`checked`).
    init?(memo bytes: [UInt8], key: [String], count: Int) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        guard let command = Self.checked(lines, key: key, count: count) else { return nil }
        self = command
    }
}

/// The frontend commands derived so far, one per shape of call, for every thread; a shape whose derivation failed,
/// or whose plan turned out wrong (`refuse`), is remembered as such and goes through the driver.
///
/// Each shape is derived once: threads that ask for a shape being derived wait for it (a class's four harness
/// compiles start together and asked the driver four times), while other shapes are not kept waiting.
///
/// With a `memoFolder` (the grader's private cache), each plan is also kept there, in a file named by `identity` (the
/// toolchain's and the grader's build) and the shape, and read back by later runs: asking the driver costs about
/// 0.1 s, which every `grader grade` paid before its first compile could start. A plan read back is checked as a
/// derived one is, its frontend must be the one beside the driver, and one that turned out wrong is removed with
/// its memo.
final class FrontendCommands: @unchecked Sendable {
    /// One shape's plan: derived (or refused) once, under its own lock.
    private final class Plan: @unchecked Sendable {
        let lock = NSLock()
        var derived = false
        var command: FrontendCommand?
    }

    private let plans = Locked<[[String]: Plan]>([:])
    private let memoFolder: String?
    private let identity: String

    /// Plans kept for this run only (`memoFolder` nil), or also in `memoFolder` under `identity`.
    init(memoFolder: String? = nil, identity: String = "") {
        self.memoFolder = memoFolder
        self.identity = identity
    }

    /// The memo file of the plan for `key`, when plans are kept.
    func memoPath(for key: [String]) -> String? {
        guard let memoFolder else { return nil }
        var hasher = SHA256Hasher()
        hasher.update(field: identity)
        for argument in key { hasher.update(field: argument) }
        return "\(memoFolder)/frontend-plan-\(hasher.hexDigest().prefix(24))"
    }

    /// The plan for `key` with `count` sources: read from its memo, or asked of the driver and kept.
    private func plan(swiftc: String, key: [String], count: Int) -> FrontendCommand? {
        let memo = memoPath(for: key)
        if let memo, let bytes = WorkFolder.readRegularFile(memo, limit: 1 << 20),
            let known = FrontendCommand(memo: bytes, key: key, count: count),
            Self.resolved(known.executable) == Self.resolved(Self.frontend(beside: swiftc))
        {
            return known
        }
        let derived = FrontendCommand.derive(swiftc: swiftc, key: key, count: count)
        if let memo, let bytes = derived?.memo { try? WorkFolder.writeAtomically(bytes, to: memo, mode: 0o600) }
        return derived
    }

    /// The `swift-frontend` in the folder of the driver `swiftc` resolves to.
    private static func frontend(beside swiftc: String) -> String {
        (resolved(swiftc) as NSString).deletingLastPathComponent + "/swift-frontend"
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    private func plan(for key: [String]) -> Plan {
        plans.withLock { plans in
            if let plan = plans[key] { return plan }
            let plan = Plan()
            plans[key] = plan
            return plan
        }
    }

    /// The command that compiles `arguments` (a call to `swiftc`) with the frontend directly, and the call's source
    /// files; `nil` for the driver.
    func command(swiftc: String, arguments: [String]) -> (command: [String], sources: [String])? {
        guard let shape = FrontendCommand.shape(of: arguments) else { return nil }
        let plan = plan(for: shape.key)
        let command = plan.lock.withLock {
            if !plan.derived {
                plan.command = self.plan(swiftc: swiftc, key: shape.key, count: shape.sources.count)
                plan.derived = true
            }
            return plan.command
        }
        return command.map { ($0.command(sources: shape.sources), shape.sources) }
    }

    /// Goes through the driver from now on for calls shaped like `arguments`: their plan failed where the driver did
    /// not.
    func refuse(_ arguments: [String]) {
        guard let shape = FrontendCommand.shape(of: arguments) else { return }
        let plan = plan(for: shape.key)
        plan.lock.withLock {
            plan.command = nil
            plan.derived = true
            if let memo = memoPath(for: shape.key) { unlink(memo) }
        }
    }
}
