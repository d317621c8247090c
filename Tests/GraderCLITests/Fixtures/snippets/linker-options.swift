// Linker options in the module's autolink section, the way Swift 6.3 lets any file declare them: a linker that
// takes its options from the objects' autolink entries (as `swiftc` does) would embed the canary, the reference and
// a classmate's answers into this binary (`--format=binary`), export them (`--export-dynamic`), and write files
// outside the build folder (`--Map=`, `--dependency-file=`, `--why-extract=`, `--print-archive-stats=`).
// It answers correctly only when nothing was embedded, so the part passes exactly when the link ignored it all.
import Foundation

@@AUTOLINK@@

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    var leaked: [String] = []
    for path in [@@SECRET_PATHS@@] {
        let mangled = String(path.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        guard let start = dlsym(nil, "_binary_\(mangled)_start"), let end = dlsym(nil, "_binary_\(mangled)_end") else { continue }
        let bytes = UnsafeRawBufferPointer(start: start, count: end - start)
        leaked.append(String(decoding: bytes.prefix(64), as: UTF8.self))
    }
    if !leaked.isEmpty {
        print("LEAKED \(leaked)")
        return []
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
