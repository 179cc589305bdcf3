/// Every metric name Swerve exports, with its help text and buckets, in one place (no names built
/// at call sites).
///
/// Prometheus names follow its conventions: base units in the name (`_seconds`, `_bytes`,
/// `_percent`), `_total` for counters. The SageMaker / CloudWatch name each one maps to in EMF
/// output is in `EMFNames`.
public enum MetricNames {
    public static let requests = "swerve_requests_total"
    /// OpenTelemetry's `http.server.request.duration`: head received to response written.
    public static let requestDuration = "http_server_request_duration_seconds"
    public static let modelLatency = "swerve_model_latency_seconds"
    public static let overheadLatency = "swerve_overhead_latency_seconds"
    public static let queueWait = "swerve_queue_wait_seconds"
    public static let inFlight = "swerve_requests_in_flight"
    public static let rejected = "swerve_rejected_requests_total"
    public static let modelLoad = "swerve_model_load_seconds"
    public static let containerLatency = "swerve_container_latency_seconds"
    public static let containerCPU = "swerve_container_cpu_seconds_total"
    public static let workerOverheadCPU = "swerve_worker_overhead_cpu_seconds_total"
    public static let inlineModelCPU = "swerve_inline_model_cpu_seconds_total"
    public static let inlineRequests = "swerve_inline_requests_total"
    public static let threadCPU = "swerve_thread_cpu_seconds_total"
    public static let processCPU = "process_cpu_seconds_total"
    public static let cpuUtilization = "swerve_cpu_utilization_percent"
    public static let residentMemory = "process_resident_memory_bytes"
    public static let memoryUtilization = "swerve_memory_utilization_percent"
    public static let cpuCores = "swerve_cpu_cores"
    public static let healthy = "swerve_healthy"

    // Multi-model mode: per model (label `model`: the busiest models by name, the rest `other`).
    public static let modelInvocations = "swerve_model_invocations_total"
    public static let modelInvocationLatency = "swerve_model_invocation_latency_seconds"
    public static let modelLoads = "swerve_model_loads_total"
    public static let modelUnloads = "swerve_model_unloads_total"
    public static let modelLoadDuration = "swerve_model_load_duration_seconds"
    public static let modelMemory = "swerve_model_memory_bytes"
    // Multi-model mode: the whole store.
    public static let loadedModels = "swerve_loaded_models"
    public static let loadedModelMemory = "swerve_loaded_model_memory_bytes"
    public static let modelMemoryBudget = "swerve_model_memory_budget_bytes"
    public static let modelEvictions = "swerve_model_evictions_total"

    /// Label names.
    public static let route = "route", status = "status", model = "model", container = "container", role = "role"

    /// The containers every model has besides its own stages: SageMaker toolkit's decode and
    /// encode steps.
    public static let inputContainer = "input_fn", outputContainer = "output_fn"

    /// Multi-model mode: the `model` label of figures summed over all models, the container the
    /// models' own stages are summed into, and the label shared by the models without one of
    /// their own.
    public static let allModels = "all", predictContainer = "predict_fn", otherModels = "other"

    /// The `# HELP` text of every family.
    public static func help(_ name: String) -> String {
        switch name {
        case requests: "Responses written, by route and status class (SageMaker Invocations, Invocation4XXErrors, Invocation5XXErrors)."
        case requestDuration:
            "Time from a request's head arriving to its response being written, by route and status class (OpenTelemetry http.server.request.duration)."
        case modelLatency: "Time in the model's steps (decode, predict, encode) per invocation (SageMaker ModelLatency)."
        case overheadLatency: "Time the server held an invocation outside the model's steps (SageMaker OverheadLatency)."
        case queueWait: "Time an invocation waited for a model worker."
        case inFlight: "Invocations admitted and not yet answered."
        case rejected: "Invocations refused with 503 because the expected wait for a worker was too long."
        case modelLoad: "Time loading the model took."
        case containerLatency: "Wall time of each pipeline stage (input_fn, the model's stages, output_fn) per invocation."
        case containerCPU: "CPU time burnt in each pipeline stage."
        case workerOverheadCPU: "Worker-thread CPU time outside any stage (queueing, hand-off, accounting)."
        case inlineRequests: "Invocations run on their event loop instead of a worker thread (small requests estimated to take microseconds)."
        case inlineModelCPU: "CPU time of model stages run on event-loop threads (small requests run inline)."
        case threadCPU: "CPU time of the event-loop threads and of the worker threads."
        case processCPU: "CPU time of the whole process."
        case cpuUtilization: "Process CPU utilization, percent summed over cores as CloudWatch reports it (SageMaker CPUUtilization)."
        case residentMemory: "Resident memory of the process."
        case memoryUtilization: "Resident memory as a percentage of the cgroup limit, else of the machine (SageMaker MemoryUtilization)."
        case modelInvocations: "Invocations of a loaded model by outcome (multi-model mode; the busiest models by name, the rest as other)."
        case modelInvocationLatency: "Time in the model's steps per invocation, by model (multi-model mode; ModelLatency per model)."
        case modelLoads: "Models loaded, by model (multi-model mode)."
        case modelUnloads: "Models unloaded (DELETE or eviction), by model (multi-model mode)."
        case modelLoadDuration: "Time a model load took on the loader thread, by model (multi-model mode; SageMaker ModelLoadingTime)."
        case modelMemory: "Measured heap size of the loaded models, by model (multi-model mode)."
        case loadedModels: "Models loaded now (multi-model mode; SageMaker LoadedModelCount)."
        case loadedModelMemory: "Measured heap size of all loaded models (multi-model mode); compared with the budget."
        case modelMemoryBudget: "The memory budget for loaded models (multi-model mode; SWERVE_MODEL_MEMORY_MB)."
        case modelEvictions: "Least recently used models unloaded to make room for a load (multi-model mode, --evict-lru)."
        case cpuCores: "CPUs this process may run on (affinity and cgroup quota): the denominator of CPU alerts."
        case healthy: "1 while GET /ping answers 200, 0 while it answers 503 (read at each scrape)."
        default: ""
        }
    }

    /// Bounds for latency histograms in seconds: 10 µs to 60 s, 1-2.5-5 per decade, and 0.2 s
    /// (the p90 alert's threshold) so that quantiles near it are exact. An observation touches one
    /// bucket, so finer buckets cost nothing per request.
    public static let latencyBuckets: [Double] = [
        0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25,
        0.5, 1, 2.5, 5, 10, 30, 60,
    ]

    /// The histogram bounds of a family (every histogram is a latency in seconds).
    public static func buckets(_ name: String) -> [Double] { latencyBuckets }
}
