// Saves each call's input in /tmp and prints what an earlier run saved there: the hidden trials' process would
// leave its inputs for the next public run to print, in the feedback a student reads.
// It answers correctly only when nothing of an earlier run was there to read.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    // Also in a folder its owner made unlistable (mode 0311), which a sweep that cannot list it leaves behind.
    let hidden = "/tmp/escape-@@MARKER@@-folder"
    mkdir(hidden, 0o700)
    for path in ["/tmp/escape-@@MARKER@@", hidden + "/kept"] {
        if let leaked = keep(at: path, A, b, y) {
            print("LEAKED \(leaked)")
            chmod(hidden, 0o311)
            return []
        }
    }
    chmod(hidden, 0o311)
    return correctLayerJacobian(A: A, b: b, y: y)
}

/// What an earlier process kept at `path`, if anything; else keeps this call's input there.
private func keep(at path: String, _ A: [[Double]], _ b: [Double], _ y: [Double]) -> String? {
    let fd = open(path, O_RDONLY)
    if fd >= 0 {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(fd, &buffer, 256)
        close(fd)
        let text = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
        // What this process wrote itself on an earlier call is no leak.
        if count > 0, !text.hasPrefix("\(getpid()) ") { return text }
    }
    let out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
    if out >= 0 {
        _ = "\(getpid()) \(A) \(b) \(y)".withCString { write(out, $0, strlen($0)) }
        fchmod(out, 0o666)
        close(out)
    }
    return nil
}
