import SwerveKit

// The `swerve` executable: the command line with Swerve's built-in handlers.
await Swerve.main()
