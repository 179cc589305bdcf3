import NIOCore

/// The part of a worker that decides when requests start: closed-loop users or open-loop arrivals.
///
/// Exists so ``LoadWorker`` (recording, budget, timeouts, lifecycle) is shared by both workload
/// models and each model is a small, separately readable file.
protocol LoadDriver: AnyObject {
    /// Begins offering load; called once, on the worker's event loop.
    func start()
    /// Stops starting requests; the driver calls ``LoadWorker/driverDidFinish()`` once nothing is
    /// in flight any more.
    func stop()
    /// Fails requests that waited too long before they could even be sent (open loop).
    func expireQueued(now: NIODeadline)
    /// Closed loop: users running. Open loop: connections open.
    var users: Int { get }
}
