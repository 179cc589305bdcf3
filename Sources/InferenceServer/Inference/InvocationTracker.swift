/// Told how each invocation of one model ended: in multi-model mode, the model's in-flight count
/// (which unloading waits on), its last use (for eviction) and its per-model metrics.
///
/// `InvocationService` calls `finished` exactly once for every request it was handed a tracker
/// with, on whichever thread ended it (an event loop or a worker), whatever the outcome: an
/// answer, an error, a 503 rejection, or a request whose connection gave up before it ran.
public protocol InvocationTracker: Sendable {
    /// - Parameters:
    ///   - status: the status the model's answer has; 504 when the connection gave up (timed out
    ///     or closed) before a worker ran it.
    ///   - modelNanoseconds: time in the model's steps (0 when it did not run).
    func finished(status: UInt, modelNanoseconds: UInt64)
}
