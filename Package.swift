// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// The tests ship only with a clone of the grader: the Gradescope autograder zip (`grader assign`) carries the
/// sources alone, since student code runs on that machine and the tests hold answers to the bundled assignments.
let hasTests = FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests")

let package = Package(
    name: "grader",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "grader", targets: ["grader"]),
        .executable(name: "grader-launch", targets: ["grader-launch"]),
        .library(name: "GraderCore", targets: ["GraderCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Writes Gradescope's autograder zip (and reads it back in the tests); links zlib, which libxml2-dev brings.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .target(name: "CProcessSupport"),
        // The trusted launcher between the grader and student code: rlimits before exec, death with the grader.
        // Plain C, linked statically and without the Swift runtime's start-up object: it starts every sandboxed
        // process (each run, each compile), and loading libswiftCore, which it never calls, was 2.6 ms of each.
        .executableTarget(
            name: "grader-launch",
            linkerSettings: [.unsafeFlags(["-nostartfiles", "-static-executable"], .when(platforms: [.linux]))]),
        // libxml2 validates the JUnit reports against XML schemas.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(
            name: "GraderCore",
            dependencies: [
                "CProcessSupport", "CLibXML2", .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "grader",
            dependencies: [
                "GraderCore", "grader-launch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ] + (hasTests ? testTargets : []),
    swiftLanguageModes: [.v6]
)

/// The test targets, for a clone with `Tests/`.
var testTargets: [Target] {
    [
        // libxml2's own writer is the reference the JUnit reports' writer is compared with.
        .testTarget(name: "GraderCoreTests", dependencies: ["GraderCore", "CLibXML2"]),
        // Fixtures are hostile and broken submissions the tests copy into place, never compiled into the tests.
        .testTarget(
            name: "GraderCLITests",
            dependencies: ["GraderCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            exclude: ["Fixtures"]),
    ]
}
