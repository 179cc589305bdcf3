import ArgumentParser

/// `swerve serve`: what SageMaker runs (`docker run IMAGE serve`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve a model over HTTP.")

    func run() async throws {
        throw ValidationError("not implemented yet")
    }
}
