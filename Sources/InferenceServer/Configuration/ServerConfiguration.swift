import Logging
import NIOCore

/// Everything the server can be told, with SageMaker's defaults, in one Sendable value.
///
/// Built once from an environment dictionary (`init(environment:)`; tests pass their own) and
/// then overridden by command-line flags. No part of the server reads the process environment.
public struct ServerConfiguration: Sendable {
    /// Interface to bind; SageMaker requires all interfaces.
    public var host = "0.0.0.0"
    /// `SAGEMAKER_BIND_TO_PORT`, default 8080.
    public var port = 8080
    /// `SM_MODEL_DIR`, default `/opt/ml/model`.
    public var modelDirectory = "/opt/ml/model"
    /// `SAGEMAKER_MODEL_SERVER_WORKERS`, default (2 x cores) + 1.
    public var workerCount = ServerConfiguration.defaultWorkerCount
    /// `SWERVE_MAX_QUEUE_WAIT` in seconds, default 1: a request whose expected wait for a worker
    /// is longer gets 503 with Retry-After (admission by waiting time; see `AdmissionControl`).
    public var maxQueueWait = TimeAmount.seconds(1)
    /// `SWERVE_QUEUE_DEPTH`: a last bound on how many requests may wait for a worker, whatever
    /// their expected wait (default 4096).
    public var queueDepth = 4096
    /// `SWERVE_INLINE_MAX_US`, default 200: requests estimated to take at most this many
    /// microseconds run on their event loop (holding a worker permit) instead of crossing to a
    /// worker thread and back; 0 sends every request to the workers.
    public var inlineMaxMicroseconds = 200
    /// `SWERVE_INLINE_PER_TICK`, default 1: how many small requests one event-loop tick runs
    /// inline; the rest of the tick's requests go to the workers. Below saturation a tick holds one
    /// request, which runs inline; at saturation the loop keeps to HTTP and the workers take the
    /// batches (see `EventLoopTicks`). 0: no limit.
    public var inlinePerTick = 1
    /// `SWERVE_WORKER_NICE`, default 5: how many nice levels below the event loops the model
    /// workers run, so sockets (`/ping` above all) are served first when models fill every core;
    /// 0 runs them alike.
    public var workerNice: Int32 = 5
    /// `SWERVE_QUEUE_MAX_MB`: request bytes that may wait for a worker before new ones get 503,
    /// so that a burst of large payloads cannot exhaust memory.
    public var queueMaxBytes = 256 << 20
    /// `SAGEMAKER_MODEL_SERVER_TIMEOUT` in seconds, default 60: a request still unanswered after
    /// this long gets a 504.
    public var requestTimeout = TimeAmount.seconds(60)
    /// `SAGEMAKER_MAX_PAYLOAD_IN_MB`, default 6 MiB: larger bodies get 413.
    public var maxPayloadBytes = 6 << 20
    /// `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`: the response type when Accept is missing or `*/*`;
    /// nil means the request's own content type when the model writes it.
    public var defaultAccept: String? = nil
    /// `SWERVE_IDLE_TIMEOUT` in seconds, default 60: a connection that completes no request for
    /// this long (idle keep-alive, or a slowloris trickling bytes) is closed.
    public var idleTimeout = TimeAmount.seconds(60)
    /// Largest header section accepted; more gets 431.
    public var maxHeaderBytes = 32 << 10
    /// Longest request target accepted; longer gets 414.
    public var maxURILength = 8 << 10
    /// `SAGEMAKER_CONTAINER_LOG_LEVEL` (a Python level number or a name), default info.
    public var logLevel = Logger.Level.info
    /// Event-loop threads for sockets; defaults to the cores this process may use.
    public var eventLoopThreads = AvailableCores.count
    /// `SWERVE_METRICS` (`on`/`off`), default on: Prometheus `/metrics` and per-container accounting.
    public var metricsEnabled = true
    /// `SWERVE_EMF` (`on` enables): CloudWatch EMF documents on stdout.
    public var emfEnabled = false
    /// EMF settings: `SWERVE_EMF_INTERVAL` seconds (60), `SWERVE_EMF_NAMESPACE` (Swerve),
    /// `SWERVE_ENDPOINT_NAME` (local), `SWERVE_VARIANT_NAME` (AllTraffic).
    public var emf = EMFConfiguration()
    /// `SWERVE_DEEP_HEALTH_CHECK` (`on` enables): a background probe sends the model's sample
    /// request through the pipeline every `deepHealthInterval`, and `/ping` reports its result.
    public var deepHealthCheck = false
    /// `SWERVE_DEEP_HEALTH_INTERVAL` in seconds, default 5.
    public var deepHealthInterval = TimeAmount.seconds(5)
    /// Multi-model mode (`SAGEMAKER_MULTI_MODEL`, `--multi-model`) and its memory budget.
    public var multiModel = MultiModelConfiguration()
    /// `SWERVE_ACCESS_LOG` and its sampling settings: one JSON line per response (off by default).
    public var accessLog = AccessLogConfiguration()

    public init() {}

    /// (2 x cores) + 1, counting the cores this process may run on.
    public static var defaultWorkerCount: Int { 2 * AvailableCores.count + 1 }

    /// Reads the `SAGEMAKER_*` and `SWERVE_*` variables from `environment`; unset ones keep
    /// their defaults, malformed ones are reported.
    public init(environment: [String: String]) throws {
        let reader = EnvironmentReader(environment: environment)
        port = try reader.integer("SAGEMAKER_BIND_TO_PORT", in: 0...65535) ?? port
        modelDirectory = reader.string("SM_MODEL_DIR") ?? modelDirectory
        workerCount = try reader.integer("SAGEMAKER_MODEL_SERVER_WORKERS", in: 1...1024) ?? workerCount
        queueDepth = try reader.integer("SWERVE_QUEUE_DEPTH", in: 1...1_000_000) ?? queueDepth
        maxQueueWait = try reader.seconds("SWERVE_MAX_QUEUE_WAIT") ?? maxQueueWait
        inlineMaxMicroseconds = try reader.integer("SWERVE_INLINE_MAX_US", in: 0...1_000_000) ?? inlineMaxMicroseconds
        inlinePerTick = try reader.integer("SWERVE_INLINE_PER_TICK", in: 0...1_000_000) ?? inlinePerTick
        workerNice = try reader.integer("SWERVE_WORKER_NICE", in: 0...19).map(Int32.init) ?? workerNice
        queueMaxBytes = try reader.integer("SWERVE_QUEUE_MAX_MB", in: 1...1_000_000).map { $0 << 20 } ?? queueMaxBytes
        requestTimeout = try reader.seconds("SAGEMAKER_MODEL_SERVER_TIMEOUT") ?? requestTimeout
        maxPayloadBytes = try reader.integer("SAGEMAKER_MAX_PAYLOAD_IN_MB", in: 1...100_000).map { $0 << 20 } ?? maxPayloadBytes
        defaultAccept = try reader.mediaType("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT")
        idleTimeout = try reader.seconds("SWERVE_IDLE_TIMEOUT") ?? idleTimeout
        logLevel = try reader.logLevel("SAGEMAKER_CONTAINER_LOG_LEVEL") ?? logLevel
        metricsEnabled = try reader.switch("SWERVE_METRICS") ?? metricsEnabled
        emfEnabled = try reader.switch("SWERVE_EMF") ?? emfEnabled
        if let seconds = try reader.seconds("SWERVE_EMF_INTERVAL") { emf.interval = .nanoseconds(seconds.nanoseconds) }
        emf.namespace = reader.string("SWERVE_EMF_NAMESPACE") ?? emf.namespace
        emf.endpointName = reader.string("SWERVE_ENDPOINT_NAME") ?? emf.endpointName
        emf.variantName = reader.string("SWERVE_VARIANT_NAME") ?? emf.variantName
        deepHealthCheck = try reader.switch("SWERVE_DEEP_HEALTH_CHECK") ?? deepHealthCheck
        deepHealthInterval = try reader.seconds("SWERVE_DEEP_HEALTH_INTERVAL") ?? deepHealthInterval
        multiModel = try MultiModelConfiguration(reader)
        accessLog.enabled = try reader.switch("SWERVE_ACCESS_LOG") ?? accessLog.enabled
        accessLog.sampleRate = try reader.fraction("SWERVE_ACCESS_LOG_SAMPLE") ?? accessLog.sampleRate
        accessLog.maxLinesPerSecond = try reader.integer("SWERVE_ACCESS_LOG_MAX_PER_SECOND", in: 0...10_000_000) ?? accessLog.maxLinesPerSecond
        if let errors = try reader.choice("SWERVE_ACCESS_LOG_ERRORS", ["all", "sampled"]) { accessLog.logAllErrors = errors == "all" }
    }
}

/// A configuration value that cannot be used, naming the variable or flag.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var name: String
    public var problem: String

    public init(name: String, problem: String) {
        self.name = name
        self.problem = problem
    }

    public var description: String { "\(name): \(problem)" }
}
