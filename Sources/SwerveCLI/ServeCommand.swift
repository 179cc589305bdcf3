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

    @Flag(inversion: .prefixedNo, help: "Prometheus /metrics and per-container accounting (default: $SWERVE_METRICS, else on).")
    var metrics: Bool?

    @Flag(help: "Write CloudWatch EMF metric documents to stdout (default: $SWERVE_EMF, else off).")
    var emf = false

    @Option(help: "Seconds between EMF documents (default: $SWERVE_EMF_INTERVAL, else 60).")
    var emfInterval: Double?

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
        let loadStarted = ContinuousClock.now
        do {
            loaded = try ModelCatalog.load(ModelDirectory(path: configuration.modelDirectory))
            pipeline = try InferencePipeline(handler: loaded.handler, defaultAccept: configuration.defaultAccept)
        } catch {
            printError("swerve: cannot load the model in \(configuration.modelDirectory): \(error)")
            throw ExitCode(1)
        }
        let loadTime = ContinuousClock.now - loadStarted
        logger.info("model loaded", metadata: ["model": "\(loaded.name)", "directory": "\(configuration.modelDirectory)",
            "workers": "\(configuration.workerCount)", "seconds": "\(loadTime)"])

        let setup = configuration.metricsEnabled ? MetricsSetup(emfEnabled: configuration.emfEnabled) : nil
        let metrics = setup.map { ServerMetrics(factory: $0.factory, model: loaded.name, stageNames: pipeline.stageNames) }
        metrics?.modelLoaded(seconds: Double(loadTime.components.attoseconds) / 1e18 + Double(loadTime.components.seconds))
        let pool = WorkerPool(
            workerCount: configuration.workerCount, queueDepth: configuration.queueDepth, maxQueuedBytes: configuration.queueMaxBytes,
            metrics: metrics)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        var sampler: ProcessSampler? = nil
        if let metrics {
            let loops = try await EventLoopThreads.collect(group)
            sampler = ProcessSampler(metrics: metrics, threads: [
                .init(role: "event_loop", threads: { loops }), .init(role: "worker", threads: { pool.workerThreads }),
            ])
        }
        let router = Router(
            invocations: InvocationsEndpoint(pipeline: pipeline, pool: pool, metrics: metrics), configuration: configuration,
            metricsEndpoint: setup?.endpoint(sampler: sampler), metrics: metrics)
        let server = HTTPServer(configuration: configuration, router: router, group: group, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WorkerPoolService(pool: pool), successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let sampler {
            services.append(.init(service: sampler, successTerminationBehavior: .ignore))
        }
        if let emfFactory = setup?.emf {
            services.append(.init(service: EMFReporter(factory: emfFactory, configuration: configuration.emf), successTerminationBehavior: .ignore))
        }
        let serviceGroup = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await serviceGroup.run()
        } catch let error as ConfigurationError {
            printError("swerve: \(error)")
            try? await group.shutdownGracefully()
            throw ExitCode(1)
        }
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
        if let metrics { configuration.metricsEnabled = metrics }
        if emf { configuration.emfEnabled = true }
        if let emfInterval {
            guard emfInterval > 0 else { throw ConfigurationError(name: "--emf-interval", problem: "must be positive") }
            configuration.emf.interval = .nanoseconds(Int64(emfInterval * 1e9))
        }
        if let logLevel {
            guard let level = LogLevelName.parse(logLevel) else { throw ConfigurationError(name: "--log-level", problem: "unknown level \"\(logLevel)\"") }
            configuration.logLevel = level
        }
    }
}
