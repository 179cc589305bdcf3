/// Everything one load-test run needs, validated against hard limits before anything starts.
///
/// Exists as a plain value so the command line, the capacity finder and tests all build runs
/// the same way; the limits make a typo (`--duration 10h`, `--users 1e6`) fail fast instead of
/// running forever or exhausting file descriptors.
public struct LoadTestConfiguration: Sendable {
    /// The requests to send.
    public var request: RequestTemplate
    /// Closed-loop users or an open-loop arrival rate.
    public var workload: Workload
    /// How long new requests are started; in-flight ones may then take up to ``timeout`` to finish.
    public var duration: Duration
    /// Stop after this many requests even if ``duration`` has not elapsed.
    public var maxRequests: Int?
    /// A request still unanswered this long after it was sent (open loop: after it was due) fails
    /// as a `timeout` and its connection is closed.
    public var timeout: Duration
    /// Event-loop threads generating load; one core pushes tens of thousands of requests a second.
    public var threads: Int

    public init(
        request: RequestTemplate, workload: Workload, duration: Duration = .seconds(10),
        maxRequests: Int? = nil, timeout: Duration = .seconds(10), threads: Int = 1
    ) {
        self.request = request
        self.workload = workload
        self.duration = duration
        self.maxRequests = maxRequests
        self.timeout = timeout
        self.threads = threads
    }

    /// The hard caps; generous for real use, small enough that a mistake is bounded.
    public enum Limits {
        public static let duration: Duration = .seconds(3600)
        public static let requests = 100_000_000
        public static let users = 10_000
        public static let connections = 10_000
        public static let rate = 1_000_000.0
        public static let timeout: Duration = .seconds(300)
        public static let threads = 64
    }

    /// The request budget actually enforced: ``maxRequests`` or the hard cap.
    var requestBudget: Int { min(self.maxRequests ?? Limits.requests, Limits.requests) }

    /// Throws the first option that is out of range.
    public func validate() throws(LoadTestError) {
        try self.request.validate()
        try Self.check(
            self.duration > .zero && self.duration <= Limits.duration, "--duration", "must be in (0, 1h], got \(DurationText.format(self.duration))")
        try Self.check(
            self.timeout >= .milliseconds(1) && self.timeout <= Limits.timeout, "--timeout",
            "must be in [1ms, 300s], got \(DurationText.format(self.timeout))")
        try Self.check((1...Limits.threads).contains(self.threads), "--threads", "must be 1...\(Limits.threads), got \(self.threads)")
        if let maxRequests {
            try Self.check((1...Limits.requests).contains(maxRequests), "--max-requests", "must be 1...\(Limits.requests), got \(maxRequests)")
        }
        switch self.workload {
        case .closedLoop(let users, let spawnRate, let pacing):
            try Self.check((1...Limits.users).contains(users), "--users", "must be 1...\(Limits.users), got \(users)")
            try Self.check(spawnRate.map { $0 > 0 && $0.isFinite } ?? true, "--spawn-rate", "must be positive")
            try Self.check(pacing >= .zero && pacing <= Limits.duration, "--pacing", "must be in [0, 1h]")
        case .openLoop(let rate, let connections):
            try Self.check(rate > 0 && rate <= Limits.rate, "--rate", "must be in (0, \(Int(Limits.rate))], got \(rate)")
            try Self.check((1...Limits.connections).contains(connections), "--connections", "must be 1...\(Limits.connections), got \(connections)")
        }
    }

    private static func check(_ condition: Bool, _ option: String, _ message: @autoclosure () -> String) throws(LoadTestError) {
        if !condition { throw LoadTestError(option: option, message()) }
    }
}
