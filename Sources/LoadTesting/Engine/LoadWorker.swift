import NIOCore

/// Everything one event loop needs to generate load: its share of the request budget, the request
/// cycle, its statistics, its connections and the timeout sweep. Confined to its event loop.
///
/// Exists so the hot path is single-threaded and lock-free: a response is recorded into this
/// loop's own ``IntervalStatistics``, and the runner collects them once a second.
final class LoadWorker {
    /// Everything a worker is told at creation; a plain value so it can be sent to its loop.
    struct Plan: Sendable {
        var requests: [PreparedRequest]
        /// Index of the first request this worker sends (workers start at different bodies).
        var firstRequest: Int
        /// Requests this worker may start.
        var budget: Int
        var start: NIODeadline
        var end: NIODeadline
        var timeout: TimeAmount
    }

    let eventLoop: EventLoop
    let plan: Plan
    private let factory: ConnectionFactory
    private var requestIndex: Int
    private var budget: Int
    private var statistics = IntervalStatistics()
    private var connections: [ObjectIdentifier: LoadConnection] = [:]
    private var driver: LoadDriver?
    private let finishedPromise: EventLoopPromise<Void>
    private(set) var isStopping = false
    private var isFinished = false

    /// Succeeds once the driver has stopped and every request it started is accounted for.
    var finished: EventLoopFuture<Void> { self.finishedPromise.futureResult }

    init(eventLoop: EventLoop, address: SocketAddress, plan: Plan) {
        self.eventLoop = eventLoop
        self.plan = plan
        self.factory = ConnectionFactory(eventLoop: eventLoop, address: address, connectTimeout: plan.timeout)
        self.requestIndex = plan.firstRequest % max(1, plan.requests.count)
        self.budget = plan.budget
        self.finishedPromise = eventLoop.makePromise()
    }

    /// Starts `driver`, the stop at the end of the run and the timeout sweep.
    func start(driver: LoadDriver) {
        self.driver = driver
        let isolated = self.eventLoop.assumeIsolated()
        isolated.scheduleTask(deadline: self.plan.end) { self.stop() }
        self.scheduleSweep()
        driver.start()
    }

    /// Stops starting requests (end of the run, or the user pressed Ctrl-C).
    func stop() {
        guard !self.isStopping else { return }
        self.isStopping = true
        self.driver?.stop()
    }

    /// Claims one request from the budget if the run still allows one due at `due`; false means stop.
    func claim(due: NIODeadline) -> Bool {
        guard !self.isStopping, due < self.plan.end, self.budget > 0 else { return false }
        self.budget -= 1
        return true
    }

    /// The next request of the cycle (bodies of `--body-file` in order), for a claimed request.
    func nextRequest() -> PreparedRequest {
        let request = self.plan.requests[self.requestIndex]
        self.requestIndex += 1
        if self.requestIndex == self.plan.requests.count { self.requestIndex = 0 }
        return request
    }

    /// Whether `claim` can still succeed (used to stop early once the budget is spent).
    var canStartMore: Bool { !self.isStopping && self.budget > 0 }

    /// Records how a request that started counting at `origin` ended.
    func record(_ outcome: RequestOutcome, origin: NIODeadline, now: NIODeadline) {
        switch outcome {
        case .response(let status):
            self.statistics.recordResponse(status: status, latencyNanoseconds: (now - origin).nanoseconds)
        case .timeout:
            self.statistics.recordFailure(.timeout)
        case .connectionError:
            self.statistics.recordFailure(.connectionError)
        }
    }

    /// Opens a connection for `delegate` and tracks it for the timeout sweep.
    func connect(delegate: LoadConnectionDelegate, completion: @escaping (Result<LoadConnection, Error>) -> Void) {
        self.factory.connect(delegate: delegate) { result in
            if case .success(let connection) = result { self.connections[ObjectIdentifier(connection)] = connection }
            completion(result)
        }
    }

    /// Forgets a closed connection; drivers call this from `connectionDidClose`.
    func connectionDidClose(_ connection: LoadConnection) {
        self.connections[ObjectIdentifier(connection)] = nil
    }

    /// Hands over what was recorded since the last call, with the current user count.
    func takeInterval() -> IntervalStatistics {
        var taken = self.statistics
        taken.users = self.driver?.users ?? 0
        self.statistics = IntervalStatistics()
        return taken
    }

    /// Called by the driver once it is stopped and nothing is in flight.
    func driverDidFinish() {
        guard !self.isFinished else { return }
        self.isFinished = true
        self.isStopping = true
        for connection in self.connections.values { connection.close() }
        self.finishedPromise.succeed(())
        // Users hold their worker; dropping the driver on the next tick breaks that cycle once
        // nothing is running any more.
        self.eventLoop.assumeIsolated().execute { self.driver = nil }
    }

    /// Checks deadlines often enough that a timeout fires within 5 % of `--timeout` (at least every
    /// 250 ms), without a timer per request.
    private func scheduleSweep() {
        let period = TimeAmount.nanoseconds(min(max(self.plan.timeout.nanoseconds / 20, 1_000_000), 250_000_000))
        self.eventLoop.assumeIsolated().scheduleTask(in: period) {
            guard !self.isFinished else { return }
            let now = NIODeadline.now()
            for connection in Array(self.connections.values) { connection.expireIfOverdue(now: now) }
            self.driver?.expireQueued(now: now)
            self.scheduleSweep()
        }
    }
}
