import Atomics

/// Shared between the connection waiting for an answer and the worker producing it, so that a
/// request the connection gave up on (deadline passed) is not started by a worker.
public final class InvocationTicket: Sendable {
    private let state = ManagedAtomic<UInt8>(0)
    private static let waiting: UInt8 = 0, started: UInt8 = 1, abandoned: UInt8 = 2

    public init() {}

    /// Called by the worker: true if the work should run (nobody gave up on it yet).
    public func start() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.started, ordering: .acquiringAndReleasing).exchanged
    }

    /// Called by the connection when it stops waiting; a worker that has not started skips it.
    public func abandon() {
        _ = state.compareExchange(expected: Self.waiting, desired: Self.abandoned, ordering: .acquiringAndReleasing)
    }
}
