import Foundation

/// The clone's root folder, found from this file's place in it (`Fuzz/Sources/FuzzSupport/`).
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// The fuzzer's input as bytes.
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the fuzzer with `message` when `condition` fails: a broken promise is a finding, as a crash is.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        FileHandle.standardError.write(Data("fuzz: broken promise: \(message())\n".utf8))
        abort()
    }
}

/// Runs a target's one-time setup (loading the bundled problems, building its tables) with LeakSanitizer looking
/// away: what it allocates lives as long as the process, behind globals whose Swift enums keep pointers with tag
/// bits LeakSanitizer cannot follow, so it would be reported as leaked at exit. Leaks of each input stay reported.
public func setUp<T>(_ body: () -> T) -> T {
    typealias Switch = @convention(c) () -> Void
    let handle = dlopen(nil, RTLD_NOW)
    let disable = dlsym(handle, "__lsan_disable").map { unsafeBitCast($0, to: Switch.self) }
    let enable = dlsym(handle, "__lsan_enable").map { unsafeBitCast($0, to: Switch.self) }
    disable?()
    defer { enable?() }
    return body()
}
