import ArgumentParser

/// `swerve load`: the built-in load generator.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "Load-test an endpoint.")

    func run() async throws {
        throw ValidationError("not implemented yet")
    }
}
