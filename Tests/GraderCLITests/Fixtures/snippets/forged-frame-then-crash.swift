// Writes a well-formed result frame for trial 0 itself, with the right value, on the result channel, then crashes
// before the harness can: a forged frame from a run that ended abnormally must count for nothing.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    let result = correctLayerJacobian(A: A, b: b, y: y)
    var tokens = ["R", "0", String(result.count)]
    for row in result {
        tokens.append(String(row.count))
        for value in row {
            let digits = String(value.bitPattern, radix: 16)
            tokens.append(String(repeating: "0", count: 16 - digits.count) + digits)
        }
    }
    let frame = tokens.joined(separator: " ") + "\nD\n"
    _ = frame.withCString { write(3, $0, strlen($0)) }
    abort()
}
