#if canImport(Glibc)
import Glibc
#endif
import CoreMetrics
import Logging
import ModelRuntimes
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Tracing
import UnixSignals

/// One complete server for one loaded model: the composition of everything between the socket
/// and the model, wired in one place for `swerve serve` and for the tests alike.
///
/// It builds the worker pool, the pipeline, the metrics handles, the health check, the router
/// and the HTTP server from a configuration, and runs them as one swift-service-lifecycle group
/// whose shutdown order is the drain order: the listener closes first, connections finish, then
/// the reporters flush and the workers stop.
public final class SwerveServer: Sendable {
    public let configuration: ServerConfiguration
    public let model: LoadedModel
    public let pool: WorkerPool
    /// The `HTTPResponder` every connection asks (also what channel-level tests drive).
    public let router: Router
    public let health: HealthCheck
    /// The metrics handles, nil when metrics are off.
    public let metrics: ServerMetrics?
    private let backends: MetricsBackends?
    private let probe: HealthProbe?
    private let sampler: ProcessSampler?
    /// The event-loop threads, known once `run` has started them (for the sampler's CPU split).
    private let eventLoopThreads = NIOLockedValueBox<[pthread_t]>([])
    /// The running service group, for `shutdown()`; a shutdown asked for before it runs is kept.
    private let running = NIOLockedValueBox<(group: ServiceGroup?, shutdownRequested: Bool)>((nil, false))
    private let logger: Logger

    /// - Parameters:
    ///   - metrics: where metrics go; nil turns them off (and `/metrics` with them).
    ///   - loadSeconds: how long loading the model took, for the model-load metric.
    ///   - tracer: the tracer spans go to; nil means the one bootstrapped in swift-distributed-
    ///     tracing's `InstrumentationSystem` (none bootstrapped: tracing off).
    ///   - accessLogger: where access-log lines go when `configuration.accessLog` is on.
    public init(
        configuration: ServerConfiguration, model: LoadedModel, metrics backends: MetricsBackends?, loadSeconds: Double = 0,
        logger: Logger = Logger(label: "swerve"), tracer: (any Tracer)? = nil, accessLogger: Logger = Logger(label: "swerve.access")
    ) throws {
        self.configuration = configuration
        self.model = model
        self.backends = backends
        self.logger = logger
        let pipeline = try InferencePipeline(handler: model.handler, defaultAccept: configuration.defaultAccept)
        let metrics = backends.map { ServerMetrics(factory: $0.factory, model: model.name, stageNames: pipeline.stageNames) }
        metrics?.modelLoaded(seconds: loadSeconds)
        self.metrics = metrics
        let requestTracer = tracer.map { RequestTracer.resolve($0, model: model.name) } ?? RequestTracer.bootstrapped(model: model.name)
        // Stage spans come from the stage accounting; with metrics off and a tracer on, it records
        // into no-op handles.
        let accounting = metrics ?? requestTracer.map { _ in
            ServerMetrics(factory: NOOPMetricsHandler.instance, model: model.name, stageNames: pipeline.stageNames)
        }
        pool = WorkerPool(
            workerCount: configuration.workerCount, queueDepth: configuration.queueDepth, maxQueuedBytes: configuration.queueMaxBytes,
            maxQueueWait: configuration.maxQueueWait, inlineMaxMicroseconds: configuration.inlineMaxMicroseconds, metrics: accounting)
        if configuration.deepHealthCheck {
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
        let pool = self.pool, loops = eventLoopThreads
        sampler = metrics.map { metrics in
            ProcessSampler(metrics: metrics, threads: [
                .init(role: "event_loop", threads: { loops.withLockedValue { $0 } }), .init(role: "worker", threads: { pool.workerThreads }),
            ])
        }
        let health = self.health
        router = Router(
            invocations: InvocationService(pipeline: pipeline, pool: pool, metrics: accounting), health: health,
            configuration: configuration, metricsEndpoint: backends?.endpoint(sampler: sampler) { metrics?.healthy.record(health.currentProblem() == nil ? 1 : 0) },
            metrics: metrics,
            tracer: requestTracer, accessLog: configuration.accessLog.enabled ? AccessLog(configuration: configuration.accessLog, logger: accessLogger) : nil,
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
    ///   - onBound: called with the port once the socket listens (useful with port 0).
    ///   - services: more services to run alongside (a tracer's exporter); they stop after the
    ///     listener has drained, so the spans of the last requests are still exported.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint], services extra: [any Service] = [],
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
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WorkerPoolService(pool: pool), successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let sampler { services.append(.init(service: sampler, successTerminationBehavior: .ignore)) }
        if let emf = backends?.emf {
            services.append(.init(service: EMFReporter(factory: emf, configuration: configuration.emf), successTerminationBehavior: .ignore))
        }
        if let probe { services.append(.init(service: probe, successTerminationBehavior: .ignore)) }
        for service in extra { services.append(.init(service: service, successTerminationBehavior: .ignore)) }
        services.append(.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup))
        let serviceGroup = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger))
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
