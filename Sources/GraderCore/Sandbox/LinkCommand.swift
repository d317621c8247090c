import Foundation

/// The linker command the Swift driver would run for an executable, with the objects, the libraries and the output
/// as slots, so that many binaries can be linked without starting the driver and clang for each.
///
/// Where the driver reads the libraries from the objects' autolink entries, which a student's module can fill with
/// any linker option (`--format=binary <file>`, `--Map=<path>`), this command takes them from the grader: the
/// libraries of the toolchain's own modules, `--as-needed` so that a binary loads only those it uses.
struct LinkCommand: Sendable, Equatable {
    let executable: String
    let autolinkExtract: String
    let template: [String]

    static let firstObject = "GRADER_A.o", secondObject = "GRADER_B.o", autolinkSlot = "GRADER_AUTOLINK.o",
        outputSlot = "GRADER_OUT"

    /// The linker's arguments for `objects`, `libraries` (`-lFoundation`, ...) and `output`. Dependent-library
    /// sections of the objects are ignored too: the grader alone says what is linked.
    func arguments(objects: [String], libraries: [String], output: String) -> [String] {
        ["--no-dependent-libraries"]
            + template.flatMap { argument -> [String] in
                switch argument {
                case Self.firstObject: return objects
                case Self.secondObject: return []
                case Self.autolinkSlot: return ["--as-needed"] + libraries + ["--no-as-needed"]
                case Self.outputSlot: return [output]
                default: return [argument]
                }
            }
    }

    /// `libraries` (linker options such as `-lFoundation`) less Foundation's: the binary a link without them makes is
    /// the one a link with them makes, when it links at all. None of them defines a symbol that a library left in
    /// defines too (a test checks the toolchain's), so every symbol binds to the same library either way, and
    /// `--as-needed` records only the libraries a binary uses.
    static func lean(_ libraries: [String]) -> [String] {
        libraries.filter { !$0.hasPrefix("-lFoundation") }
    }

    /// Asks `swiftc -###` how it links two objects, then `clang -### -fuse-ld=lld` how clang runs `ld.lld`.
    static func derive(swiftc: String) -> LinkCommand? {
        guard let folder = try? TemporaryDirectory(prefix: "link-probe") else { return nil }
        defer { folder.remove() }
        for name in [firstObject, secondObject, autolinkSlot] {
            _ = FileManager.default.createFile(atPath: "\(folder.path)/\(name)", contents: Data())
        }
        func run(_ command: [String]) -> String? {
            var request = ProcessRequest(executable: command[0], arguments: Array(command.dropFirst()))
            request.workingDirectory = folder.path
            request.environment = SnippetBuilder.environment(temporary: folder.path)
            request.wallSeconds = 30
            guard let outcome = try? ProcessRunner.run(request) else { return nil }
            return String(decoding: outcome.stdout + outcome.stderr, as: UTF8.self)
        }
        guard let plan = run([swiftc, "-###", firstObject, secondObject, "-o", outputSlot]) else { return nil }
        let lines = plan.split(separator: "\n").compactMap { words(String($0)) }
        guard let extract = lines.first(where: { $0.first?.hasSuffix("swift-autolink-extract") == true })?.first,
            var clang = lines.first(where: {
                ($0.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "").hasPrefix("clang")
            })
        else { return nil }
        let driver = clang.removeFirst()
        clang = clang.map { $0.hasPrefix("@") && $0.hasSuffix(".autolink") ? autolinkSlot : $0 }
        guard let detail = run([driver, "-###", "-fuse-ld=lld"] + clang),
            let line = detail.split(separator: "\n").last(where: { $0.contains("ld.lld") }).flatMap({
                words(String($0))
            }),
            let linker = line.first, FileManager.default.isExecutableFile(atPath: linker)
        else { return nil }
        let template = Array(line.dropFirst())
        for slot in [firstObject, secondObject, autolinkSlot, outputSlot]
        where template.filter({ $0 == slot }).count != 1 {
            return nil
        }
        return LinkCommand(executable: linker, autolinkExtract: extract, template: template)
    }

    /// Splits a command line as `-###` prints it: words separated by spaces; `'...'` as written (the Swift driver
    /// quotes so, `'\''` for a quote), `"..."` with `\` before `"`, `\`, `$` or a backquote (clang quotes so), and
    /// `\` escaping one character elsewhere. `nil` for an unterminated quote, or a comment (` # ...`, which the driver
    /// adds when the job would need an environment or a response file of its own).
    static func words(_ line: String) -> [String]? {
        var result: [String] = []
        var current = ""
        var started = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                if quote == "\"", !"\"\\$`".contains(character) { current.append("\\") }
                current.append(character)
                escaped = false
                continue
            }
            switch quote {
            case "'":
                if character == "'" { quote = nil } else { current.append(character) }
            case "\"":
                if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    quote = nil
                } else {
                    current.append(character)
                }
            default:
                switch character {
                case " ", "\t":
                    if started { result.append(current) }
                    current = ""
                    started = false
                case "'", "\"":
                    quote = character
                    started = true
                case "\\":
                    escaped = true
                    started = true
                case "#" where !started:
                    return nil
                default:
                    current.append(character)
                    started = true
                }
            }
        }
        guard quote == nil, !escaped else { return nil }
        if started { result.append(current) }
        return result
    }
}

/// Derives the link command once, on first use, for every thread, or reads it from where an earlier run kept it.
final class LazyLinkCommand: @unchecked Sendable {
    private let state = Locked<(done: Bool, command: LinkCommand?, remembered: Bool)>((false, nil, false))

    /// The command; `memo`, when it gives one, is a file of the grader's private cache named by the toolchain's build
    /// identity: asking the driver and clang costs about 0.4 s, which `grade` on one student paid on every run.
    func value(swiftc: String, memo memoPath: () -> String?) -> LinkCommand? {
        state.withLock { state in
            guard !state.done else { return state.command }
            let memo = memoPath()
            if let memo, let bytes = WorkFolder.readRegularFile(memo, limit: 1 << 20),
                let known = LinkCommand(memo: bytes)
            {
                state = (true, known, true)
                return known
            }
            let derived = LinkCommand.derive(swiftc: swiftc)
            Self.remember(derived, at: memo)
            state = (true, derived, false)
            return derived
        }
    }

    /// After a link with a remembered command failed: the command asked for anew, once a run, when it is not the
    /// remembered one (which the memo then holds instead); `nil` when it is the same, or was asked for in this run.
    /// A system changed under the memo in a way its checks do not see must not make every student's link fail.
    func rederived(swiftc: String, memo memoPath: () -> String?) -> LinkCommand? {
        state.withLock { state in
            guard state.done, state.remembered else { return nil }
            state.remembered = false
            guard let derived = LinkCommand.derive(swiftc: swiftc), derived.memo != state.command?.memo else {
                return nil
            }
            Self.remember(derived, at: memoPath())
            state.command = derived
            return derived
        }
    }

    /// Writes `command` to the memo file at `path`, when there is one of each.
    private static func remember(_ command: LinkCommand?, at path: String?) {
        guard let path, let bytes = command?.memo else { return }
        try? WorkFolder.writeAtomically(bytes, to: path, mode: 0o600)
    }
}

extension LinkCommand {
    /// The command as the lines of a memo file: the linker, `swift-autolink-extract`, then one argument a line,
    /// without the library folders (`-L`) that do not exist, which the linker skips; `nil` when a line would hold a
    /// line break.
    var memo: [UInt8]? {
        let kept = template.filter {
            !$0.hasPrefix("-L/") || FileManager.default.fileExists(atPath: String($0.dropFirst(2)))
        }
        let lines = [executable, autolinkExtract] + kept
        guard !lines.contains(where: { $0.contains("\n") }) else { return nil }
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// The command a memo file holds, when both tools are still executable, every file and library folder it names
    /// is still there (the C runtime's start files and `libgcc` come from the system's GCC, which an upgrade moves)
    /// and every slot is there once.
    init?(memo bytes: [UInt8]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        guard lines.count > 2, FileManager.default.isExecutableFile(atPath: lines[0]),
            FileManager.default.isExecutableFile(atPath: lines[1])
        else { return nil }
        let template = Array(lines.dropFirst(2))
        for argument in template {
            let path = argument.hasPrefix("-L/") ? String(argument.dropFirst(2)) : argument
            if path.hasPrefix("/"), !FileManager.default.fileExists(atPath: path) { return nil }
        }
        for slot in [Self.firstObject, Self.secondObject, Self.autolinkSlot, Self.outputSlot]
        where template.filter({ $0 == slot }).count != 1 {
            return nil
        }
        self.init(executable: lines[0], autolinkExtract: lines[1], template: template)
    }
}
