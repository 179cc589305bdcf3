import NIOCore

/// The settings of multi-model mode (SageMaker's multi-model endpoints), part of
/// `ServerConfiguration`.
public struct MultiModelConfiguration: Sendable {
    /// `SAGEMAKER_MULTI_MODEL` (`true` enables; SageMaker sets it), or `--multi-model`: load no
    /// model at start, serve `/models` and `/models/{name}/invoke`.
    public var enabled = false
    /// `SWERVE_MODEL_MEMORY_MB`: what the loaded models' measured sizes may add up to; nil means
    /// `MemoryBudget.defaultShare` of the container's memory limit.
    public var memoryBudgetBytes: Int? = nil
    /// `SWERVE_EVICT_LRU` (`on` enables): a load past the budget unloads idle models, least
    /// recently used first, instead of answering 507.
    public var evictsLeastRecentlyUsed = false
    /// `SWERVE_MODEL_METRIC_LABELS`, default 100: how many models get a `model` label of their own
    /// in per-model metrics (the busiest); the rest share `model="other"`.
    public var metricLabels = 100
    /// `SWERVE_MODEL_LABEL_RANK_SECONDS`, default 10: how often the per-model labels are given to
    /// the busiest models.
    public var labelRankInterval = TimeAmount.seconds(10)
    /// Loads that may wait for the loader thread before new ones get 503.
    public var maxPendingLoads = 1024

    public init() {}

    /// The budget in force: the configured one, else the container's default.
    public var budget: MemoryBudget {
        var budget = memoryBudgetBytes.map { MemoryBudget(bytes: $0) } ?? .containerDefault
        budget.evictsLeastRecentlyUsed = evictsLeastRecentlyUsed
        return budget
    }

    /// Reads the variables; unset ones keep their defaults.
    init(_ reader: EnvironmentReader) throws {
        enabled = try reader.switch("SAGEMAKER_MULTI_MODEL") ?? enabled
        memoryBudgetBytes = try reader.integer("SWERVE_MODEL_MEMORY_MB", in: 1...100_000_000).map { $0 << 20 } ?? memoryBudgetBytes
        evictsLeastRecentlyUsed = try reader.switch("SWERVE_EVICT_LRU") ?? evictsLeastRecentlyUsed
        metricLabels = try reader.integer("SWERVE_MODEL_METRIC_LABELS", in: 0...10_000) ?? metricLabels
        labelRankInterval = try reader.seconds("SWERVE_MODEL_LABEL_RANK_SECONDS") ?? labelRankInterval
    }
}
