import Atomics
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bounds the open connections below the process's file-descriptor limit, closing at once any
/// connection accepted beyond it, so that connections can never exhaust the descriptors.
///
/// Out of descriptors, `accept` fails with EMFILE and the connection stays in the backlog, so the
/// listening socket stays readable. NIO's `AcceptBackoffHandler` then delays the next `read`, but
/// NIO (2.101) keeps the socket registered for readability when a read round's very first
/// `accept` failed, so the event loop wakes at once, calls `accept` again, and burns a core
/// (measured: 2,341 failing `accept4` calls a second, 2.7 s of CPU in 3 s; RELIABILITY.md,
/// section 4). Below the cap every `accept` succeeds; a connection over it is closed at once (its
/// client reads end of stream: refused, not left waiting), which costs an `accept` and a `close`
/// per attempt, never a busy loop. Connections already accepted are not touched.
final class ConnectionCap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    /// Descriptors kept for everything but connections: the listening socket, epoll and event
    /// descriptors, model files, log files, `/proc` reads for metrics.
    static let reservedDescriptors = 128

    let limit: Int
    private let open = ManagedAtomic<Int>(0)
    private let logger: Logger
    private var refused = 0
    private var lastLogged: NIODeadline?

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// The soft `RLIMIT_NOFILE` less `reservedDescriptors` (at least 16).
    static func limitFromDescriptors() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return Int.max }  // unlimited clamps to Int.max below
        return max(16, Int(clamping: limits.rlim_cur) - reservedDescriptors)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        guard open.load(ordering: .relaxed) < limit else {
            connection.close(promise: nil)
            noteRefused(now: context.eventLoop.now)
            return
        }
        open.wrappingIncrement(ordering: .relaxed)
        connection.closeFuture.whenComplete { [open] _ in open.wrappingDecrement(ordering: .relaxed) }
        context.fireChannelRead(data)
    }

    /// Logs the first refusal, then at most one line every 10 s with the count since the last.
    private func noteRefused(now: NIODeadline) {
        refused += 1
        if let lastLogged, now - lastLogged < .seconds(10) { return }
        logger.warning(
            "connection refused: too many open connections",
            metadata: [
                "limit": "\(limit)", "refused": "\(refused)", "cause": "the file-descriptor limit (ulimit -n) less \(Self.reservedDescriptors)",
            ])
        lastLogged = now
        refused = 0
    }
}
