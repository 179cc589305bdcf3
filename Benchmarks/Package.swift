// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of Swerve's hot paths (decoders, the models, encoders) with package-benchmark
// (ordo-one/benchmark), the Swift server ecosystem's harness: wall and CPU time percentiles,
// mallocs per call, baselines to compare branches. A package of its own, so that neither
// `swift build` nor `swift test` of Swerve builds the harness and its dependencies.
//
//   swift package --package-path Benchmarks --disable-sandbox benchmark
//   (or scripts/bench_micro.sh, which also saves and compares baselines)
let package = Package(
    name: "SwerveBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swerve", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // The repository's files the benchmarks read: the golden churn requests, the shipped models.
        .target(
            name: "BenchmarkFixtures",
            dependencies: [.product(name: "ModelRuntimes", package: "swerve")],
            path: "Benchmarks/Fixtures"
        ),
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "ModelRuntimes", package: "swerve"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The server's per-request work with metrics on and off (issue 13's 3% budget).
        .executableTarget(
            name: "RequestPath",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "InferenceServer", package: "swerve"),
                .product(name: "ModelRuntimes", package: "swerve"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RequestPath",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
