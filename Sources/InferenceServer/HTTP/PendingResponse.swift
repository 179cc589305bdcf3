import Atomics
import NIOCore

/// An answer that a worker thread will produce later: the connection waits on it, the worker
/// completes it, and either side may learn that the other has gone.
///
/// - The worker calls `start()` before running the model: false means the connection gave up
///   (its deadline passed, or the client left), so the work is skipped.
/// - The worker hands the answer to the request's event loop (`WorkerContext.deliver`), where
///   `complete(_:)` passes it to the connection's callback.
/// - The connection registers its callback with `onCompletion(_:)` on the event loop before
///   that loop runs any delivery, and calls `abandon()` when it stops waiting.
///
/// Both are public so that a transport other than Swerve's HTTP layer (or a benchmark driving a
/// `Router` directly) can wait for a `.later` reply.
public final class PendingResponse: @unchecked Sendable {
    /// The event loop the request arrived on, where the answer must be completed.
    public let eventLoop: any EventLoop
    /// Start/abandon, shared by the worker and the connection: atomic.
    private let state = ManagedAtomic<UInt8>(PendingResponse.waiting)
    private static let waiting: UInt8 = 0, started: UInt8 = 1, abandoned: UInt8 = 2
    /// Guarded by `eventLoop`: only read and written on its thread.
    private var callback: ((Response) -> Void)?
    /// The request's span while tracing is on, set by the router; guarded by `eventLoop`. The
    /// answer carries it to the connection; an abandoned request ends it.
    var trace: RequestTrace?

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Called by the worker: true if the work should run (nobody gave up on it yet).
    public func start() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.started, ordering: .acquiringAndReleasing).exchanged
    }

    /// Called on the event loop with the answer; dropped when the connection has stopped waiting.
    public func complete(_ response: Response) {
        eventLoop.assertInEventLoop()
        guard let callback else { return }
        self.callback = nil
        guard let trace else { return callback(response) }
        var traced = response
        traced.trace = trace
        self.trace = nil
        callback(traced)
    }

    /// Called by the connection, on the event loop, when it starts waiting.
    public func onCompletion(_ callback: @escaping (Response) -> Void) {
        eventLoop.assertInEventLoop()
        self.callback = callback
    }

    /// Takes the span away (for the 504 the connection answers in place of the model's answer).
    func takeTrace() -> RequestTrace? {
        eventLoop.assertInEventLoop()
        defer { trace = nil }
        return trace
    }

    /// Called by the connection, on the event loop, when it stops waiting: a worker that has not
    /// started skips the work, and a late answer is dropped.
    public func abandon() {
        eventLoop.assertInEventLoop()
        callback = nil
        trace?.abandon(at: CPUClock.monotonicNanoseconds())
        trace = nil
        _ = state.compareExchange(expected: Self.waiting, desired: Self.abandoned, ordering: .acquiringAndReleasing)
    }
}
