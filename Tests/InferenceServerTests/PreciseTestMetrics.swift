import CoreMetrics
import MetricsTestKit
import NIOConcurrencyHelpers

/// swift-metrics' `TestMetrics`, plus exact floating-point counters.
///
/// `TestMetrics` records floating-point counters through the default adapter, which rounds
/// increments to whole numbers; CPU seconds are fractions, so this factory keeps them exact and
/// forwards everything else to the test kit.
final class PreciseTestMetrics: MetricsFactory, @unchecked Sendable {
    let kit = TestMetrics()
    private let floating = NIOLockedValueBox([String: FloatingCounter]())

    final class FloatingCounter: FloatingPointCounterHandler, @unchecked Sendable {
        private let total = NIOLockedValueBox(0.0)
        private let increments = NIOLockedValueBox(0)
        func increment(by amount: Double) {
            total.withLockedValue { $0 += amount }
            increments.withLockedValue { $0 += 1 }
        }
        func reset() { total.withLockedValue { $0 = 0 } }
        var value: Double { total.withLockedValue { $0 } }
    }

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    /// The total of a floating-point counter (0 if it was never created).
    func floatingTotal(_ label: String, _ dimensions: [(String, String)] = []) -> Double {
        floating.withLockedValue { $0[Self.key(label, dimensions)]?.value ?? -1 }
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        floating.withLockedValue { counters in
            let key = Self.key(label, dimensions)
            if let existing = counters[key] { return existing }
            let counter = FloatingCounter()
            counters[key] = counter
            return counter
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { kit.makeCounter(label: label, dimensions: dimensions) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        kit.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { kit.makeMeter(label: label, dimensions: dimensions) }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { kit.makeTimer(label: label, dimensions: dimensions) }
    func destroyCounter(_ handler: any CounterHandler) { kit.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) { kit.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { kit.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { kit.destroyTimer(handler) }
}
