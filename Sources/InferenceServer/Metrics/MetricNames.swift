/// Every metric name Swerve exports, in one place (no names built at call sites).
///
/// Prometheus names follow its conventions (base units, `_total` counters); the SageMaker /
/// CloudWatch name each one maps to in EMF output is in `EMFNames`.
public enum MetricNames {
    public static let requests = "swerve_requests_total"
    public static let modelLatency = "swerve_model_latency_seconds"
    public static let overheadLatency = "swerve_overhead_latency_seconds"
    public static let queueWait = "swerve_queue_wait_seconds"
    public static let inFlight = "swerve_requests_in_flight"
    public static let rejected = "swerve_rejected_requests_total"
    public static let modelLoad = "swerve_model_load_seconds"
    public static let containerLatency = "swerve_container_latency_seconds"
    public static let containerCPU = "swerve_container_cpu_seconds_total"
    public static let workerOverheadCPU = "swerve_worker_overhead_cpu_seconds_total"
    public static let threadCPU = "swerve_thread_cpu_seconds_total"
    public static let processCPU = "process_cpu_seconds_total"
    public static let cpuUtilization = "swerve_cpu_utilization_percent"
    public static let residentMemory = "process_resident_memory_bytes"
    public static let memoryUtilization = "swerve_memory_utilization_percent"

    /// Label names.
    public static let route = "route", status = "status", model = "model", container = "container", role = "role"

    /// The containers every model has besides its own stages: SageMaker toolkit's decode and
    /// encode steps.
    public static let inputContainer = "input_fn", outputContainer = "output_fn"

    /// Histogram buckets for latencies: 10 µs to 60 s, about three per decade. (swift-prometheus
    /// increments every bucket at or above a value, so each bucket costs on every observation.)
    public static let latencyBuckets: [Double] = [
        0.000_01, 0.000_03, 0.000_1, 0.000_3, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 60,
    ]

    /// The histogram metrics, which are latencies in seconds.
    public static let latencyHistograms = [modelLatency, overheadLatency, queueWait, containerLatency]
}
