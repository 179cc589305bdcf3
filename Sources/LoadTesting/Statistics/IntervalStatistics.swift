import Histogram

/// What happened during one slice of a run on one or more event loops: counts, failures by kind and
/// a latency histogram. Workers fill one per second; the runner merges them.
///
/// Exists so the hot path touches only loop-local memory (no locks, no atomics): each event loop
/// records into its own value, and only the per-second hand-over crosses threads.
struct IntervalStatistics: Sendable {
    /// Latencies are recorded in microseconds from 1 µs up to an hour; larger values are clamped.
    static let highestTrackableMicroseconds: UInt64 = 3_600_000_000

    /// Latencies (µs) of every complete response, successful or not, like wrk and locust.
    var histogram = Histogram<UInt64>(highestTrackableValue: highestTrackableMicroseconds, numberOfSignificantValueDigits: .three)
    /// Requests finished in the interval: responses of any status, timeouts and connection errors.
    var requests = 0
    /// Requests counted as failed (status ≥ 400, timeout, connection error).
    var failures = 0
    var failuresByKind: [FailureKind: Int] = [:]
    /// Closed loop: users running at the end of the interval. Open loop: connections open.
    var users = 0

    mutating func recordResponse(status: Int, latencyNanoseconds: Int64) {
        self.requests += 1
        let micros = UInt64(max(1, (latencyNanoseconds + 500) / 1000))
        _ = self.histogram.record(min(micros, Self.highestTrackableMicroseconds))
        if status >= 400 { self.countFailure(.status(status)) }
    }

    mutating func recordFailure(_ kind: FailureKind) {
        self.requests += 1
        self.countFailure(kind)
    }

    private mutating func countFailure(_ kind: FailureKind) {
        self.failures += 1
        self.failuresByKind[kind, default: 0] += 1
    }

    /// Adds another slice (from another loop, or a later second) into this one; `users` adds up.
    mutating func merge(_ other: IntervalStatistics) {
        self.histogram.add(other.histogram)
        self.requests += other.requests
        self.failures += other.failures
        self.users += other.users
        for (kind, count) in other.failuresByKind { self.failuresByKind[kind, default: 0] += count }
    }
}
