import CoreMetrics
import NIOConcurrencyHelpers

/// The Prometheus backend behind `/metrics`: a swift-metrics factory whose handlers record into
/// per-thread shards (`ShardedCells`) and are summed only when `/metrics` is rendered, in the
/// text exposition format with `# HELP` and `# TYPE` for every family.
///
/// It exists because measuring must cost little next to a 10 µs request: a recording takes no lock
/// and no atomic read-modify-write, and an observation touches one histogram bucket.
public final class PrometheusBackend: MetricsFactory, Sendable {
    /// What one metric family is, in Prometheus terms.
    enum Kind: String { case counter, gauge, histogram }

    /// One labelled series of a family.
    struct Series {
        var labels: [(String, String)]
        var handler: AnyObject & Sendable
    }

    struct Family {
        var kind: Kind
        var help: String
        var series: [Series]
    }

    /// Families by name, in the order they were first made. Guarded by its lock; taken only when a
    /// handle is made (at start-up) and when rendering.
    private let families = NIOLockedValueBox<(order: [String], byName: [String: Family])>(([], [:]))
    private let help: @Sendable (String) -> String
    private let buckets: @Sendable (String) -> [Double]

    /// - Parameters:
    ///   - help: the `# HELP` text of a family, by name.
    ///   - buckets: the histogram bounds of a family, by name.
    public init(help: @escaping @Sendable (String) -> String, buckets: @escaping @Sendable (String) -> [Double]) {
        self.help = help
        self.buckets = buckets
    }

    // MARK: MetricsFactory

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        series(label, dimensions, kind: .counter) { ShardedCounter() }
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        series(label, dimensions, kind: .counter) { ShardedCounter() }
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        series(label, dimensions, kind: .gauge) { ShardedMeter() }
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            let bounds = buckets(label)
            return series(label, dimensions, kind: .histogram) { ShardedHistogram(bounds: bounds) }
        }
        return series(label, dimensions, kind: .gauge) { AtomicGauge() }
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let bounds = buckets(label)
        return series(label, dimensions, kind: .histogram) { ShardedHistogram(bounds: bounds) }
    }

    public func destroyCounter(_ handler: any CounterHandler) { remove(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { remove(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { remove(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { remove(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { remove(handler) }

    /// The series of family `name` with `labels`, made by `make` the first time.
    private func series<Handler: AnyObject & Sendable>(_ name: String, _ labels: [(String, String)], kind: Kind, make: () -> Handler) -> Handler {
        families.withLockedValue { state in
            var family =
                state.byName[name]
                ?? {
                    state.order.append(name)
                    return Family(kind: kind, help: help(name), series: [])
                }()
            precondition(family.kind == kind, "metric \(name) is a \(family.kind.rawValue), not a \(kind.rawValue)")
            if let existing = family.series.first(where: { $0.labels.elementsEqual(labels, by: ==) }), let handler = existing.handler as? Handler {
                return handler
            }
            let handler = make()
            family.series.append(Series(labels: labels, handler: handler))
            state.byName[name] = family
            return handler
        }
    }

    private func remove(_ handler: AnyObject) {
        families.withLockedValue { state in
            for name in state.order { state.byName[name]?.series.removeAll { $0.handler === handler } }
        }
    }

    // MARK: Rendering

    /// The whole exposition, in the text format (version 0.0.4).
    public func render() -> [UInt8] {
        let snapshot = families.withLockedValue { state in state.order.compactMap { name in state.byName[name].map { (name, $0) } } }
        var text = PrometheusText()
        for (name, family) in snapshot where !family.series.isEmpty {
            text.familyHeader(name, help: family.help, type: family.kind.rawValue)
            for series in family.series {
                switch series.handler {
                case let counter as ShardedCounter: text.sample(name, series.labels, counter.value)
                case let meter as ShardedMeter: text.sample(name, series.labels, meter.value)
                case let gauge as AtomicGauge: text.sample(name, series.labels, gauge.value)
                case let histogram as ShardedHistogram: text.histogram(name, series.labels, histogram)
                default: continue
                }
            }
        }
        return text.bytes
    }
}
