import ArgumentParser
import InferenceServer
import Logging
import ModelRuntimes
import ServiceLifecycle

/// `swerve serve`: what SageMaker runs (`docker run IMAGE serve`).
///
/// Flags override the `SAGEMAKER_*` environment, which overrides the defaults. The model is
/// loaded before the port opens; a broken model directory exits 1 with a message naming the
/// file and the problem. In multi-model mode (`--multi-model`, `SAGEMAKER_MULTI_MODEL=true`) no
/// model is loaded at start: SageMaker loads them through `POST /models`.
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

    @Option(help: "A last bound on the requests waiting for a worker (default: $SWERVE_QUEUE_DEPTH, else 4096).")
    var queueDepth: Int?

    @Option(help: "Seconds a request may expect to wait for a worker before it gets 503 (default: $SWERVE_MAX_QUEUE_WAIT, else 1).")
    var maxQueueWait: Double?

    @Option(
        help:
            "Requests estimated under this many microseconds run on their event loop; 0 sends all to the workers (default: $SWERVE_INLINE_MAX_US, else 200)."
    )
    var inlineMaxUs: Int?

    @Option(
        help:
            "Small requests one event-loop tick runs inline before the rest go to the workers; 0: no limit (default: $SWERVE_INLINE_PER_TICK, else 1)."
    )
    var inlinePerTick: Int?

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

    @Option(
        help:
            "Log level: trace, debug, info, warning, error, critical, or a Python level number (default: $SAGEMAKER_CONTAINER_LOG_LEVEL, else info).")
    var logLevel: String?

    @Flag(
        help:
            "Run the model's sample request through the pipeline in the background and report the result on /ping (default: $SWERVE_DEEP_HEALTH_CHECK, else off)."
    )
    var deepHealthCheck = false

    @Option(help: "Seconds between deep health checks (default: $SWERVE_DEEP_HEALTH_INTERVAL, else 5).")
    var deepHealthInterval: Double?

    @Flag(help: "Multi-model mode: load no model at start; serve /models and /models/{name}/invoke (default: $SAGEMAKER_MULTI_MODEL, else off).")
    var multiModel = false

    @Option(
        help:
            "Multi-model mode: MiB the loaded models' measured sizes may add up to; past it, loads answer 507 (default: $SWERVE_MODEL_MEMORY_MB, else 70% of the container's memory limit)."
    )
    var modelMemoryMb: Int?

    @Flag(
        help:
            "Multi-model mode: a load past the memory budget unloads idle models, least recently used first, instead of answering 507 (default: $SWERVE_EVICT_LRU, else off)."
    )
    var evictLru = false

    @Flag(help: "One JSON line per response on stdout (default: $SWERVE_ACCESS_LOG, else off).")
    var accessLog = false

    @Option(
        help:
            "Share of successful responses the access log writes, 0 to 1 (default: $SWERVE_ACCESS_LOG_SAMPLE, else 1); every 4xx and 5xx is written.")
    var accessLogSample: Double?

    @Option(help: "Successful access-log lines written per second at most, 0 for no cap (default: $SWERVE_ACCESS_LOG_MAX_PER_SECOND, else 1000).")
    var accessLogMaxPerSecond: Int?

    @Option(
        help:
            "Tracing: none, or otlp to export a span per request and per stage over OTLP/HTTP, configured by the OTEL_* variables; otlp needs a build with `--traits OTLP` (default: $SWERVE_TRACING, else none)."
    )
    var tracing: String?

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration(environment: ProcessEnvironment.current)
            try apply(to: &configuration)
        } catch let error as ConfigurationError {
            printError("swerve: \(error)")
            throw ExitCode(2)
        }
        MemoryPolicy.apply()
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            // The access log's messages are whole JSON lines: written bare.
            if label == "swerve.access" { return JSONLineLogHandler() }
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swerve")
        let tracingExporter: (any Service)?
        do {
            tracingExporter = try tracingBackend().bootstrap(serviceName: "swerve")
        } catch let error as ConfigurationError {
            printError("swerve: \(error)")
            throw ExitCode(2)
        }
        if configuration.multiModel.enabled {
            return try await serveMultipleModels(configuration, logger: logger, tracingExporter: tracingExporter)
        }
        let loaded: LoadedModel
        let loadStarted = ContinuousClock.now
        do {
            loaded = try CommandContext.registry.load(ModelDirectory(path: configuration.modelDirectory))
        } catch {
            printError("swerve: cannot load the model in \(configuration.modelDirectory): \(error)")
            throw ExitCode(1)
        }
        let loadTime = ContinuousClock.now - loadStarted
        let loadSeconds = Double(loadTime.components.attoseconds) / 1e18 + Double(loadTime.components.seconds)
        logger.info(
            "model loaded",
            metadata: [
                "model": "\(loaded.name)", "directory": "\(configuration.modelDirectory)",
                "workers": "\(configuration.workerCount)", "seconds": "\(loadTime)",
            ])
        let server: SwerveServer
        do {
            let backends = configuration.metricsEnabled ? MetricsBackends.standard(emfEnabled: configuration.emfEnabled) : nil
            server = try SwerveServer(configuration: configuration, model: loaded, metrics: backends, loadSeconds: loadSeconds, logger: logger)
        } catch {
            printError("swerve: cannot serve the model in \(configuration.modelDirectory): \(error)")
            throw ExitCode(1)
        }
        do {
            try await server.run(services: tracingExporter.map { [$0] } ?? [])
        } catch let error as ConfigurationError {
            printError("swerve: \(error)")
            throw ExitCode(1)
        }
        logger.info("stopped")
    }

    /// Multi-model mode: the port opens at once, with no model loaded.
    private func serveMultipleModels(_ configuration: ServerConfiguration, logger: Logger, tracingExporter: (any Service)?) async throws {
        let server: SwerveServer
        do {
            let backends = configuration.metricsEnabled ? MetricsBackends.standard(emfEnabled: configuration.emfEnabled) : nil
            server = try SwerveServer(
                configuration: configuration, serving: .multiple(registry: CommandContext.registry), metrics: backends, logger: logger)
        } catch let error as ConfigurationError {
            printError("swerve: \(error)")
            throw ExitCode(2)
        }
        let budget = configuration.multiModel.budget
        logger.info(
            "multi-model mode",
            metadata: [
                "modelMemoryMiB": "\(budget.bytes >> 20)", "evictLRU": "\(budget.evictsLeastRecentlyUsed)", "workers": "\(configuration.workerCount)",
            ])
        try await server.run(services: tracingExporter.map { [$0] } ?? [])
        logger.info("stopped")
    }

    /// `--tracing`, else `SWERVE_TRACING`, else none.
    private func tracingBackend() throws -> TracingBackend {
        let name = tracing ?? ProcessEnvironment.current["SWERVE_TRACING"] ?? "none"
        guard let backend = TracingBackend(rawValue: name.lowercased()) else {
            throw ConfigurationError(name: tracing == nil ? "SWERVE_TRACING" : "--tracing", problem: "\"\(name)\" is not none or otlp")
        }
        return backend
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
        if let maxQueueWait {
            guard maxQueueWait > 0 else { throw ConfigurationError(name: "--max-queue-wait", problem: "must be positive") }
            configuration.maxQueueWait = .nanoseconds(Int64(maxQueueWait * 1e9))
        }
        if let inlineMaxUs {
            guard inlineMaxUs >= 0 else { throw ConfigurationError(name: "--inline-max-us", problem: "must be 0 or more") }
            configuration.inlineMaxMicroseconds = inlineMaxUs
        }
        if let inlinePerTick {
            guard inlinePerTick >= 0 else { throw ConfigurationError(name: "--inline-per-tick", problem: "must be 0 or more") }
            configuration.inlinePerTick = inlinePerTick
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
        if deepHealthCheck { configuration.deepHealthCheck = true }
        if let deepHealthInterval {
            guard deepHealthInterval > 0 else { throw ConfigurationError(name: "--deep-health-interval", problem: "must be positive") }
            configuration.deepHealthInterval = .nanoseconds(Int64(deepHealthInterval * 1e9))
        }
        if multiModel { configuration.multiModel.enabled = true }
        if let modelMemoryMb {
            guard modelMemoryMb > 0 else { throw ConfigurationError(name: "--model-memory-mb", problem: "must be at least 1") }
            configuration.multiModel.memoryBudgetBytes = modelMemoryMb << 20
        }
        if evictLru { configuration.multiModel.evictsLeastRecentlyUsed = true }
        if accessLog { configuration.accessLog.enabled = true }
        if let accessLogSample {
            guard (0...1).contains(accessLogSample) else { throw ConfigurationError(name: "--access-log-sample", problem: "must be from 0 to 1") }
            configuration.accessLog.sampleRate = accessLogSample
        }
        if let accessLogMaxPerSecond {
            guard accessLogMaxPerSecond >= 0 else { throw ConfigurationError(name: "--access-log-max-per-second", problem: "must be 0 or more") }
            configuration.accessLog.maxLinesPerSecond = accessLogMaxPerSecond
        }
        if let logLevel {
            guard let level = LogLevelName.parse(logLevel) else {
                throw ConfigurationError(name: "--log-level", problem: "unknown level \"\(logLevel)\"")
            }
            configuration.logLevel = level
        }
    }
}
