// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swerve",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swerve", targets: ["SwerveCLI"]),
        .library(name: "InferenceServer", targets: ["InferenceServer"]),
        .library(name: "ModelRuntimes", targets: ["ModelRuntimes"]),
        .library(name: "LoadTesting", targets: ["LoadTesting"]),
        .library(name: "SwerveKit", targets: ["SwerveKit"]),
        .executable(name: "swerve-bench", targets: ["SwerveBench"]),
    ],
    traits: [
        // `swift build --traits OTLP`: `swerve serve --tracing otlp` exports spans over OTLP/HTTP
        // with swift-otel. Off by default: swift-otel and its dependencies take minutes to build,
        // and neither `swift build` nor `swift test` builds them without the trait.
        .trait(name: "OTLP", description: "OTLP/HTTP span export through swift-otel (swerve serve --tracing otlp)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The tracing API: a span per request and per stage, for whatever tracer is bootstrapped.
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP export, only with the OTLP trait (its gRPC exporter is left out).
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        // `swift package generate-documentation`: the DocC catalogs of the public libraries.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The models: codecs for tabular data, the runtimes, the catalog. No networking.
        .target(name: "ModelRuntimes", dependencies: ["CForestWalk"]),
        // The batch kernels in AVX-512, which Swift cannot express (masked operations, gathers):
        // the trees' walk, the trees' Float input, the logistic regression's sums; each where the
        // CPU has it.
        .target(name: "CForestWalk"),
        // The allocator's byte count and per-thread nice values, which Swift's Glibc module does
        // not expose (multi-model mode measures model sizes and runs loads at low priority).
        .target(name: "CSwerveMemory"),
        // Everything between the socket and a model handler.
        .target(
            name: "InferenceServer",
            dependencies: [
                "ModelRuntimes",
                "CSwerveMemory",
                "CMallocControl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The load generator behind `swerve load`; NIO only, independent of the server.
        .target(
            name: "LoadTesting",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The command line (serve, predict, load) as a library: `Swerve.main(handlers:)` gives a
        // package with models of its own the whole server.
        .target(
            name: "SwerveKit",
            dependencies: [
                "InferenceServer",
                "ModelRuntimes",
                "LoadTesting",
                "CMallocControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLP"])),
            ]
        ),
        // glibc's mallopt and malloc_trim, which Swift's Glibc module does not import.
        .target(name: "CMallocControl"),
        // The `swerve` executable: `Swerve.main()` with the built-in handlers.
        .executableTarget(name: "SwerveCLI", dependencies: ["SwerveKit"]),
        // Test-only helpers shared by the server and end-to-end tests: a blocking loopback client
        // and an HTTP response reader for the test side.
        .target(name: "HTTPTestSupport", path: "Tests/HTTPTestSupport"),
        // Times the XGBoost evaluator alone (scripts/bench_trees.py compares it with xgboost), and
        // serves a fixed answer through NIO alone (the transport's floor, scripts/bench_perf.sh --floor).
        .executableTarget(
            name: "SwerveBench",
            dependencies: [
                "ModelRuntimes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(name: "ModelRuntimesTests", dependencies: ["ModelRuntimes"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "InferenceServerTests",
            dependencies: [
                "InferenceServer",
                "ModelRuntimes",
                "HTTPTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "LoadTestingTests",
            dependencies: [
                "LoadTesting",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["HTTPTestSupport", "SwerveCLI"]),
    ],
    swiftLanguageModes: [.v6]
)
