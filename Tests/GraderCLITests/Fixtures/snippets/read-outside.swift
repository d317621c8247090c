// Tries to read another student's answers, the problems (with the reference), the grader itself and a canary file.
// It answers correctly only when every read failed, so the part passes exactly when the sandbox denied them all.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    var leaked: [String] = []
    for path in [@@SECRET_PATHS@@] {
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            var buffer = [UInt8](repeating: 0, count: 64)
            if read(fd, &buffer, 64) > 0 { leaked.append(path) }
            close(fd)
        }
    }
    if !leaked.isEmpty {
        print("LEAKED \(leaked)")
        return []
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
