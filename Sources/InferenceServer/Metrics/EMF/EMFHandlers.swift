import Atomics
import CoreMetrics
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The instruments behind `EMFMetricsFactory`: they aggregate in memory between two EMF
/// documents, and hand the interval's values over when the reporter drains them.
final class EMFCounter: CounterHandler, FloatingPointCounterHandler, Sendable {
    let key: EMFKey
    private let integer = ManagedAtomic<Int64>(0)
    private let floatingBits = ManagedAtomic<UInt64>(Double(0).bitPattern)

    init(key: EMFKey) { self.key = key }

    func increment(by amount: Int64) { integer.wrappingIncrement(by: amount, ordering: .relaxed) }

    func increment(by amount: Double) {
        while true {
            let bits = floatingBits.load(ordering: .relaxed)
            let next = (Double(bitPattern: bits) + amount).bitPattern
            if floatingBits.compareExchange(expected: bits, desired: next, ordering: .relaxed).exchanged { return }
        }
    }

    func reset() {
        integer.store(0, ordering: .relaxed)
        floatingBits.store(Double(0).bitPattern, ordering: .relaxed)
    }

    /// The amount counted since the last drain.
    func drain() -> Double {
        Double(integer.exchange(0, ordering: .relaxed)) + Double(bitPattern: floatingBits.exchange(Double(0).bitPattern, ordering: .relaxed))
    }
}

/// A gauge: the last value set.
final class EMFGauge: RecorderHandler, MeterHandler, Sendable {
    let key: EMFKey
    private let bits = ManagedAtomic<UInt64>(Double.nan.bitPattern)

    init(key: EMFKey) { self.key = key }

    func record(_ value: Int64) { record(Double(value)) }
    func record(_ value: Double) { bits.store(value.bitPattern, ordering: .relaxed) }
    func set(_ value: Int64) { record(Double(value)) }
    func set(_ value: Double) { record(value) }

    func increment(by amount: Double) { adjust(amount) }
    func decrement(by amount: Double) { adjust(-amount) }

    private func adjust(_ amount: Double) {
        while true {
            let old = bits.load(ordering: .relaxed)
            let base = Double(bitPattern: old)
            let next = ((base.isNaN ? 0 : base) + amount).bitPattern
            if bits.compareExchange(expected: old, desired: next, ordering: .relaxed).exchanged { return }
        }
    }

    /// The current value, or nil if nothing was ever recorded.
    var value: Double? {
        let value = Double(bitPattern: bits.load(ordering: .relaxed))
        return value.isNaN ? nil : value
    }
}

/// A latency distribution for one interval, in log-spaced buckets about 2% wide; fed in
/// nanoseconds (a swift-metrics timer) or in seconds (an aggregating recorder).
final class EMFTimer: TimerHandler, RecorderHandler, Sendable {
    let key: EMFKey
    private static let bucketsPerOctave = 32.0
    private static let bucketCount = 40 * 32
    private let state = NIOLockedValueBox<(counts: [UInt32], total: Int)>(([UInt32](repeating: 0, count: 40 * 32), 0))

    init(key: EMFKey) { self.key = key }

    func recordNanoseconds(_ duration: Int64) {
        let index = Self.bucket(of: max(1, duration))
        state.withLockedValue { state in
            state.counts[index] &+= 1
            state.total += 1
        }
    }

    func record(_ value: Int64) { record(Double(value)) }

    func record(_ seconds: Double) {
        guard seconds.isFinite else { return }
        recordNanoseconds(Int64(max(0, min(seconds, 1e9)) * 1e9))
    }

    static func bucket(of nanoseconds: Int64) -> Int {
        min(bucketCount - 1, max(0, Int(log2(Double(nanoseconds)) * bucketsPerOctave)))
    }

    /// The representative value of bucket `index`, in nanoseconds (its geometric middle).
    static func value(of index: Int) -> Double {
        exp2((Double(index) + 0.5) / bucketsPerOctave)
    }

    /// Up to `limit` evenly spaced quantiles of the interval's samples, in microseconds, and the
    /// sample count; empties the interval.
    func drainQuantiles(limit: Int = 100) -> (values: [Double], count: Int) {
        let (counts, total) = state.withLockedValue { state -> ([UInt32], Int) in
            defer { state = ([UInt32](repeating: 0, count: Self.bucketCount), 0) }
            return state
        }
        guard total > 0 else { return ([], 0) }
        let wanted = min(limit, total)
        var values: [Double] = []
        values.reserveCapacity(wanted)
        var cumulative = 0
        var index = 0
        for quantileIndex in 0..<wanted {
            let rank = Int((Double(quantileIndex) + 0.5) / Double(wanted) * Double(total))
            while index < counts.count - 1 && cumulative + Int(counts[index]) <= rank {
                cumulative += Int(counts[index])
                index += 1
            }
            values.append((Self.value(of: index) / 1000 * 1000).rounded() / 1000)
        }
        return (values, total)
    }
}

/// A metric's identity: label and dimensions.
struct EMFKey: Hashable, Sendable {
    var label: String
    var dimensions: [String]

    init(label: String, dimensions: [(String, String)]) {
        self.label = label
        self.dimensions = dimensions.flatMap { [$0.0, $0.1] }
    }

    func dimension(_ name: String) -> String? {
        stride(from: 0, to: dimensions.count, by: 2).first { dimensions[$0] == name }.map { dimensions[$0 + 1] }
    }
}
