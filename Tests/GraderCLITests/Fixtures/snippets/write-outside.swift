// Tries to create files outside its scratch space; writing in its own working folder is allowed.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    for path in [@@WRITE_PATHS@@, "scratch-file-@@MARKER@@"] {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            _ = "escaped".withCString { write(fd, $0, 7) }
            close(fd)
        }
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
