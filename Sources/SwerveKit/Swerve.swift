import ArgumentParser
import ModelRuntimes

/// The whole `swerve` command line — `serve`, `predict`, `load` — as a library, so that a
/// package with models of its own gets the complete server by registering its handlers:
///
/// ```swift
/// import SwerveKit
///
/// @main
/// struct KNNServer {
///     static func main() async {
///         await Swerve.main(handlers: ["knn-regressor": KNNHandler.self])
///     }
/// }
/// ```
///
/// Swerve's own executable is exactly `await Swerve.main()`.
public enum Swerve {
    /// The library's version, following semantic versioning.
    public static let version = "1.4.0"

    /// Runs the command line with the built-in handlers plus `handlers` (manifest `handler`
    /// name → handler type; a name that is already registered is replaced).
    public static func main(handlers: [String: any ModelHandler.Type] = [:]) async {
        var registry = HandlerRegistry.builtIn
        for (name, handler) in handlers { registry.register(handler, as: name) }
        await main(registry: registry)
    }

    /// Runs the command line with exactly the handlers and member formats of `registry`.
    public static func main(registry: HandlerRegistry) async {
        await CommandContext.$registry.withValue(registry) {
            await SwerveCommand.main()
        }
    }
}

/// What the subcommands read from the entry point that started them.
enum CommandContext {
    /// The handlers a manifest may name.
    @TaskLocal static var registry = HandlerRegistry.builtIn
}

/// The `swerve` command: `serve` (the default, what SageMaker runs), `predict` and `load`.
struct SwerveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swerve",
        abstract: "A SageMaker-compatible model server.",
        version: Swerve.version,
        subcommands: [ServeCommand.self, PredictCommand.self, LoadCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
