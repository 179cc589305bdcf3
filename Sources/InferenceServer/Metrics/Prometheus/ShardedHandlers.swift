import Atomics
import CoreMetrics

/// A Prometheus counter (integer or floating) as a swift-metrics handler, summed over thread
/// shards when rendered.
final class ShardedCounter: CounterHandler, FloatingPointCounterHandler, Sendable {
    /// Cell 0: integer increments; cell 1: floating increments (Double bits).
    private let cells = ShardedCells(cellsPerSlot: 2)

    func increment(by amount: Int64) { cells.add(UInt64(bitPattern: amount), cell: 0) }
    func increment(by amount: Double) { cells.add(double: amount, cell: 1) }
    func reset() { cells.reset() }

    var value: Double { Double(Int64(bitPattern: cells.total(cell: 0))) + cells.totalDouble(cell: 1) }
}

/// A Prometheus gauge that goes up and down (requests in flight): increments and decrements are
/// sharded like a counter's; `set` replaces the base they are added to.
final class ShardedMeter: MeterHandler, Sendable {
    private let cells = ShardedCells(cellsPerSlot: 1)
    /// The value last set, as Double bits, and the shard total when it was set.
    private let base = ManagedAtomic(Double(0).bitPattern)
    private let offset = ManagedAtomic(Double(0).bitPattern)

    func set(_ value: Int64) { set(Double(value)) }
    func set(_ value: Double) {
        base.store(value.bitPattern, ordering: .relaxed)
        offset.store(cells.totalDouble(cell: 0).bitPattern, ordering: .relaxed)
    }
    func increment(by amount: Double) { cells.add(double: amount, cell: 0) }
    func decrement(by amount: Double) { cells.add(double: -amount, cell: 0) }

    var value: Double {
        Double(bitPattern: base.load(ordering: .relaxed)) + cells.totalDouble(cell: 0) - Double(bitPattern: offset.load(ordering: .relaxed))
    }
}

/// A Prometheus gauge holding the last value recorded (a non-aggregating recorder: CPU
/// utilization, resident memory). Set rarely, by the sampler.
final class AtomicGauge: RecorderHandler, Sendable {
    private let bits = ManagedAtomic(Double(0).bitPattern)

    func record(_ value: Int64) { record(Double(value)) }
    func record(_ value: Double) { bits.store(value.bitPattern, ordering: .relaxed) }

    var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }
}

/// A Prometheus histogram: one observation adds 1 to one bucket and the value to the sum, in the
/// recording thread's shard; the cumulative bucket counts are worked out when rendered.
///
/// swift-prometheus's histogram takes a lock and adds 1 to every bucket at or above the value;
/// with 6 to 10 observations a request that was most of the cost of measuring.
final class ShardedHistogram: RecorderHandler, TimerHandler, Sendable {
    /// Upper bounds, ascending; an observation above the last goes to the implicit `+Inf` bucket.
    let bounds: [Double]
    /// Cells 0...bounds.count: per-bucket counts (the last is +Inf); cell bounds.count + 1: sum.
    private let cells: ShardedCells

    init(bounds: [Double]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        self.bounds = bounds
        cells = ShardedCells(cellsPerSlot: bounds.count + 2)
    }

    func record(_ value: Int64) { record(Double(value)) }

    func record(_ value: Double) {
        let slot = ThreadSlot.current  // looked up once for both cells
        cells.add(1, cell: bucket(of: value), slot: slot)
        cells.add(double: value, cell: bounds.count + 1, slot: slot)
    }

    /// Timers record nanoseconds; the histogram is in seconds.
    func recordNanoseconds(_ duration: Int64) { record(Double(duration) / 1e9) }

    /// The first bucket whose bound is at least `value` (binary search).
    @inline(__always)
    private func bucket(of value: Double) -> Int {
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) >> 1
            if bounds[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Cumulative counts per bound, then the total count, and the sum.
    var snapshot: (cumulative: [UInt64], count: UInt64, sum: Double) {
        var running: UInt64 = 0
        var cumulative: [UInt64] = []
        cumulative.reserveCapacity(bounds.count)
        for index in 0..<bounds.count {
            running &+= cells.total(cell: index)
            cumulative.append(running)
        }
        running &+= cells.total(cell: bounds.count)
        return (cumulative, running, cells.totalDouble(cell: bounds.count + 1))
    }
}
