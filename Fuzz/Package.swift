// swift-tools-version: 6.1
import PackageDescription

/// libFuzzer targets for Swerve's parsers and its HTTP pipeline (issue 10).
///
/// A package of its own, so that the main package's `swift build` and `swift test` never see
/// these targets: they link only when built with `-sanitize=fuzzer`. Build and run them through `scripts/fuzz.sh TARGET SECONDS`, which passes
/// `-sanitize=fuzzer,address` to every module, so the Swerve libraries are instrumented too.
/// Each target is an executable whose `main` hands its test function to libFuzzer's driver.
let package = Package(
    name: "swerve-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "swerve", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // What every target shares: the shipped models, and the rule that only a 4xx may escape.
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", .product(name: "ModelRuntimes", package: "swerve")]),
        // libFuzzer's driver entry point, declared for Swift.
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport", .product(name: "ModelRuntimes", package: "swerve")]),
        .executableTarget(name: "FuzzJSONRecords", dependencies: ["FuzzSupport", .product(name: "ModelRuntimes", package: "swerve")]),
        .executableTarget(name: "FuzzXGBoostModel", dependencies: ["FuzzSupport", .product(name: "ModelRuntimes", package: "swerve")]),
        .executableTarget(name: "FuzzModelDirectory", dependencies: ["FuzzSupport", .product(name: "ModelRuntimes", package: "swerve")]),
        .executableTarget(
            name: "FuzzMediaTypes",
            dependencies: ["FuzzSupport", .product(name: "ModelRuntimes", package: "swerve"), .product(name: "InferenceServer", package: "swerve")]),
        // The HTTP pipeline through the server core's internal API (`@testable`, so the build
        // passes -enable-testing); kept to one file, FuzzHTTP.swift.
        .executableTarget(
            name: "FuzzHTTP",
            dependencies: [
                "FuzzSupport",
                .product(name: "ModelRuntimes", package: "swerve"),
                .product(name: "InferenceServer", package: "swerve"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
