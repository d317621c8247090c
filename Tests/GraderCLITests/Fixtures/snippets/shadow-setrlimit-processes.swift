// Shadows libc's setrlimit in the student's module, then starts 100 processes under a limit of 8; it returns the
// right answer only when all 100 started.
import Glibc

func setrlimit(_ resource: __rlimit_resource_t, _ limit: inout rlimit) -> Int32 { 0 }
func setrlimit(_ resource: __rlimit_resource_t, _ limit: UnsafePointer<rlimit>) -> Int32 { 0 }

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/usr/bin/sleep"), strdup("2"), strdup("@@MARKER@@"), nil]
    var started = 0
    for _ in 0..<100 {
        var pid: pid_t = 0
        if posix_spawn(&pid, "/usr/bin/sleep", nil, nil, argv, nil) == 0 { started += 1 }
    }
    if started < 100 { fatalError("started only \(started) of 100 processes") }
    return correctLayerJacobian(A: A, b: b, y: y)
}
