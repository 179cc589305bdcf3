import Foundation

/// The outcome of one run: totals, failures by kind, latency percentiles and the per-second
/// time series.
///
/// Exists as the single result every output (progress line, text table, `--json`, HTML report,
/// capacity finder) is rendered from, so they can never disagree.
public struct LoadReport: Sendable {
    /// The URL that was loaded.
    public var target: TargetURL
    public var method: String
    public var workload: Workload
    /// Configured duration and request cap.
    public var duration: Duration
    public var maxRequests: Int?
    public var timeout: Duration
    /// Wall-clock start, for the report header.
    public var startedAt: Date
    /// From the first request to the last one finished (includes draining in-flight requests).
    public var elapsed: Duration
    /// Requests finished: responses of any status, timeouts and connection errors.
    public var requests: Int
    public var failures: Int
    public var failuresByKind: [FailureKind: Int]
    /// Latency of every complete response, as measured.
    public var latency: LatencySummary
    /// Closed loop only: ``latency`` with wrk 4's coordinated-omission correction applied (see
    /// ``CoordinatedOmission``), the statistic wrk prints as its latency, for comparing the two
    /// tools; nil in open loop, which measures from due times and needs no correction.
    public var wrkCorrectedLatency: LatencySummary?
    public var timeSeries: [TimeSeriesPoint]
    /// Event-loop threads that generated the load.
    public var threads: Int
    /// The generator's own CPU over ``elapsed``, percent of one core summed over its threads.
    public var generatorCPUPercent: Double

    /// Things that make the numbers less trustworthy (e.g. a saturated generator).
    public var warnings: [String] {
        [GeneratorCPU.warning(percent: self.generatorCPUPercent, threads: self.threads)].compactMap { $0 }
    }

    /// Requests that succeeded (status below 400).
    public var successes: Int { self.requests - self.failures }
    /// Finished requests per second over ``elapsed``.
    public var requestsPerSecond: Double {
        self.elapsed > .zero ? Double(self.requests) / self.elapsed.seconds : 0
    }
    /// Failed fraction of finished requests, 0 when nothing finished.
    public var failureRatio: Double { self.requests > 0 ? Double(self.failures) / Double(self.requests) : 0 }
    /// Failure kinds with their counts, most frequent first.
    public var sortedFailures: [(kind: FailureKind, count: Int)] {
        self.failuresByKind.map { (kind: $0.key, count: $0.value) }.sorted { ($0.count, $1.kind) > ($1.count, $0.kind) }
    }
}
