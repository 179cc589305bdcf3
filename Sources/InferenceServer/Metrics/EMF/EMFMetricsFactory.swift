import CoreMetrics
import NIOConcurrencyHelpers

/// A swift-metrics backend that aggregates in memory for CloudWatch Embedded Metric Format.
///
/// Multiplexed beside the Prometheus factory when `--emf` is on; `EMFReporter` drains it once
/// per interval into EMF documents, so CloudWatch receives aggregated values, never a line per
/// request.
public final class EMFMetricsFactory: MetricsFactory, Sendable {
    private struct Instruments {
        var counters: [EMFKey: EMFCounter] = [:]
        var gauges: [EMFKey: EMFGauge] = [:]
        var timers: [EMFKey: EMFTimer] = [:]
    }

    private let instruments = NIOLockedValueBox(Instruments())

    public init() {}

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        counter(EMFKey(label: label, dimensions: dimensions))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        counter(EMFKey(label: label, dimensions: dimensions))
    }

    /// An aggregating recorder (Swerve's latencies, in seconds) is a distribution; a plain one a gauge.
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        aggregate ? timer(EMFKey(label: label, dimensions: dimensions)) : gauge(EMFKey(label: label, dimensions: dimensions))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        gauge(EMFKey(label: label, dimensions: dimensions))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        timer(EMFKey(label: label, dimensions: dimensions))
    }

    private func timer(_ key: EMFKey) -> EMFTimer {
        instruments.withLockedValue { Self.instrument(key, in: &$0.timers, make: EMFTimer.init) }
    }

    private func counter(_ key: EMFKey) -> EMFCounter {
        instruments.withLockedValue { Self.instrument(key, in: &$0.counters, make: EMFCounter.init) }
    }

    private func gauge(_ key: EMFKey) -> EMFGauge {
        instruments.withLockedValue { Self.instrument(key, in: &$0.gauges, make: EMFGauge.init) }
    }

    /// The instrument registered under `key`, made on first use: every handle with the same
    /// label and dimensions aggregates into one.
    private static func instrument<Instrument>(_ key: EMFKey, in table: inout [EMFKey: Instrument], make: (EMFKey) -> Instrument) -> Instrument {
        if let existing = table[key] { return existing }
        let made = make(key)
        table[key] = made
        return made
    }

    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// Everything aggregated since the last call, and the gauges' current values.
    func drain() -> EMFInterval {
        let (counters, gauges, timers) = instruments.withLockedValue { ($0.counters, $0.gauges, $0.timers) }
        var interval = EMFInterval()
        for (key, counter) in counters { interval.counts[key] = counter.drain() }
        for (key, gauge) in gauges { if let value = gauge.value { interval.gauges[key] = value } }
        for (key, timer) in timers {
            let drained = timer.drainQuantiles()
            if drained.count > 0 { interval.distributions[key] = drained.values }
        }
        return interval
    }
}

/// One interval's aggregated values, by metric key.
struct EMFInterval {
    var counts: [EMFKey: Double] = [:]
    var gauges: [EMFKey: Double] = [:]
    /// Quantiles of each latency distribution, in microseconds.
    var distributions: [EMFKey: [Double]] = [:]
}
