// Names itself after the marker, starts a `sleep` in a new session (setsid), then sleeps itself: neither uses CPU,
// so only the end of the run can stop them.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let fd = open("/proc/self/comm", O_WRONLY)
    if fd >= 0 { _ = "@@MARKER@@".withCString { write(fd, $0, strlen($0)) }; close(fd) }
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/usr/bin/sleep"), strdup("@@MARKER@@"), nil]
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID
    var pid: pid_t = 0
    _ = posix_spawn(&pid, "/usr/bin/sleep", nil, &attributes, argv, nil)
    while true { sleep(1000) }
}
