/// One second of a run: the row behind every chart (requests/s, failures/s, users, latency).
///
/// Exists because totals hide what load tests are for: the moment latency bends upward as users
/// are added, or failures start when a queue fills.
public struct TimeSeriesPoint: Sendable, Equatable, Codable {
    /// Seconds from the start of the run to the end of this interval.
    public var elapsedSeconds: Double
    /// Length of the interval in seconds (1 except for the last, partial one).
    public var intervalSeconds: Double
    /// Requests finished in the interval, failed or not.
    public var requests: Int
    public var failures: Int
    public var requestsPerSecond: Double
    public var failuresPerSecond: Double
    /// Closed loop: users running. Open loop: connections open (the pool grows, up to
    /// `--connections`, when responses slow down and requests start waiting).
    public var users: Int
    /// Latency of the responses finished in this interval; nil when there were none.
    public var latency: LatencySummary?

    private enum CodingKeys: String, CodingKey {
        case elapsedSeconds, intervalSeconds, requests, failures, requestsPerSecond, failuresPerSecond, users
        case latency = "latencyMs"
    }

    init(elapsedSeconds: Double, intervalSeconds: Double, statistics: IntervalStatistics) {
        self.elapsedSeconds = elapsedSeconds
        self.intervalSeconds = intervalSeconds
        self.requests = statistics.requests
        self.failures = statistics.failures
        self.requestsPerSecond = intervalSeconds > 0 ? Double(statistics.requests) / intervalSeconds : 0
        self.failuresPerSecond = intervalSeconds > 0 ? Double(statistics.failures) / intervalSeconds : 0
        self.users = statistics.users
        self.latency = statistics.histogram.totalCount > 0 ? LatencySummary(microseconds: statistics.histogram) : nil
    }
}
