// Shadows libc's setrlimit in the student's module, so a harness that called setrlimit unqualified set no limit,
// then holds 3 GB (touched, so it is resident) under the 1024 MB memory limit.
import Glibc

func setrlimit(_ resource: __rlimit_resource_t, _ limit: inout rlimit) -> Int32 { 0 }
func setrlimit(_ resource: __rlimit_resource_t, _ limit: UnsafePointer<rlimit>) -> Int32 { 0 }

nonisolated(unsafe) var held: UnsafeMutableRawPointer? = nil

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let size = 3 << 30
    if held == nil, let memory = malloc(size) {
        memset(memory, 1, size)
        held = memory
    }
    if held == nil { fatalError("could not hold 3 GB") }
    return correctLayerJacobian(A: A, b: b, y: y)
}
