import ModelRuntimes
import NIOCore

/// What `GET /ping` answers: 200 only while the model is loaded and the worker pool can make
/// progress, so that a load balancer takes a stuck instance out of rotation and puts it back
/// once it recovers.
///
/// - Every worker busy with one request for longer than the model timeout (a hung model) is a
///   503 until a worker frees up.
/// - With the deep check on, the last result of the background probe (`HealthProbe`), which runs
///   the model's sample input through the whole pipeline every few seconds, is reported too.
///
/// A ping never waits behind inference and never runs a prediction itself: it reads a few
/// atomics and answers on the event loop.
public final class HealthCheck: Sendable {
    private let pool: WorkerPool
    private let stuckAfter: TimeAmount
    private let probe: HealthProbe?

    /// - Parameters:
    ///   - pool: the worker pool whose workers are watched.
    ///   - stuckAfter: how long a worker may hold one request before it counts as stuck (the
    ///     model timeout).
    ///   - probe: the deep check, when enabled.
    public init(pool: WorkerPool, stuckAfter: TimeAmount, probe: HealthProbe? = nil) {
        self.pool = pool
        self.stuckAfter = stuckAfter
        self.probe = probe
    }

    /// The answer to `/ping` now.
    public func pingResponse() -> Response {
        if let problem = currentProblem() {
            return Response(error: .unhealthy(problem), extraHeaders: [("retry-after", "1")]).labelled(.ping)
        }
        return Response(status: .ok).labelled(.ping)
    }

    /// Why the instance is unhealthy, or nil when it is healthy.
    public func currentProblem() -> String? {
        let stuck = pool.workersBusy(longerThan: UInt64(stuckAfter.nanoseconds))
        if stuck == pool.workerCount {
            let seconds = Double(stuckAfter.nanoseconds) / 1e9
            return "all \(pool.workerCount) workers have been running one request for more than \(seconds) s (a hung model?)"
        }
        return probe?.problem(stuckAfter: stuckAfter)
    }
}
