/// Runs independent pieces of one request's work at the same time.
///
/// A 10,000-row batch need not wait on one core: a handler cuts it into chunks and asks the
/// executor to run them. The server's implementation lends idle pool workers; the calling thread
/// always takes part, so a busy pool degrades to serial execution instead of queueing.
public protocol ParallelExecutor: Sendable {
    /// How many chunks it is worth cutting work into (1 when nothing runs in parallel).
    var parallelism: Int { get }

    /// Calls `body(i)` for every `i` in `0..<count`, possibly on several threads, and returns
    /// when all calls have returned. Calls must not depend on each other's order.
    ///
    /// Returns the CPU time, in nanoseconds, that threads other than the caller spent on the
    /// chunks, so that a stage's CPU accounting can include it.
    @discardableResult
    func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) -> UInt64
}

/// Runs every chunk on the calling thread, in order: offline prediction and tests.
public struct SerialExecutor: ParallelExecutor {
    public init() {}
    public var parallelism: Int { 1 }
    @discardableResult
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) -> UInt64 {
        for index in 0..<count { body(index) }
        return 0
    }
}
