// swift-tools-version: 6.1
import PackageDescription

// A model Swerve does not ship, in a package of its own: a k-nearest-neighbours regressor with
// its own JSON format, served with everything `swerve serve` has (the SageMaker contract, the
// worker pool, JSON/CSV/JSON Lines, metrics, `predict` and `load`).
let package = Package(
    name: "CustomModel",
    platforms: [.macOS(.v15)],
    dependencies: [
        // In your own package: .package(url: "https://github.com/<you>/swerve", from: "1.0.0")
        .package(name: "swerve", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "KNNServer",
            dependencies: [
                .product(name: "SwerveKit", package: "swerve"),
                .product(name: "ModelRuntimes", package: "swerve"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
