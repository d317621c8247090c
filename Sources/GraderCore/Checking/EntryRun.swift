/// What one sandboxed run of a harness entry produced, trial by trial.
public struct EntryRun: Sendable {
    /// The decoded output of each trial; `nil` where the process stopped before it or the frame was unreadable.
    public var outputs: [SnippetValue?]
    /// Why the run ended abnormally, in words a student understands; `nil` for a clean run.
    public var failure: String?
    /// The same, typed; `nil` for a clean run.
    public var failureKind: PartGrade.Outcome?
    /// The trial the process was on when it failed, if it failed during one.
    public var failedTrial: Int?
    /// Standard output and error of the process, cleaned for reports.
    public var printed: String
    public var seconds: Double

    /// Runs `entry` of `binary` in the sandbox on `trials` and decodes what comes back on the result channel.
    ///
    /// Results count only from a run that ended cleanly: exit status 0 after the harness's end frame, with nothing
    /// on the channel the harness did not write. Code in the student's process can write frames that look like the
    /// harness's, so when a run ends any other way, its frames are claims, not results: each claimed trial is run
    /// again on its own, and counts only if that run ends cleanly. An honest function that crashes on trial 8 keeps
    /// its first 7 trials; forged frames followed by a crash, a closed channel or a timeout count for nothing.
    ///
    /// After a crash (a runtime error, a signal, an early exit: not a limit), the trials after it run too, each in
    /// a process of its own, until the part's wall-clock limit is spent: credit follows the trials a function
    /// passes, whichever input crashed it first. After a time, memory or output limit they do not: each would
    /// spend the limit again.
    ///
    /// `purpose` is what `--timings` files the run under (an experiment's runs apart from the rest); the runs of a
    /// trial alone are filed apart too. Without `salvage`, a run that does not end cleanly is returned as it is,
    /// with no trial run again: for a run whose caller falls back to other runs anyway. Every run, the trials run
    /// alone included, may share a sandbox with the other runs of `group` (`Sandbox.RunGroup`).
    static func run(
        sandbox: Sandbox, binary: String, entry: String, returnType: SwiftType, trials: [[SnippetValue]],
        limits: SandboxLimits,
        owner: CodeOwner, purpose: String? = nil, salvage: Bool = true, group: Sandbox.RunGroup? = nil
    ) throws -> EntryRun {
        let lines = trials.map(WireFormat.line)
        let clock = ContinuousClock()
        let started = clock.now
        var (result, clean) = try runOnce(
            sandbox: sandbox, binary: binary, entry: entry, returnType: returnType, lines: lines, limits: limits,
            owner: owner, purpose: purpose, group: group)
        if clean || !salvage { return result }
        let alone = (purpose ?? Sandbox.purpose(of: owner)) + ", a trial alone"
        let claimed = result.outputs.indices.filter { result.outputs[$0] != nil }
        let crashedAt = result.failureKind == .crash ? result.failedTrial : nil
        result.outputs = result.outputs.map { _ in nil }
        for trial in claimed {
            let (solo, soloClean) = try runOnce(
                sandbox: sandbox, binary: binary, entry: entry, returnType: returnType, lines: [lines[trial]],
                limits: limits, owner: owner, purpose: alone, group: group)
            // A trial that passed in the full run but not alone is not the behaviour of an honest function: stop.
            guard soloClean, let value = solo.outputs.first ?? nil else { return result }
            result.outputs[trial] = value
        }
        guard let crashedAt else { return result }
        for trial in lines.indices where trial > crashedAt && !claimed.contains(trial) {
            let spent = started.duration(to: clock.now)
            var remaining = limits
            remaining.wallSeconds =
                limits.wallSeconds - Double(spent.components.seconds) - Double(spent.components.attoseconds) / 1e18
            guard remaining.wallSeconds > 0.05 else { break }
            let (solo, soloClean) = try runOnce(
                sandbox: sandbox, binary: binary, entry: entry, returnType: returnType, lines: [lines[trial]],
                limits: remaining, owner: owner, purpose: alone, group: group)
            if soloClean, let value = solo.outputs.first ?? nil { result.outputs[trial] = value }
        }
        return result
    }

    /// One sandboxed run on `lines`; `clean` when it exited 0 after the end frame with only well-formed frames.
    private static func runOnce(
        sandbox: Sandbox, binary: String, entry: String, returnType: SwiftType, lines: [String], limits: SandboxLimits,
        owner: CodeOwner, purpose: String?, group: Sandbox.RunGroup?
    ) throws -> (run: EntryRun, clean: Bool) {
        let outcome = try sandbox.run(
            binary: binary, entry: Harness.wireName(entry), trials: lines, limits: limits, owner: owner,
            purpose: purpose, group: group)
        let frames = ResultFrames(outcome.results, returnType: returnType, trialCount: lines.count)
        var outputs = frames.outputs
        let (done, tampered, harnessMessage) = (frames.done, frames.tampered, frames.harnessMessage)
        let completed = outputs.prefix { $0 != nil }.count
        var failure: String?
        var kind: PartGrade.Outcome?
        if outcome.timedOut {
            failure =
                """
                timed out after \(NumberFormatting.compact(limits.wallSeconds)) s (wall-clock limit); an infinite \
                loop or a wait that never ends?
                """
            kind = .timeout
        } else if outcome.outputLimitExceeded {
            failure = "stopped: printed more than \(limits.outputKilobytes) KiB (output limit)"
            kind = .outputLimit
        } else if case .signaled(let signal) = outcome.termination {
            (failure, kind) = describe(signal: signal, stderr: outcome.stderr, limits: limits)
        } else if case .exited(let code) = outcome.termination, code != 0 || !done {
            let launcherMessage = String(decoding: outcome.stderr, as: UTF8.self).split(separator: "\n").first {
                $0.hasPrefix("grader-launch:")
            }
            kind = .crash
            if let harnessMessage {
                failure = "the grader's harness stopped: \(harnessMessage)"
            } else if code == 125, let launcherMessage {
                failure =
                    "the sandbox could not start the code (\(ReportText.clean(String(launcherMessage), limit: 300)))"
                kind = .graderError
            } else if code == Harness.resultChannelBroken {
                failure =
                    """
                    the result channel (file descriptor 3) was closed or broken, so no result could be reported; \
                    the code must not close or write to file descriptor 3
                    """
                kind = .tampered
            } else if code == 0 || !done {
                failure = "the process exited (code \(code)) before finishing its trials; does the code call exit()?"
            } else {
                failure = "exited with code \(code)"
            }
        } else if tampered {
            failure =
                "the result channel held frames the harness did not write; the code must not write to file descriptor 3"
            kind = .tampered
            outputs = outputs.map { _ in nil }
        }
        let run = EntryRun(
            outputs: outputs, failure: failure, failureKind: kind,
            failedTrial: failure == nil ? nil : min(completed, lines.count - 1),
            printed: ReportText.clean(bytes: outcome.stdout + Self.withoutStackTrace(outcome.stderr), limit: 2000),
            seconds: outcome.seconds)
        return (run, failure == nil && done && !tampered)
    }

    /// `stderr` with the stack trace the Swift runtime prints after a fatal error (`Current stack trace:`, then a
    /// line a frame) put as one line: its addresses change from run to run (address-space randomisation) and from
    /// one build of the same file to another, and it names no function of the student's. The feedback of a crash is
    /// then the same on every run, and in `batch` as in `grade`.
    static func withoutStackTrace(_ stderr: [UInt8]) -> [UInt8] {
        let text = String(decoding: stderr, as: UTF8.self)
        guard text.contains("Current stack trace:\n") else { return stderr }
        var kept: [String] = []
        var frames: Int? = nil
        func endTrace() {
            guard let count = frames else { return }
            kept.append("[the runtime's stack trace, \(count) frame\(count == 1 ? "" : "s"), left out]")
            frames = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "Current stack trace:" {
                endTrace()
                frames = 0
            } else if let count = frames, line.wholeMatch(of: /[0-9]+ +\S.* 0x[0-9a-f]+ .*/) != nil {
                frames = count + 1
            } else {
                endTrace()
                kept.append(String(line))
            }
        }
        endTrace()
        return Array(kept.joined(separator: "\n").utf8)
    }

    /// What a death by `signal` means, in words and typed.
    private static func describe(signal: Int32, stderr: [UInt8], limits: SandboxLimits) -> (String, PartGrade.Outcome) {
        let errorText = String(decoding: stderr, as: UTF8.self)
        let fatal = errorText.split(separator: "\n").first { $0.contains("Fatal error") || $0.contains("fatal error") }
        let fatalText = fatal.map { ": " + ReportText.clean(String($0), limit: 300) } ?? ""
        switch signal {
        case 4, 5:
            return (
                """
                crashed with a Swift runtime \
                error\(fatalText.isEmpty ? " (index out of range, nil unwrapped, overflow or fatalError)" : fatalText)
                """,
                .crash
            )
        case 6 where errorText.contains("failed to allocate"):
            return (
                "ran out of memory: the memory limit of \(limits.memoryMegabytes) MB was reached\(fatalText)",
                .memoryLimit
            )
        case 6:
            return (
                "aborted\(fatalText.isEmpty ? " (possibly the \(limits.memoryMegabytes) MB memory limit)" : fatalText)",
                .crash
            )
        case 9:
            return (
                """
                killed (signal 9); the hard CPU limit of \(limits.cpuSeconds + 1) s was reached, or the process \
                was killed from outside
                """,
                .cpuLimit
            )
        case 11:
            return ("crashed with a segmentation fault (signal 11); unbounded recursion overflowing the stack?", .crash)
        case 24:
            return ("used more than \(limits.cpuSeconds) s of CPU time (CPU limit)", .cpuLimit)
        case 25:
            return ("wrote a file larger than the \(limits.fileKilobytes) KiB file-size limit", .outputLimit)
        default:
            return ("crashed with signal \(signal)\(fatalText)", .crash)
        }
    }
}

/// What a run wrote on its result channel, read frame by frame: `R <trial> <value tokens>` per result, `D` at the
/// end, `X <message>` when the harness itself stopped. The bytes come from a process that runs student code, so any
/// bytes at all are read without trapping, and anything the harness would not write marks the channel tampered.
struct ResultFrames: Sendable {
    /// The decoded output of each trial; `nil` where no well-formed frame gave one.
    var outputs: [SnippetValue?]
    /// Whether the end frame came.
    var done = false
    /// Whether a frame was malformed, repeated a trial, or named one out of range.
    var tampered = false
    /// The harness's own stop message, if it sent one.
    var harnessMessage: String?

    init(_ bytes: [UInt8], returnType: SwiftType, trialCount: Int) {
        outputs = [SnippetValue?](repeating: nil, count: trialCount)
        var seen = Set<Int>()
        let text = String(decoding: bytes, as: UTF8.self)
        for frame in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let tokens = frame.split(separator: " ")
            switch tokens.first {
            case "R":
                guard tokens.count >= 2, let number = Int(tokens[1]), outputs.indices.contains(number),
                    !seen.contains(number)
                else {
                    tampered = true
                    continue
                }
                seen.insert(number)
                var index = 2
                let value = WireFormat.decode(returnType, from: Array(tokens), at: &index)
                if value == nil || index != tokens.count { tampered = true } else { outputs[number] = value }
            case "D": done = true
            case "X": harnessMessage = tokens.dropFirst().joined(separator: " ")
            default: tampered = true
            }
        }
    }
}
