// Keeps each call's input in the kernel's keyrings (its uid's user, session and persistent keyrings, readable by
// anyone) and in the name of a POSIX message queue, and reads what an earlier run kept there: keys outlive the
// process, a session keyring inherited from the grader is shared by every run, and a queue's name outlives it.
// It answers correctly only when nothing of an earlier run was there to read.
import Glibc

private typealias Syscall = @convention(c) (Int, Int, Int, Int, Int, Int) -> Int
private typealias MessageQueueOpen = @convention(c) (UnsafePointer<CChar>, Int32, UInt32, UnsafeRawPointer?) -> Int32
private let library = dlopen(nil, RTLD_NOW)
private let system = unsafeBitCast(dlsym(library, "syscall")!, to: Syscall.self)
private let messageQueueOpen = unsafeBitCast(dlsym(library, "mq_open")!, to: MessageQueueOpen.self)
nonisolated(unsafe) private var madeQueue = false

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let name = "grader-leak-@@MARKER@@"
    // The uid's persistent keyring, which lives for days: KEYCTL_GET_PERSISTENT (22), linked into the process's own.
    let persistent = system(250, 22, -1, -2, 0, 0)
    // keyctl(KEYCTL_SEARCH = 10) in the user (-4), user session (-5), session (-3) and persistent keyrings, then
    // KEYCTL_READ (11).
    for ring in [-4, -5, -3] + (persistent > 0 ? [persistent] : []) {
        let serial = "user".withCString { type in name.withCString { system(250, 10, ring, Int(bitPattern: type), Int(bitPattern: $0), 0) } }
        guard serial > 0 else { continue }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { system(250, 11, serial, Int(bitPattern: $0.baseAddress), 65536, 0) }
        let text = String(decoding: buffer.prefix(max(0, min(count, 65536))), as: UTF8.self)
        if count > 0, !text.hasPrefix("\(getpid()) ") {
            print("LEAKED from a keyring: \(text)")
            return []
        }
    }
    // A queue this process did not make: an earlier run's.
    let queue = "/grader-leak-@@MARKER@@"
    if !madeQueue {
        let fd = messageQueueOpen(queue, O_RDONLY, 0, nil)
        if fd >= 0 || errno != ENOENT {
            print("LEAKED: a message queue of an earlier run")
            return []
        }
        var attributes = [Int](repeating: 0, count: 8)
        attributes[1] = 1
        attributes[2] = 1
        let made = attributes.withUnsafeBytes { messageQueueOpen(queue, O_CREAT | O_EXCL | O_RDONLY, 0o666, $0.baseAddress) }
        if made >= 0 { close(made) }
        madeQueue = true
    }
    // add_key (248) into the user and session keyrings, then KEYCTL_SETPERM (5): anyone may view and read it.
    let kept = "\(getpid()) \(A) \(b) \(y)"
    for ring in [-4, -3] + (persistent > 0 ? [persistent] : []) {
        let serial = "user".withCString { type in name.withCString { description in kept.withCString {
            system(248, Int(bitPattern: type), Int(bitPattern: description), Int(bitPattern: $0), Int(strlen($0)), ring)
        } } }
        if serial > 0 { _ = system(250, 5, serial, 0x3f3f_3f3f, 0, 0) }
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
