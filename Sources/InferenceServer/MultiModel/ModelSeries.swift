import CoreMetrics

/// The per-model series one value of the `model` label records into: a loaded model's own, or
/// the `other` series shared by the models without one (see `ModelLabels`).
///
/// Recording goes through the injected factory's handlers (for Prometheus, per-thread shards: no
/// lock), so an invocation pays two observations. A series can be destroyed while a request still
/// holds it (its model lost its label); that request's observation is then not exported.
final class ModelSeries: Sendable {
    /// The label value: the model's name, or `other`.
    let label: String
    /// Invocations by status class (2xx, 4xx, 5xx), like `swerve_requests_total`.
    private let invocations: [Counter]
    private let latency: LatencyHistogram
    let loads: Counter
    let unloads: Counter
    let loadDuration: LatencyHistogram
    /// The measured size of the model(s) under this label.
    let memory: Recorder
    private let factory: any MetricsFactory

    init(label: String, factory: any MetricsFactory) {
        self.label = label
        self.factory = factory
        let dimensions = [(MetricNames.model, label)]
        invocations = ServerMetrics.statusClasses.map { status in
            Counter(label: MetricNames.modelInvocations, dimensions: dimensions + [(MetricNames.status, status)], factory: factory)
        }
        latency = LatencyHistogram(label: MetricNames.modelInvocationLatency, dimensions: dimensions, factory: factory)
        loads = Counter(label: MetricNames.modelLoads, dimensions: dimensions, factory: factory)
        unloads = Counter(label: MetricNames.modelUnloads, dimensions: dimensions, factory: factory)
        loadDuration = LatencyHistogram(label: MetricNames.modelLoadDuration, dimensions: dimensions, factory: factory)
        memory = Recorder(label: MetricNames.modelMemory, dimensions: dimensions, aggregate: false, factory: factory)
    }

    /// Counts one invocation by the status of its answer, and its time in the model.
    @inline(__always)
    func invoked(status: UInt, modelNanoseconds: UInt64) {
        switch status {
        case 200..<300: invocations[0].increment()
        case 400..<500: invocations[1].increment()
        case 500..<600: invocations[2].increment()
        default: break
        }
        if modelNanoseconds > 0 { latency.recordNanoseconds(Int64(modelNanoseconds)) }
    }

    /// Removes the series from the backend (the label value disappears from `/metrics`).
    func destroy() {
        for counter in invocations { counter.destroy() }
        factory.destroyRecorder(latency.handler)
        loads.destroy()
        unloads.destroy()
        factory.destroyRecorder(loadDuration.handler)
        memory.destroy()
    }
}
