import ArgumentParser

/// The `swerve` executable: the composition root that reads flags over environment, bootstraps
/// logging and metrics once, and runs a subcommand.
@main
struct Swerve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swerve",
        abstract: "A SageMaker-compatible model server.",
        subcommands: [ServeCommand.self, PredictCommand.self, LoadCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
