import Foundation

/// Limits applied to every snippet run; defaults, overridden per problem and then on the command line.
public struct SandboxLimits: Sendable, Equatable, Codable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case compileSeconds, cpuSeconds, fileKilobytes, memoryMegabytes, openFiles, outputKilobytes, processes,
            wallSeconds
    }
    public var wallSeconds: Double = 10
    public var cpuSeconds: Int = 5
    public var memoryMegabytes: Int = 1024
    public var outputKilobytes: Int = 4096
    public var compileSeconds: Double = 60
    /// Bytes a snippet may write to files in its scratch space.
    public var fileKilobytes: Int = 16384
    public var openFiles: Int = 64
    /// Processes and threads of the sandbox user; a correct snippet starts none. Memory per part is bounded by
    /// `processes × memoryMegabytes`, so this stays small.
    public var processes: Int = 8

    public init() {}

    /// The limits in words, as every report prints them.
    public var summary: String {
        "wall \(NumberFormatting.compact(wallSeconds)) s, CPU \(cpuSeconds) s, memory \(memoryMegabytes) MB, "
            + "output \(outputKilobytes) KiB, compile \(NumberFormatting.compact(compileSeconds)) s"
    }

    /// These limits with the fields `overrides` sets replaced.
    public func applying(_ overrides: LimitOverrides) -> SandboxLimits {
        var limits = self
        if let value = overrides.wallSeconds { limits.wallSeconds = value }
        if let value = overrides.cpuSeconds { limits.cpuSeconds = value }
        if let value = overrides.memoryMegabytes { limits.memoryMegabytes = value }
        if let value = overrides.outputKilobytes { limits.outputKilobytes = value }
        if let value = overrides.compileSeconds { limits.compileSeconds = value }
        return limits
    }
}

/// Limits on a tool that reads student code (the compiler, the linker), set by `grader-launch` like a snippet's.
struct ToolLimits: Sendable {
    var wallSeconds: Double
    /// Address space per process: a normal compile peaks near 130 MB resident; the type checker has its own limit.
    var memoryBytes = 3 << 30
    /// Per written file.
    var fileBytes = 256 << 20
    /// The driver, the frontend, the linker and their threads.
    var processes = 64
    var openFiles = 4096
    /// Bytes of stdout and stderr together before the tool is stopped.
    var outputBytes = 16 << 20
}
