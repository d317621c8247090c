import Foundation
import FuzzSupport

@testable import GraderCore

/// A problem folder of this process, whose `problem.yaml` each input replaces; its `reference.swift` exists, so that
/// definitions with code and expression parts are read to the end.
let folder: String = setUp {
    let path = NSTemporaryDirectory() + "grader-fuzz-problem-\(getpid())/fuzzed"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: path + "/reference.swift", contents: Data())
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "grader-fuzz-problem-\(getpid())") }
    return path
}

/// Loads the input as a `problem.yaml`, as the instructor's and as the student kit's: any bytes must load or be
/// refused with an error that names the file, and a loaded problem's points must be finite and not negative.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProblem(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let file = folder + "/problem.yaml"
    guard FileManager.default.createFile(atPath: file, contents: Data(bytes(data, size))) else {
        fatalError("fuzz-problem: cannot write \(file)")
    }
    for role in [ProblemSet.Role.instructor, .student] {
        do {
            let problem = try ProblemLoader.loadProblem(folder: folder, id: "fuzzed", role: role)
            require(problem.maxScore.isFinite && problem.maxScore >= 0, "a problem worth \(problem.maxScore)")
            _ = Handout.markdown(problem, limits: SandboxLimits())
        } catch {
            require(
                String(describing: error).contains("problem.yaml") || String(describing: error).contains(folder),
                "an error that names no file: \(error)")
        }
    }
    return 0
}
