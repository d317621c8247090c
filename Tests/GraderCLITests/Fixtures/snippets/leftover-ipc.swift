// Keeps each call's input in a System V shared memory segment that outlives the process, and prints what an
// earlier run kept there: without an IPC namespace, the hidden trials' inputs would reach the next run.
// It answers correctly only when nothing of an earlier run was there to read.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let key = key_t(truncatingIfNeeded: Int(@@MARKER@@ * 10))
    let id = shmget(key, 4096, IPC_CREAT | 0o666)
    if id >= 0, let memory = shmat(id, nil, 0), Int(bitPattern: memory) != -1 {
        let bytes = memory.assumingMemoryBound(to: UInt8.self)
        let text = String(decoding: UnsafeBufferPointer(start: bytes, count: 200).prefix { $0 != 0 }, as: UTF8.self)
        // What this process kept itself on an earlier call is no leak.
        if !text.isEmpty, !text.hasPrefix("\(getpid()) ") {
            shmdt(memory)
            print("LEAKED \(text)")
            return []
        }
        let kept = Array("\(getpid()) \(A) \(b) \(y)".utf8.prefix(4000)) + [0]
        for (index, byte) in kept.enumerated() { bytes[index] = byte }
        shmdt(memory)
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
