import NIOCore

/// Collects every worker's statistics once a second into a ``TimeSeriesPoint`` and the run totals.
///
/// Exists to keep the runner's loop short; it is the only code that merges across event loops.
final class IntervalSampler {
    private let workers: [WorkerHandle]
    private let start: NIODeadline
    private(set) var lastSample: NIODeadline
    private(set) var totals = IntervalStatistics()
    private(set) var points: [TimeSeriesPoint] = []

    init(workers: [WorkerHandle], start: NIODeadline) {
        self.workers = workers
        self.start = start
        self.lastSample = start
    }

    /// Takes what every worker recorded since the previous sample.
    ///
    /// The last sample of a run is usually a fraction of a second; under half a second it is folded
    /// into the previous point, so a few stragglers do not show up as a spike in requests per second.
    func sample(final: Bool = false) async throws -> TimeSeriesPoint {
        var merged = IntervalStatistics()
        for worker in self.workers { merged.merge(try await worker.takeInterval()) }
        let now = NIODeadline.now()
        var interval = Double((now - max(self.lastSample, self.start)).nanoseconds) / 1e9
        self.lastSample = now
        self.totals.merge(merged)
        if final, interval < 0.5, let previous = self.previous, !self.points.isEmpty {
            interval += self.points.removeLast().intervalSeconds
            merged.merge(previous)
            merged.users = previous.users
        }
        let point = TimeSeriesPoint(
            elapsedSeconds: Double((now - self.start).nanoseconds) / 1e9, intervalSeconds: interval, statistics: merged
        )
        if point.requests > 0 || interval >= 0.5 {
            self.points.append(point)
            self.previous = merged
        }
        return point
    }

    /// The statistics behind the last point, kept to fold a short final interval into it.
    private var previous: IntervalStatistics?
}

/// What the progress line shows once a second.
public struct LoadProgress: Sendable {
    /// The configured duration, to show how far along the run is.
    public var duration: Duration
    public var requests: Int
    public var failures: Int
    /// The second that just ended.
    public var latest: TimeSeriesPoint

    init(duration: Duration, totals: IntervalStatistics, latest: TimeSeriesPoint) {
        self.duration = duration
        self.requests = totals.requests
        self.failures = totals.failures
        self.latest = latest
    }
}
