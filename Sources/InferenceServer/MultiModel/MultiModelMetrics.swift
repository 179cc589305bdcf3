import CoreMetrics

/// The figures of a multi-model server's whole store: how many models are loaded, their measured
/// memory against the budget, and evictions. (Per-model figures are `ModelSeries`.)
final class MultiModelMetrics: Sendable {
    let loadedModels: Recorder
    let loadedMemory: Recorder
    let budget: Recorder
    let evictions: Counter

    init(factory: any MetricsFactory, budgetBytes: Int) {
        loadedModels = Recorder(label: MetricNames.loadedModels, dimensions: [], aggregate: false, factory: factory)
        loadedMemory = Recorder(label: MetricNames.loadedModelMemory, dimensions: [], aggregate: false, factory: factory)
        budget = Recorder(label: MetricNames.modelMemoryBudget, dimensions: [], aggregate: false, factory: factory)
        evictions = Counter(label: MetricNames.modelEvictions, dimensions: [], factory: factory)
        budget.record(Double(budgetBytes))
        loadedModels.record(0.0)
        loadedMemory.record(0.0)
    }

    /// Records the store's usage after a load or an unload.
    func update(models: Int, bytes: Int) {
        loadedModels.record(Double(models))
        loadedMemory.record(Double(bytes))
    }
}
