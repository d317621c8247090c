// Starts a process that outlives the function, once plainly and once in a new session (setsid).
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/usr/bin/sleep"), strdup("@@MARKER@@"), nil]
    var pid: pid_t = 0
    _ = posix_spawn(&pid, "/usr/bin/sleep", nil, nil, argv, nil)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID
    _ = posix_spawn(&pid, "/usr/bin/sleep", nil, &attributes, argv, nil)
    return correctLayerJacobian(A: A, b: b, y: y)
}
