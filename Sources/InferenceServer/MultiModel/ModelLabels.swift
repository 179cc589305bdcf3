import CoreMetrics

/// Gives at most `capacity` models a `model` label of their own in the per-model metrics, the
/// busiest ones, and records every other model under `model="other"`: ten thousand model names
/// make `capacity + 1` label values, not ten thousand.
///
/// - A model that loads while a label is free (or held by a model no longer loaded) gets one at
///   once; otherwise it starts under `other`.
/// - Every `labelRankInterval` the loaded models are ranked by their requests in that interval
///   and the top `capacity` hold the labels (a holder keeps its label on a tie). A model that
///   loses its label has its series removed from `/metrics`, and its counts continue under
///   `other`; one that gains a label starts new series from zero (counters reset, as Prometheus'
///   `rate` expects of a new series).
/// - A model's `model` series stays after it is unloaded (its unload count) until its label is
///   wanted by another model.
///
/// Confined to the loader thread, which alone loads, unloads and ranks. The series a request
/// records into is read from its `ServedModel`, under the store's lock.
struct ModelLabels {
    let capacity: Int
    private let factory: any MetricsFactory
    let other: ModelSeries
    /// Series by model name, at most `capacity`.
    private var named: [String: ModelSeries] = [:]
    /// Bytes of the loaded models recorded under `other`.
    private var otherBytes = 0

    init(capacity: Int, factory: any MetricsFactory) {
        self.capacity = capacity
        self.factory = factory
        other = ModelSeries(label: MetricNames.otherModels, factory: factory)
    }

    /// The series a model being loaded records into, taking a free label if there is one.
    /// `isLoaded` tells whether a name is loaded now (a label held by a name that is not may go).
    mutating func seriesForLoad(of name: String, isLoaded: (String) -> Bool) -> ModelSeries {
        if let series = named[name] { return series }
        if named.count >= capacity {
            guard let stale = named.keys.first(where: { !isLoaded($0) }) else { return other }
            named.removeValue(forKey: stale)?.destroy()
        }
        guard capacity > 0 else { return other }
        let series = ModelSeries(label: name, factory: factory)
        named[name] = series
        return series
    }

    /// Records a model as loaded (its load, load time and memory).
    mutating func loaded(_ model: ServedModel, into series: ModelSeries) {
        series.loads.increment()
        series.loadDuration.recordNanoseconds(Int64(model.loadSeconds * 1e9))
        addMemory(model.memoryBytes, to: series)
    }

    /// Records a model as unloaded from `series`.
    mutating func unloaded(_ model: ServedModel, from series: ModelSeries) {
        series.unloads.increment()
        addMemory(-model.memoryBytes, to: series)
    }

    /// Gives the labels to the busiest loaded models. `traffic` holds each loaded model's
    /// requests since the last ranking and the series it records into now; returns the models
    /// whose series changed, with their new series.
    mutating func rank(_ traffic: [(model: ServedModel, requests: Int, series: ModelSeries)]) -> [(ServedModel, ModelSeries)] {
        guard capacity > 0 else { return [] }
        let ordered = traffic.sorted { left, right in
            if left.requests != right.requests { return left.requests > right.requests }
            let leftNamed = left.series !== other
            let rightNamed = right.series !== other
            if leftNamed != rightNamed { return leftNamed }
            return left.model.name < right.model.name
        }
        let winners = Set(ordered.prefix(capacity).map(\.model.name))
        var changes: [(ServedModel, ModelSeries)] = []
        // Losers first, so that their labels are free for the winners.
        for entry in ordered.dropFirst(capacity) where entry.series !== other {
            named.removeValue(forKey: entry.model.name)?.destroy()
            otherBytes += entry.model.memoryBytes
            other.memory.record(Double(otherBytes))
            changes.append((entry.model, other))
        }
        for entry in ordered.prefix(capacity) where entry.series === other {
            if named.count >= capacity, let stale = named.keys.first(where: { !winners.contains($0) }) {
                named.removeValue(forKey: stale)?.destroy()
            }
            let series = ModelSeries(label: entry.model.name, factory: factory)
            named[entry.model.name] = series
            otherBytes -= entry.model.memoryBytes
            other.memory.record(Double(otherBytes))
            series.memory.record(Double(entry.model.memoryBytes))
            changes.append((entry.model, series))
        }
        return changes
    }

    private mutating func addMemory(_ bytes: Int, to series: ModelSeries) {
        if series === other {
            otherBytes += bytes
            other.memory.record(Double(otherBytes))
        } else {
            series.memory.record(Double(max(0, bytes)))
        }
    }
}
