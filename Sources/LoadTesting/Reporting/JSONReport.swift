import Foundation

/// The `--json` document: the run's configuration, totals, latency and time series under stable,
/// documented field names (see docs/load.md), for scripts and CI.
///
/// Exists as a separate value from ``LoadReport`` so the wire format is deliberate: renaming a
/// Swift property can never silently rename a field that someone's dashboard parses.
public struct JSONReport: Codable, Sendable {
    /// Bumped only when a field changes meaning or disappears; additions keep the version.
    public var schemaVersion = 1
    public var url: String
    public var method: String
    /// `"closed"` (users) or `"open"` (arrival rate).
    public var mode: String
    public var users: Int?
    public var spawnRate: Double?
    public var pacingSeconds: Double?
    public var rate: Double?
    public var connections: Int?
    public var durationSeconds: Double
    public var maxRequests: Int?
    public var timeoutSeconds: Double
    /// ISO 8601, UTC.
    public var startedAt: String
    public var elapsedSeconds: Double
    public var requests: Int
    public var successes: Int
    public var failures: Int
    public var failureRatio: Double
    public var requestsPerSecond: Double
    /// Failure counts keyed by `"503"`-style status, `"timeout"` or `"connection error"`.
    public var failuresByKind: [String: Int]
    public var latencyMs: LatencySummary
    /// Closed loop only: `latencyMs` with wrk 4's coordinated-omission correction, the statistic
    /// wrk prints (for comparisons with wrk; `latencyMs` is what was measured).
    public var wrkCorrectedLatencyMs: LatencySummary?
    public var timeSeries: [TimeSeriesPoint]
    /// Event-loop threads of the generator, and its CPU use (percent of one core, all threads).
    public var threads: Int
    public var generatorCPUPercent: Double
    /// Reasons to distrust the numbers, e.g. a saturated generator; empty when none.
    public var warnings: [String]
    /// Present only for `--find-capacity`.
    public var capacity: CapacityResult?

    public init(_ report: LoadReport, capacity: CapacityResult? = nil) {
        self.url = report.target.description
        self.method = report.method
        switch report.workload {
        case .closedLoop(let users, let spawnRate, let pacing):
            self.mode = "closed"
            (self.users, self.spawnRate, self.pacingSeconds) = (users, spawnRate, pacing.seconds)
        case .openLoop(let rate, let connections):
            self.mode = "open"
            (self.rate, self.connections) = (rate, connections)
        }
        self.durationSeconds = report.duration.seconds
        self.maxRequests = report.maxRequests
        self.timeoutSeconds = report.timeout.seconds
        self.startedAt = ISO8601DateFormatter().string(from: report.startedAt)
        self.elapsedSeconds = report.elapsed.seconds
        self.requests = report.requests
        self.successes = report.successes
        self.failures = report.failures
        self.failureRatio = report.failureRatio
        self.requestsPerSecond = report.requestsPerSecond
        self.failuresByKind = Dictionary(uniqueKeysWithValues: report.failuresByKind.map { ($0.key.description, $0.value) })
        self.latencyMs = report.latency
        self.wrkCorrectedLatencyMs = report.wrkCorrectedLatency
        self.timeSeries = report.timeSeries
        self.threads = report.threads
        self.generatorCPUPercent = report.generatorCPUPercent
        self.warnings = report.warnings
        self.capacity = capacity
    }

    /// Pretty-printed JSON with sorted keys, so two runs diff cleanly.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
