import CoreMetrics
import NIOHTTP1

/// Every metric handle the server records into, made once from an injected swift-metrics
/// factory, so that core code never touches the global `MetricsSystem` and tests can pass
/// swift-metrics' `TestMetrics`.
public final class ServerMetrics: Sendable {
    /// Status classes for the `status` label (Swerve never answers a request with 1xx or 3xx).
    static let statusClasses = ["2xx", "4xx", "5xx"]

    private let requestCounters: [[CounterRef]]
    /// `http_server_request_duration_seconds`, by route and status class, like the counters.
    private let requestDurations: [[HistogramRef]]
    let modelLatency: HistogramRef
    let overheadLatency: HistogramRef
    let queueWait: HistogramRef
    let inFlight: MeterRef
    let rejected: Counter
    /// The single model's load time; nil in multi-model mode (`MultiModelMetrics` has per-model ones).
    let modelLoad: Recorder?
    let cpuUtilization: Recorder
    let processCPU: FloatingPointCounter
    let eventLoopCPU: FloatingPointCounter
    let workerCPU: FloatingPointCounter
    let residentMemory: Recorder
    let memoryUtilization: Recorder
    let cpuCores: Recorder
    let healthy: Recorder
    let workerOverheadCPU: FloatingPointCounter
    let inlineModelCPU: FloatingPointCounter
    let inlineRequests: CounterRef
    /// Per-container handles, indexed like `containerNames`.
    let containerLatency: [HistogramRef]
    let containerCPU: [FloatingPointCounter]
    /// `input_fn`, the model's stages, `output_fn`.
    public let containerNames: [String]
    /// What the references above point to, kept alive here (they do not keep it alive).
    private let referenced: [any Sendable]

    /// - Parameters:
    ///   - factory: the swift-metrics factory every handle is made from.
    ///   - model: the model's name, for the `model` label.
    ///   - stageNames: the model's own stages; `input_fn` and `output_fn` are added around them.
    ///   - routes: the routes the server answers; only they get request series (a route the
    ///     router never labels would only add series that stay 0).
    public convenience init(factory: any MetricsFactory, model: String, stageNames: [String], routes: [RouteLabel] = RouteLabel.singleModelRoutes) {
        self.init(factory: factory, model: model, stageNames: stageNames, routes: routes, recordsModelLoad: true)
    }

    /// The metrics of a multi-model server: every route, and the containers of all models together
    /// under model `all` (`input_fn`, `predict_fn` for the models' own stages, `output_fn`); the
    /// per-model figures are `MultiModelMetrics`'.
    public static func multiModel(factory: any MetricsFactory) -> ServerMetrics {
        ServerMetrics(
            factory: factory, model: MetricNames.allModels, stageNames: [MetricNames.predictContainer], routes: RouteLabel.allCases,
            recordsModelLoad: false)
    }

    private init(factory: any MetricsFactory, model: String, stageNames: [String], routes: [RouteLabel], recordsModelLoad: Bool) {
        // Only served routes get series (a backend lists every series made); a route not served
        // shares `other`'s, where the router labels its requests.
        var counters: [RouteLabel: [any CounterHandler]] = [:]
        var durations: [RouteLabel: [LatencyHistogram]] = [:]
        for route in RouteLabel.allCases where route == .other || routes.contains(route) {
            counters[route] = Self.statusClasses.map { status in
                factory.makeCounter(label: MetricNames.requests, dimensions: [(MetricNames.route, route.name), (MetricNames.status, status)])
            }
            durations[route] = Self.statusClasses.map { status in
                LatencyHistogram(
                    label: MetricNames.requestDuration, dimensions: [(MetricNames.route, route.name), (MetricNames.status, status)], factory: factory)
            }
        }
        requestCounters = RouteLabel.allCases.map { (counters[$0] ?? counters[.other]!).map(CounterRef.init) }
        requestDurations = RouteLabel.allCases.map { (durations[$0] ?? durations[.other]!).map(HistogramRef.init) }
        let modelLatency = LatencyHistogram(label: MetricNames.modelLatency, dimensions: [], factory: factory)
        let overheadLatency = LatencyHistogram(label: MetricNames.overheadLatency, dimensions: [], factory: factory)
        let queueWait = LatencyHistogram(label: MetricNames.queueWait, dimensions: [], factory: factory)
        self.modelLatency = HistogramRef(modelLatency)
        self.overheadLatency = HistogramRef(overheadLatency)
        self.queueWait = HistogramRef(queueWait)
        let inFlight = factory.makeMeter(label: MetricNames.inFlight, dimensions: [])
        self.inFlight = MeterRef(inFlight)
        rejected = Counter(label: MetricNames.rejected, dimensions: [], factory: factory)
        modelLoad =
            recordsModelLoad
            ? Recorder(label: MetricNames.modelLoad, dimensions: [(MetricNames.model, model)], aggregate: false, factory: factory) : nil
        cpuUtilization = Recorder(label: MetricNames.cpuUtilization, dimensions: [], aggregate: false, factory: factory)
        processCPU = FloatingPointCounter(label: MetricNames.processCPU, dimensions: [], factory: factory)
        eventLoopCPU = FloatingPointCounter(label: MetricNames.threadCPU, dimensions: [(MetricNames.role, "event_loop")], factory: factory)
        workerCPU = FloatingPointCounter(label: MetricNames.threadCPU, dimensions: [(MetricNames.role, "worker")], factory: factory)
        residentMemory = Recorder(label: MetricNames.residentMemory, dimensions: [], aggregate: false, factory: factory)
        memoryUtilization = Recorder(label: MetricNames.memoryUtilization, dimensions: [], aggregate: false, factory: factory)
        cpuCores = Recorder(label: MetricNames.cpuCores, dimensions: [], aggregate: false, factory: factory)
        cpuCores.record(AvailableCores.count)
        healthy = Recorder(label: MetricNames.healthy, dimensions: [], aggregate: false, factory: factory)
        workerOverheadCPU = FloatingPointCounter(label: MetricNames.workerOverheadCPU, dimensions: [], factory: factory)
        inlineModelCPU = FloatingPointCounter(label: MetricNames.inlineModelCPU, dimensions: [], factory: factory)
        let inlineRequests = factory.makeCounter(label: MetricNames.inlineRequests, dimensions: [])
        self.inlineRequests = CounterRef(inlineRequests)
        containerNames = [MetricNames.inputContainer] + stageNames + [MetricNames.outputContainer]
        let containerLatency = containerNames.map {
            LatencyHistogram(
                label: MetricNames.containerLatency, dimensions: [(MetricNames.model, model), (MetricNames.container, $0)], factory: factory)
        }
        self.containerLatency = containerLatency.map(HistogramRef.init)
        let histograms: [LatencyHistogram] = Array(durations.values.joined()) + [modelLatency, overheadLatency, queueWait] + containerLatency
        let counterHandlers: [any CounterHandler] = Array(counters.values.joined())
        referenced = histograms.map(\.handler) + counterHandlers + [inFlight, inlineRequests]
        containerCPU = containerNames.map {
            FloatingPointCounter(
                label: MetricNames.containerCPU, dimensions: [(MetricNames.model, model), (MetricNames.container, $0)], factory: factory)
        }
    }

    /// Records how long loading the model took.
    public func modelLoaded(seconds: Double) { modelLoad?.record(seconds) }

    /// Counts a written response and records its duration (head received to response written).
    func responded(route: RouteLabel, status: UInt, nanoseconds: Int64) {
        let statusClass: Int
        switch status {
        case 200..<300: statusClass = 0
        case 400..<500: statusClass = 1
        case 500..<600: statusClass = 2
        default: return
        }
        requestCounters[route.rawValue][statusClass].increment()
        requestDurations[route.rawValue][statusClass].recordNanoseconds(nanoseconds)
    }
}

/// A latency distribution in seconds: a swift-metrics `Recorder` that aggregates (a histogram
/// in Prometheus).
///
/// Not a swift-metrics `Timer`: swift-prometheus backs timers with `Duration` buckets whose
/// comparisons are function calls, one per bucket per observation, which made the latency
/// histograms the largest cost of measuring. A `Double` histogram has the same exposition
/// (`_bucket{le="0.001"}`, `_sum`, `_count`, in seconds) at a fraction of the cost.
///
/// It holds the handler the injected factory makes (`MetricsFactory.makeRecorder`) rather than a
/// `Recorder`, whose generic `record<T: BinaryFloatingPoint>` converts through witness-table
/// lookups on every observation.
struct LatencyHistogram: Sendable {
    let handler: any RecorderHandler

    init(label: String, dimensions: [(String, String)], factory: any MetricsFactory) {
        handler = factory.makeRecorder(label: label, dimensions: dimensions, aggregate: true)
    }

    @inline(__always)
    func recordNanoseconds(_ nanoseconds: Int64) {
        handler.record(Double(nanoseconds) / 1e9)
    }
}

/// A metric handler as the request path calls it, with no reference counting when it is one of
/// Swerve's own sharded Prometheus handlers.
///
/// Handler objects are shared by every thread. Calling one through its existential retained and
/// released it around each call, and those atomic counts made the object's cache line travel
/// between cores on every observation (a churn request makes about fourteen). Swerve's own handler
/// (`Fast`) is therefore held unretained and called directly; its owner (`ServerMetrics`) keeps it
/// alive for as long as the reference is used. Any other backend's handler (EMF, a test kit) is
/// held and called as before.
struct UnretainedHandler<Handler: Sendable, Fast: AnyObject>: @unchecked Sendable {
    private let fast: Unmanaged<Fast>?
    /// The handler when it is not a `Fast` (nil otherwise, so copying this costs no count).
    private let other: Handler?

    init(_ handler: Handler) {
        if let own = handler as? Fast {
            fast = Unmanaged.passUnretained(own)
            other = nil
        } else {
            fast = nil
            other = handler
        }
    }

    /// Calls `onFast` with Swerve's handler, or `onOther` with the backend's.
    @inline(__always)
    func call(_ onFast: (Fast) -> Void, else onOther: (Handler) -> Void) {
        if let fast {
            fast._withUnsafeGuaranteedRef(onFast)
        } else if let other {
            onOther(other)
        }
    }
}

/// A latency histogram on the request path (`UnretainedHandler`).
typealias HistogramRef = UnretainedHandler<any RecorderHandler, ShardedHistogram>

extension UnretainedHandler where Handler == any RecorderHandler, Fast == ShardedHistogram {
    init(_ histogram: LatencyHistogram) { self.init(histogram.handler) }

    @inline(__always)
    func recordNanoseconds(_ nanoseconds: Int64) {
        call({ $0.recordNanoseconds(nanoseconds) }, else: { $0.record(Double(nanoseconds) / 1e9) })
    }
}

/// A counter on the request path (`UnretainedHandler`).
typealias CounterRef = UnretainedHandler<any CounterHandler, ShardedCounter>

extension UnretainedHandler where Handler == any CounterHandler, Fast == ShardedCounter {
    @inline(__always)
    func increment() { call({ $0.increment(by: Int64(1)) }, else: { $0.increment(by: Int64(1)) }) }
}

/// The requests-in-flight gauge on the request path (`UnretainedHandler`).
typealias MeterRef = UnretainedHandler<any MeterHandler, ShardedMeter>

extension UnretainedHandler where Handler == any MeterHandler, Fast == ShardedMeter {
    @inline(__always)
    func increment() { call({ $0.increment(by: 1.0) }, else: { $0.increment(by: 1.0) }) }

    @inline(__always)
    func decrement() { call({ $0.decrement(by: 1.0) }, else: { $0.decrement(by: 1.0) }) }
}
