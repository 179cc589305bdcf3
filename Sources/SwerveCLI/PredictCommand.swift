import ArgumentParser

/// `swerve predict`: scores a file or stdin offline, with the same codecs as the server.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "Score a file or stdin offline.")

    func run() async throws {
        throw ValidationError("not implemented yet")
    }
}
