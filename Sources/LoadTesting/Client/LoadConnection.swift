import NIOCore

/// How a request ended, as seen by the connection that carried it.
enum RequestOutcome {
    case response(status: Int)
    case timeout
    case connectionError
}

/// The events a connection reports to whoever drives it: a closed-loop user or the open-loop pool.
protocol LoadConnectionDelegate: AnyObject {
    /// The request sent at `origin` ended; `connection.isUsable` says whether another may follow.
    func connection(_ connection: LoadConnection, didFinish outcome: RequestOutcome, origin: NIODeadline, now: NIODeadline)
    /// The connection is closed; any request it carried was reported before this.
    func connectionDidClose(_ connection: LoadConnection)
}

/// One keep-alive HTTP/1.1 connection carrying at most one request at a time (no pipelining, like
/// wrk and locust). The only handler of its channel's pipeline.
///
/// It writes a prepared request (bytes from `HTTPRequestEncoder`, see ``RequestEncoding``) with a
/// single flush, finds the end of the response in the bytes read with ``ResponseFramer`` (the body
/// is skipped, never copied), and reports the outcome; it never retries, so every request sent is
/// reported exactly once.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    weak var delegate: LoadConnectionDelegate?
    private var framer = ResponseFramer()
    private var context: ChannelHandlerContext?
    private var closing = false
    /// When the request in flight started counting (send, or due time in open loop), and when it times out.
    private(set) var origin: NIODeadline?
    private(set) var deadline: NIODeadline = .distantFuture

    /// Whether a new request may be sent now.
    var isUsable: Bool { self.context != nil && !self.closing && self.origin == nil }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Sends `request`; latency will be measured from `origin`, and it fails at `deadline`.
    func send(_ request: PreparedRequest, origin: NIODeadline, deadline: NIODeadline) {
        precondition(self.isUsable, "send on a connection that is busy or closed")
        self.origin = origin
        self.deadline = deadline
        self.framer.expectResponse(toHead: request.isHead)
        self.context?.writeAndFlush(NIOAny(request.bytes), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        guard !self.closing else { return }
        do {
            guard self.origin != nil, let response = try self.framer.parse(&bytes) else {
                // Bytes nobody asked for break the protocol; otherwise the response goes on.
                if self.origin == nil { self.close() }
                return
            }
            // A response must end where the read does: more bytes would answer nothing we sent.
            if !response.keepAlive || bytes.readableBytes > 0 { self.close() }
            self.finish(.response(status: response.status), now: .now())
        } catch {
            self.close()
        }
    }

    /// Fails the request in flight as a timeout if its deadline has passed, closing the connection.
    func expireIfOverdue(now: NIODeadline) {
        guard self.origin != nil, now >= self.deadline else { return }
        self.close()
        self.finish(.timeout, now: now)
    }

    /// Closes the connection; the delegate hears `connectionDidClose` once it is closed.
    ///
    /// The close itself runs on the next event-loop tick, so a delegate that closes a connection
    /// from one of its callbacks is never re-entered by `connectionDidClose`, and a request being
    /// reported right now is reported as what it was (a response, a timeout), not as a broken
    /// connection.
    func close() {
        guard !self.closing, let context = self.context else { return }
        self.closing = true
        context.eventLoop.assumeIsolated().execute { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A body delimited by the end of the stream is complete now; anything else in flight broke.
        if self.origin != nil, let response = self.framer.finishAtEndOfStream() {
            self.finish(.response(status: response.status), now: .now())
        }
        self.closing = true
        if self.origin != nil { self.finish(.connectionError, now: .now()) }
        self.context = nil
        self.delegate?.connectionDidClose(self)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.close()
    }

    private func finish(_ outcome: RequestOutcome, now: NIODeadline) {
        guard let origin = self.origin else { return }
        self.origin = nil
        self.deadline = .distantFuture
        self.delegate?.connection(self, didFinish: outcome, origin: origin, now: now)
    }
}
