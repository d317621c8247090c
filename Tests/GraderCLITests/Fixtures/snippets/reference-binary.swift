// Looks, for up to 2 seconds (once per process), for the grader's other processes in /proc and tries to open the binaries they run:
// a reference's binary would compute the right answers for any input, the hidden trials' included.
// It answers correctly only when it could open none, so the part passes exactly when they were out of reach.
import Glibc

nonisolated(unsafe) var searched = false

func residualLayerJacobian(A: [[Double]], b: [Double], y: [Double]) -> [[Double]] {
    if searched { return correctLayerJacobian(A: A, b: b, y: y) }
    searched = true
    var own = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &own, 4095)
    let me = length > 0 ? String(decoding: own.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    var opened: [String] = []
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    while opened.isEmpty {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        if now.tv_sec - start.tv_sec >= 2 { break }
        guard let proc = opendir("/proc") else { break }
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard Int(name) != nil else { continue }
            let fd = open("/proc/\(name)/cmdline", O_RDONLY)
            guard fd >= 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 8192)
            let count = read(fd, &buffer, 8192)
            close(fd)
            guard count > 0 else { continue }
            for argument in buffer.prefix(count).split(separator: 0).map({ String(decoding: $0, as: UTF8.self) })
            where argument.contains("grader-stage") && !argument.hasSuffix("grader-launch") {
                // Its own binary is no find, under whatever spelling of its path.
                guard let resolved = realpath(argument, nil) else { continue }
                defer { free(resolved) }
                if String(cString: resolved) == me { continue }
                let file = open(argument, O_RDONLY)
                if file >= 0 {
                    opened.append(argument)
                    close(file)
                }
            }
        }
        closedir(proc)
        usleep(20_000)
    }
    if !opened.isEmpty {
        print("LEAKED \(opened)")
        return []
    }
    return correctLayerJacobian(A: A, b: b, y: y)
}
