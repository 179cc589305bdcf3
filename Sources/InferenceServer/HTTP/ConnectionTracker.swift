import NIOConcurrencyHelpers
import NIOCore

/// Knows every open connection, so that shutdown can ask each one to finish and close, and can
/// wait until the last one has.
final class ConnectionTracker: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Registers `channel` until it closes; a channel opened after draining began is told at once.
    func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let quiescing = state.withLockedValue { state in
            state.channels[id] = channel
            return state.quiescing
        }
        channel.closeFuture.whenComplete { _ in self.forget(id) }
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(QuiesceEvent()) }
    }

    private func forget(_ id: ObjectIdentifier) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.channels[id] = nil
            guard state.channels.isEmpty else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Open connections.
    var count: Int { state.withLockedValue { $0.channels.count } }

    /// Asks every connection to finish its current request and close, and waits until all have.
    func drain() async {
        let channels = state.withLockedValue { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(QuiesceEvent()) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { state in
                if state.channels.isEmpty { return true }
                state.drained.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
