import ArgumentParser
import InferenceServer
import Logging
import ModelRuntimes
import NIOPosix
import ServiceLifecycle

/// `swerve serve`: what SageMaker runs (`docker run IMAGE serve`).
///
/// Flags override the `SAGEMAKER_*` environment, which overrides the defaults. The model is
/// loaded before the port opens; a broken model directory exits 1 with a message naming the
/// file and the problem.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve a model over HTTP (the SageMaker hosting contract).")

    @Option(help: "Model directory (default: $SM_MODEL_DIR, else /opt/ml/model).")
    var modelDir: String?

    @Option(help: "Port (default: $SAGEMAKER_BIND_TO_PORT, else 8080; 0 picks a free port).")
    var port: Int?

    @Option(help: "Interface to bind (default 0.0.0.0).")
    var host: String?

    @Option(help: "Model worker threads (default: $SAGEMAKER_MODEL_SERVER_WORKERS, else 2 x cores + 1).")
    var workers: Int?

    @Option(help: "Requests that may wait for a worker before new ones get 503 (default: $SWERVE_QUEUE_DEPTH, else 256).")
    var queueDepth: Int?

    @Option(help: "Seconds a request may take before it gets 504 (default: $SAGEMAKER_MODEL_SERVER_TIMEOUT, else 60).")
    var timeout: Double?

    @Option(help: "Seconds a connection may go without completing a request before it is closed (default: $SWERVE_IDLE_TIMEOUT, else 60).")
    var idleTimeout: Double?

    @Option(help: "Largest request body in MiB (default: $SAGEMAKER_MAX_PAYLOAD_IN_MB, else 6).")
    var maxPayloadMb: Int?

    @Option(help: "Log level: trace, debug, info, warning, error, critical, or a Python level number (default: $SAGEMAKER_CONTAINER_LOG_LEVEL, else info).")
    var logLevel: String?

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration(environment: ProcessEnvironment.current)
            try apply(to: &configuration)
        } catch let error as ConfigurationError {
            printError("swerve: \(error)")
            throw ExitCode(2)
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swerve")
        let loaded: (name: String, handler: any ModelHandler)
        let pipeline: InferencePipeline
        do {
            loaded = try ModelCatalog.load(ModelDirectory(path: configuration.modelDirectory))
            pipeline = try InferencePipeline(handler: loaded.handler, defaultAccept: configuration.defaultAccept)
        } catch {
            printError("swerve: cannot load the model in \(configuration.modelDirectory): \(error)")
            throw ExitCode(1)
        }
        logger.info("model loaded", metadata: ["model": "\(loaded.name)", "directory": "\(configuration.modelDirectory)",
            "workers": "\(configuration.workerCount)"])

        let pool = WorkerPool(workerCount: configuration.workerCount, queueDepth: configuration.queueDepth, maxQueuedBytes: configuration.queueMaxBytes)
        let router = Router(invocations: InvocationsEndpoint(pipeline: pipeline, pool: pool), configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        let server = HTTPServer(configuration: configuration, router: router, group: group, logger: logger)
        let services = ServiceGroup(configuration: .init(
            services: [
                .init(service: WorkerPoolService(pool: pool), successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await services.run()
        try await group.shutdownGracefully()
        logger.info("stopped")
    }

    private func apply(to configuration: inout ServerConfiguration) throws {
        if let modelDir { configuration.modelDirectory = modelDir }
        if let port {
            guard (0...65535).contains(port) else { throw ConfigurationError(name: "--port", problem: "\(port) is not a port number") }
            configuration.port = port
        }
        if let host { configuration.host = host }
        if let workers {
            guard workers > 0 else { throw ConfigurationError(name: "--workers", problem: "must be at least 1") }
            configuration.workerCount = workers
        }
        if let queueDepth {
            guard queueDepth > 0 else { throw ConfigurationError(name: "--queue-depth", problem: "must be at least 1") }
            configuration.queueDepth = queueDepth
        }
        if let timeout {
            guard timeout > 0 else { throw ConfigurationError(name: "--timeout", problem: "must be positive") }
            configuration.requestTimeout = .nanoseconds(Int64(timeout * 1e9))
        }
        if let idleTimeout {
            guard idleTimeout > 0 else { throw ConfigurationError(name: "--idle-timeout", problem: "must be positive") }
            configuration.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9))
        }
        if let maxPayloadMb {
            guard maxPayloadMb > 0 else { throw ConfigurationError(name: "--max-payload-mb", problem: "must be at least 1") }
            configuration.maxPayloadBytes = maxPayloadMb << 20
        }
        if let logLevel {
            guard let level = LogLevelName.parse(logLevel) else { throw ConfigurationError(name: "--log-level", problem: "unknown level \"\(logLevel)\"") }
            configuration.logLevel = level
        }
    }
}
