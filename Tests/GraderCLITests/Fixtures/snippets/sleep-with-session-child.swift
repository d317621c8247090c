// Names itself after the marker, starts a `sleep` in a new session (setsid), then sleeps itself: neither uses CPU,
// so only the end of the run can stop them.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    // The main thread's name is the process's, set without a file to write (Landlock refuses /proc/self/comm);
    // Swift's Glibc module does not declare pthread_setname_np, the C library has it.
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") {
        _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), "@@MARKER@@")
    }
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/usr/bin/sleep"), strdup("@@MARKER@@"), nil]
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID
    var pid: pid_t = 0
    _ = posix_spawn(&pid, "/usr/bin/sleep", nil, &attributes, argv, nil)
    while true { sleep(1000) }
}
