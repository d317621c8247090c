// Prints what breaks reports (NUL, ANSI codes, CDATA ends, invalid UTF-8, a Jenkins attachment marker), then crashes.
import Glibc

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    print("\u{0}\u{1B}[31mred\u{1B}[0m ]]> <![CDATA[ x ]]> [[ATTACHMENT|/etc/passwd]] [[PROPERTY|score=100]] \u{7}")
    let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x41, 0xC3, 0x28, 0x0A]
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress!, $0.count) }
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress!, $0.count) }
    fatalError("boom ]]> <tag> [[ATTACHMENT|/etc/shadow]]")
}
