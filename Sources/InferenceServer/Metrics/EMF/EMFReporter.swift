import ModelRuntimes
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Settings of the EMF output.
public struct EMFConfiguration: Sendable {
    /// CloudWatch namespace (custom metrics cannot use `AWS/...`).
    public var namespace = "Swerve"
    public var endpointName = "local"
    public var variantName = "AllTraffic"
    /// How often a document is written; also written once more at shutdown.
    public var interval: Duration = .seconds(60)

    public init() {}
}

/// Writes CloudWatch Embedded Metric Format documents to stdout: once per interval, the
/// aggregated endpoint figures (one line) and each container's (one line per container, since a
/// document carries one value per dimension), with CloudWatch's units (microseconds for latency).
///
/// Latencies are written as up to 100 evenly spaced quantiles of the interval's distribution, so
/// CloudWatch's average and percentile statistics come out right; their sample count is therefore
/// not the request count, which `Invocations` carries.
public final class EMFReporter: Service, Sendable {
    private let factory: EMFMetricsFactory
    private let configuration: EMFConfiguration
    private let write: @Sendable (String) -> Void

    public init(
        factory: EMFMetricsFactory, configuration: EMFConfiguration, write: @escaping @Sendable (String) -> Void = EMFReporter.writeToStandardOutput
    ) {
        self.factory = factory
        self.configuration = configuration
        self.write = write
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: configuration.interval)
            report()
        }
    }

    /// Writes the documents for everything aggregated since the last report.
    public func report() {
        for line in render(factory.drain(), timestamp: Self.nowMilliseconds()) { write(line) }
    }

    /// The EMF lines for one interval.
    func render(_ interval: EMFInterval, timestamp: Int) -> [String] {
        var endpoint = EMFDocument(configuration: configuration, timestamp: timestamp)
        var containers: [String: EMFDocument] = [:]
        var invocations = 0.0
        var errors4xx = 0.0
        var errors5xx = 0.0
        for (key, value) in interval.counts {
            switch key.label {
            case MetricNames.requests where Self.invocationRoutes.contains(key.dimension(MetricNames.route) ?? ""):
                invocations += value
                if key.dimension(MetricNames.status) == "4xx" { errors4xx += value }
                if key.dimension(MetricNames.status) == "5xx" { errors5xx += value }
            case MetricNames.rejected: endpoint.add("RejectedRequests", unit: "Count", value)
            case MetricNames.processCPU: endpoint.add("CPUTime", unit: "Seconds", value)
            case MetricNames.workerOverheadCPU: endpoint.add("WorkerOverheadCPUTime", unit: "Seconds", value)
            case MetricNames.threadCPU:
                endpoint.add(key.dimension(MetricNames.role) == "worker" ? "WorkerCPUTime" : "EventLoopCPUTime", unit: "Seconds", value)
            case MetricNames.containerCPU:
                containers[key.dimension(MetricNames.container) ?? "", default: container(key, timestamp)].add(
                    "ContainerCPUTime", unit: "Seconds", value)
            default: break
            }
        }
        endpoint.add("Invocations", unit: "Count", invocations)
        endpoint.add("Invocation4XXErrors", unit: "Count", errors4xx)
        endpoint.add("Invocation5XXErrors", unit: "Count", errors5xx)
        for (key, value) in interval.gauges {
            switch key.label {
            case MetricNames.inFlight: endpoint.add("RequestsInFlight", unit: "Count", value)
            case MetricNames.modelLoad: endpoint.add("ModelLoadingTime", unit: "Microseconds", value * 1e6)
            case MetricNames.cpuUtilization: endpoint.add("CPUUtilization", unit: "Percent", value)
            case MetricNames.memoryUtilization: endpoint.add("MemoryUtilization", unit: "Percent", value)
            case MetricNames.residentMemory: endpoint.add("MemoryResidentBytes", unit: "Bytes", value)
            case MetricNames.loadedModels: endpoint.add("LoadedModelCount", unit: "Count", value)
            default: break
            }
        }
        for (key, values) in interval.distributions {
            switch key.label {
            case MetricNames.modelLatency: endpoint.add("ModelLatency", unit: "Microseconds", values)
            case MetricNames.overheadLatency: endpoint.add("OverheadLatency", unit: "Microseconds", values)
            case MetricNames.queueWait: endpoint.add("QueueLatency", unit: "Microseconds", values)
            case MetricNames.containerLatency:
                containers[key.dimension(MetricNames.container) ?? "", default: container(key, timestamp)].add(
                    "ContainerLatency", unit: "Microseconds", values)
            default: break
            }
        }
        return [endpoint.render()] + containers.keys.sorted().map { containers[$0]!.render() }
    }

    /// The routes whose requests are SageMaker's Invocations (multi-model invocations included).
    private static let invocationRoutes: Set<String> = [RouteLabel.invocations.name, RouteLabel.modelInvocation.name]

    private func container(_ key: EMFKey, _ timestamp: Int) -> EMFDocument {
        var document = EMFDocument(configuration: configuration, timestamp: timestamp)
        document.dimension("ContainerName", key.dimension(MetricNames.container) ?? "")
        document.property("ModelName", key.dimension(MetricNames.model) ?? "")
        return document
    }

    static func nowMilliseconds() -> Int {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000
    }

    /// Writes a line to standard output with one `write` call, so lines never interleave.
    public static let writeToStandardOutput: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
    }
}

/// One EMF document being assembled.
struct EMFDocument {
    private let configuration: EMFConfiguration
    private let timestamp: Int
    private var dimensionNames = ["EndpointName", "VariantName"]
    private var members: [(String, String)]
    private var metrics: [(name: String, unit: String)] = []

    init(configuration: EMFConfiguration, timestamp: Int) {
        self.configuration = configuration
        self.timestamp = timestamp
        members = [("EndpointName", Self.string(configuration.endpointName)), ("VariantName", Self.string(configuration.variantName))]
    }

    mutating func dimension(_ name: String, _ value: String) {
        dimensionNames.append(name)
        members.append((name, Self.string(value)))
    }

    mutating func property(_ name: String, _ value: String) { members.append((name, Self.string(value))) }

    mutating func add(_ name: String, unit: String, _ value: Double) {
        metrics.append((name, unit))
        members.append((name, Self.number(value)))
    }

    mutating func add(_ name: String, unit: String, _ values: [Double]) {
        metrics.append((name, unit))
        members.append((name, "[" + values.map(Self.number).joined(separator: ",") + "]"))
    }

    func render() -> String {
        let metricList = metrics.map { #"{"Name":\#(Self.string($0.name)),"Unit":\#(Self.string($0.unit))}"# }.joined(separator: ",")
        let dimensions = "[[" + dimensionNames.map(Self.string).joined(separator: ",") + "]]"
        let aws =
            #""_aws":{"Timestamp":\#(timestamp),"CloudWatchMetrics":[{"Namespace":\#(Self.string(configuration.namespace)),"Dimensions":\#(dimensions),"Metrics":[\#(metricList)]}]}"#
        return "{" + ([aws] + members.map { "\(Self.string($0.0)):\($0.1)" }).joined(separator: ",") + "}"
    }

    static func string(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONText.appendString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func number(_ value: Double) -> String {
        var bytes: [UInt8] = []
        NumberFormatting.append(value.isFinite ? value : 0, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
