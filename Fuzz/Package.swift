// swift-tools-version:5.4
import PackageDescription

/// libFuzzer targets for the grader's parsers of untrusted text, built and run by `scripts/fuzz.sh` (which passes
/// `-sanitize=fuzzer,address`): a package of its own, so that the grader's build and tests never compile them.
///
/// Tools version 5.4 on purpose: from 5.5 on, SwiftPM links an executable's entry point as `<module>_main`, which a
/// fuzz target (`-parse-as-library`, libFuzzer's own `main`) never defines (swiftlang/swift-package-manager#8731).
let package = Package(
    name: "grader-fuzz",
    dependencies: [.package(name: "grader", path: "..")],
    targets: [
        // What the targets share: reading the fuzzer's bytes, the bundled problems, the checks every input must pass.
        .target(name: "FuzzSupport", dependencies: [.product(name: "GraderCore", package: "grader")]),
        .executableTarget(name: "fuzz-formula", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-answers", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-problem", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-results", dependencies: ["FuzzSupport"]),
    ]
)
