import SwerveKit

// The whole `swerve` command line (serve, predict, load), with one more handler: a manifest
// whose "handler" is "knn-regressor" is served by KNNHandler.
await Swerve.main(handlers: ["knn-regressor": KNNHandler.self])
