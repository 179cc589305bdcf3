import CoreMetrics
import Logging
import ModelRuntimes
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Tracing
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// What a server serves: one model, loaded before the server starts, or (multi-model mode, as
/// SageMaker's multi-model endpoints run it) the models loaded and unloaded through `/models`
/// while it runs, by the handlers of `registry`.
public enum ServedModels: Sendable {
    case single(LoadedModel, loadSeconds: Double)
    case multiple(registry: HandlerRegistry)
}

/// One complete server for one loaded model, or for many (multi-model mode): the composition of
/// everything between the socket and the models, wired in one place for `swerve serve` and for
/// the tests alike.
///
/// It builds the worker pool (shared by all models), the pipeline, the metrics handles, the
/// health check, the router, in multi-model mode the model store, loader and `/models` API, and
/// the HTTP server from a configuration, and runs them as one swift-service-lifecycle group
/// whose shutdown order is the drain order: the listener closes first, connections finish, then
/// the loader, the reporters flush and the workers stop.
public final class SwerveServer: Sendable {
    public let configuration: ServerConfiguration
    /// The model, in single-model mode; nil in multi-model mode.
    public let model: LoadedModel?
    public let pool: WorkerPool
    /// The `HTTPResponder` every connection asks (also what channel-level tests drive).
    public let router: Router
    public let health: HealthCheck
    /// The metrics handles, nil when metrics are off.
    public let metrics: ServerMetrics?
    private let backends: MetricsBackends?
    private let probe: HealthProbe?
    private let sampler: ProcessSampler?
    /// Multi-model mode: the thread that loads and unloads models.
    private let loader: ModelLoader?
    /// The event-loop threads, known once `run` has started them (for the sampler's CPU split).
    private let eventLoopThreads = NIOLockedValueBox<[pthread_t]>([])
    /// The running service group, for `shutdown()`; a shutdown asked for before it runs is kept.
    private let running = NIOLockedValueBox<(group: ServiceGroup?, shutdownRequested: Bool)>((nil, false))
    private let logger: Logger

    /// A server for one model.
    ///
    /// - Parameters:
    ///   - configuration: everything the server can be told.
    ///   - model: the loaded model it serves.
    ///   - backends: where metrics go; nil turns them off (and `/metrics` with them).
    ///   - loadSeconds: how long loading the model took, for the model-load metric.
    ///   - logger: where the server logs.
    ///   - tracer: the tracer spans go to; nil means the one bootstrapped in swift-distributed-
    ///     tracing's `InstrumentationSystem` (none bootstrapped: tracing off).
    ///   - accessLogger: where access-log lines go when `configuration.accessLog` is on.
    public convenience init(
        configuration: ServerConfiguration, model: LoadedModel, metrics backends: MetricsBackends?, loadSeconds: Double = 0,
        logger: Logger = Logger(label: "swerve"), tracer: (any Tracer)? = nil, accessLogger: Logger = Logger(label: "swerve.access")
    ) throws {
        try self.init(
            configuration: configuration, serving: .single(model, loadSeconds: loadSeconds), metrics: backends, logger: logger, tracer: tracer,
            accessLogger: accessLogger)
    }

    /// A server for one model or, with `.multiple`, for the models loaded through `/models`.
    ///
    /// - Parameters:
    ///   - configuration: everything the server can be told.
    ///   - serving: one loaded model, or multi-model mode with the registry loads go through.
    ///   - backends: where metrics go; nil turns them off (and `/metrics` with them).
    ///   - logger: where the server logs.
    ///   - tracer: the tracer spans go to; nil means the one bootstrapped in swift-distributed-
    ///     tracing's `InstrumentationSystem` (none bootstrapped: tracing off).
    ///   - accessLogger: where access-log lines go when `configuration.accessLog` is on.
    public init(
        configuration: ServerConfiguration, serving: ServedModels, metrics backends: MetricsBackends?, logger: Logger = Logger(label: "swerve"),
        tracer: (any Tracer)? = nil, accessLogger: Logger = Logger(label: "swerve.access")
    ) throws {
        self.configuration = configuration
        self.backends = backends
        self.logger = logger
        let pipeline: InferencePipeline?
        let metrics: ServerMetrics?
        switch serving {
        case .single(let model, let loadSeconds):
            self.model = model
            let single = try InferencePipeline(handler: model.handler, defaultAccept: configuration.defaultAccept)
            pipeline = single
            metrics = backends.map { ServerMetrics(factory: $0.factory, model: model.name, stageNames: single.stageNames) }
            metrics?.modelLoaded(seconds: loadSeconds)
        case .multiple:
            self.model = nil
            pipeline = nil
            metrics = backends.map { ServerMetrics.multiModel(factory: $0.factory) }
        }
        self.metrics = metrics
        let tracedModel = model?.name ?? "multi-model"
        let requestTracer = tracer.map { RequestTracer.resolve($0, model: tracedModel) } ?? RequestTracer.bootstrapped(model: tracedModel)
        // Stage spans come from the stage accounting; with metrics off and a tracer on, it records
        // into no-op handles.
        let accounting =
            metrics
            ?? requestTracer.map { _ in
                pipeline.map { ServerMetrics(factory: NOOPMetricsHandler.instance, model: tracedModel, stageNames: $0.stageNames) }
                    ?? ServerMetrics.multiModel(factory: NOOPMetricsHandler.instance)
            }
        pool = WorkerPool(
            workerCount: configuration.workerCount, queueDepth: configuration.queueDepth, maxQueuedBytes: configuration.queueMaxBytes,
            maxQueueWait: configuration.maxQueueWait, inlineMaxMicroseconds: configuration.inlineMaxMicroseconds,
            inlinePerTick: configuration.inlinePerTick,
            workerNice: configuration.workerNice, metrics: accounting)
        if configuration.deepHealthCheck {
            guard let model, let pipeline else {
                throw ConfigurationError(
                    name: "SWERVE_DEEP_HEALTH_CHECK",
                    problem: "the deep health check sends one model's sample request; multi-model mode has no model at start")
            }
            guard let sample = model.sample else {
                throw ConfigurationError(
                    name: "SWERVE_DEEP_HEALTH_CHECK",
                    problem: "model \(model.name) has no sample request: add {\"sample\": {\"content_type\": ..., \"body\": ...}} to its manifest")
            }
            probe = try HealthProbe(pipeline: pipeline, sample: sample, interval: configuration.deepHealthInterval)
        } else {
            probe = nil
        }
        health = HealthCheck(pool: pool, stuckAfter: configuration.requestTimeout, probe: probe)
        let pool = self.pool
        let loops = eventLoopThreads
        sampler = metrics.map { metrics in
            ProcessSampler(
                metrics: metrics,
                threads: [
                    .init(role: "event_loop", threads: { loops.withLockedValue { $0 } }), .init(role: "worker", threads: { pool.workerThreads }),
                ])
        }
        let invocations =
            pipeline.map { InvocationService(pipeline: $0, pool: pool, metrics: accounting) }
            ?? InvocationService(pool: pool, metrics: accounting)
        var models: ModelEndpoints? = nil
        if case .multiple(let registry) = serving {
            let store = ModelStore(budget: configuration.multiModel.budget)
            let loader = ModelLoader(
                store: store, registry: registry, defaultAccept: configuration.defaultAccept, configuration: configuration.multiModel,
                metricsFactory: backends?.factory, logger: logger)
            models = ModelEndpoints(store: store, loader: loader, invocations: invocations, logger: logger)
        }
        loader = models?.loader
        let health = self.health
        router = Router(
            invocations: invocations, health: health, configuration: configuration,
            metricsEndpoint: backends?.endpoint(sampler: sampler) { metrics?.healthy.record(health.currentProblem() == nil ? 1 : 0) },
            metrics: metrics, models: models,
            tracer: requestTracer,
            accessLog: configuration.accessLog.enabled ? AccessLog(configuration: configuration.accessLog, logger: accessLogger) : nil,
            logger: logger)
    }

    /// Drains and stops a running server, as SIGTERM does.
    public func shutdown() async {
        let group = running.withLockedValue { state in
            state.shutdownRequested = true
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }

    /// Runs until SIGTERM or SIGINT (or `shutdownSignals`), then drains and returns.
    ///
    /// - Parameters:
    ///   - shutdownSignals: the signals that start the drain.
    ///   - services: more services to run alongside (a tracer's exporter); they stop after the
    ///     listener has drained, so the spans of the last requests are still exported.
    ///   - onBound: called with the port once the socket listens (useful with port 0).
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint], services: [any Service] = [],
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        // Workers and probe run before the socket opens: nothing accepted waits for them.
        pool.start()
        probe?.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        let threads = try await EventLoopThreads.collect(group)
        eventLoopThreads.withLockedValue { $0 = threads }
        let server = HTTPServer(configuration: configuration, responder: router, group: group, logger: logger, onBound: onBound)
        // A group shuts its services down in reverse order: the listener first (it closes at once
        // and drains the connections), then the reporters and the probe, the workers last.
        var members: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WorkerPoolService(pool: pool), successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let sampler { members.append(.init(service: sampler, successTerminationBehavior: .ignore)) }
        if let emf = backends?.emf {
            members.append(.init(service: EMFReporter(factory: emf, configuration: configuration.emf), successTerminationBehavior: .ignore))
        }
        if let probe { members.append(.init(service: probe, successTerminationBehavior: .ignore)) }
        if let loader { members.append(.init(service: loader, successTerminationBehavior: .ignore)) }
        for service in services { members.append(.init(service: service, successTerminationBehavior: .ignore)) }
        members.append(.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup))
        let serviceGroup = ServiceGroup(configuration: .init(services: members, gracefulShutdownSignals: shutdownSignals, logger: logger))
        let requested = running.withLockedValue { state in
            state.group = serviceGroup
            return state.shutdownRequested
        }
        if requested { await serviceGroup.triggerGracefulShutdown() }
        do {
            try await serviceGroup.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }
}
