import ModelRuntimes
import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection: assembles requests from NIO's decoded parts, hands them to the
/// router, and writes the responses back in request order.
///
/// It sits right after NIO's `HTTPRequestDecoder` and does the work that would otherwise take
/// three more handlers, and writes each complete response as one buffer (`ResponseSerializer`): body aggregation with the payload limit (413),
/// `Expect: 100-continue`, pipelining (requests that arrive while one is being answered wait,
/// and socket reads pause while they wait), keep-alive for HTTP/1.1 and 1.0, the idle
/// timeout that closes stalled connections, the per-request deadline (504), protocol errors
/// (400/431/414), and draining on shutdown.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        /// Waiting for a request head.
        case idle
        /// Head received, reading the body.
        case receiving
        /// Request complete; its response is being produced.
        case responding
        /// Answered an error mid-request; the connection closes once the answer is written.
        case closing
    }

    let router: Router
    let limits: ConnectionLimits
    private(set) var state = State.idle

    var head: HTTPRequestHead?
    var headers = RequestHeaders(HTTPHeaders())
    var version = HTTPVersion.http1_1
    var body: ByteBuffer?
    var receivedAt = NIODeadline.uptimeNanoseconds(0)
    var inflight: InvocationTicket?
    var route = ServerMetrics.Route.other
    var keepAlive = true
    /// The request being answered is a HEAD: its answer carries no body.
    var answeringHEAD = false
    var quiescing = false
    var pendingParts = CircularBuffer<HTTPServerRequestPart>()
    var readDeferred = false
    var lastProgress = NIODeadline.uptimeNanoseconds(0)
    var timer: Scheduled<Void>?
    var timerDeadline = NIODeadline.distantFuture
    var context: ChannelHandlerContext?

    init(router: Router, limits: ConnectionLimits) {
        self.router = router
        self.limits = limits
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { connectionStarted(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionStarted(context: context)
        context.fireChannelActive()
    }

    private func connectionStarted(context: ChannelHandlerContext) {
        lastProgress = context.eventLoop.now
        armTimer(at: lastProgress + limits.idleTimeout, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        inflight?.abandon()
        inflight = nil
        pendingParts.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if state == .responding || !pendingParts.isEmpty {
            pendingParts.append(part)
            return
        }
        process(part, context: context)
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            guard state == .idle else { return }
            requestStarted(head, context: context)
        case .body(let chunk):
            guard state == .receiving else { return }
            appendBody(chunk, context: context)
        case .end:
            guard state == .receiving, let head else { return }
            state = .responding
            let request = Request(head: head, headers: headers, body: body ?? ByteBuffer(), receivedAt: receivedAt)
            self.head = nil
            self.body = nil
            dispatch(request, context: context)
        }
    }

    private func requestStarted(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        receivedAt = context.eventLoop.now
        route = .other
        keepAlive = head.isKeepAlive
        answeringHEAD = head.method == .HEAD
        version = head.version
        self.head = head
        headers = RequestHeaders(head.headers)
        body = nil
        state = .receiving
        if head.uri.utf8.count > limits.maxURILength {
            return fail(ServingError(status: 414, code: "uri_too_long", message: "the request target is longer than \(limits.maxURILength) bytes"), context: context)
        }
        if let declaredLength = headers.contentLength, declaredLength > limits.maxPayloadBytes {
            return fail(.payloadTooLarge(limit: limits.maxPayloadBytes), context: context)
        }
        if let expect = headers.expect {
            guard expect.lowercased() == "100-continue" else {
                return fail(ServingError(status: 417, code: "expectation_failed", message: "unsupported Expect: \(expect)"), context: context)
            }
            context.writeAndFlush(wrapOutboundOut(ResponseSerializer.continueHead(version: head.version, allocator: context.channel.allocator)), promise: nil)
        }
    }

    private func appendBody(_ chunk: ByteBuffer, context: ChannelHandlerContext) {
        let total = (body?.readableBytes ?? 0) + chunk.readableBytes
        guard total <= limits.maxPayloadBytes else {
            return fail(.payloadTooLarge(limit: limits.maxPayloadBytes), context: context)
        }
        if body == nil {
            body = chunk
        } else {
            if body!.writableBytes < chunk.readableBytes {
                let declared = headers.contentLength ?? 0
                var grown = context.channel.allocator.buffer(capacity: max(declared, total * 2))
                grown.writeImmutableBuffer(body!)
                body = grown
            }
            body!.writeImmutableBuffer(chunk)
        }
    }

    // MARK: Routing and responses

    private func dispatch(_ request: Request, context: ChannelHandlerContext) {
        route = Router.kind(of: request.path)
        switch router.route(request, kind: route, eventLoop: context.eventLoop, connection: NIOLoopBound(self, eventLoop: context.eventLoop)) {
        case .respond(let response):
            write(response, context: context)
        case .pending(let ticket):
            inflight = ticket
            armTimer(at: receivedAt + limits.requestTimeout, context: context)
        }
    }

    /// Delivers an asynchronous endpoint's answer; answers for requests already given up on are dropped.
    func complete(_ response: Response, ticket: InvocationTicket) {
        guard let context, state == .responding, inflight === ticket else { return }
        inflight = nil
        write(response, context: context)
    }

    /// Answers with an error and closes the connection after it (the stream's framing is lost).
    func fail(_ error: ServingError, context: ChannelHandlerContext) {
        keepAlive = false
        write(Response.error(error), context: context)
    }

    func write(_ response: Response, context: ChannelHandlerContext) {
        let close = !keepAlive || quiescing
        router.responded(route, status: response.status, elapsed: context.eventLoop.now - receivedAt, modelNanoseconds: response.modelNanoseconds)
        let bytes = ResponseSerializer.serialize(response, version: version, close: close, toHEAD: answeringHEAD, allocator: context.channel.allocator)
        answeringHEAD = false
        let written = close ? context.eventLoop.makePromise(of: Void.self) : nil
        if let body = bytes.body {
            context.write(wrapOutboundOut(bytes.head), promise: nil)
            context.writeAndFlush(wrapOutboundOut(body), promise: written)
        } else {
            context.writeAndFlush(wrapOutboundOut(bytes.head), promise: written)
        }
        lastProgress = context.eventLoop.now
        if let written {
            state = .closing
            pendingParts.removeAll()
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        state = .idle
        head = nil
        while state != .responding, state != .closing, let part = pendingParts.popFirst() {
            process(part, context: context)
        }
        if readDeferred, pendingParts.isEmpty, state != .closing {
            readDeferred = false
            context.read()
        }
    }

    // MARK: Outbound

    /// Reads pause only while pipelined parts wait behind the request being answered (or the
    /// connection is closing), so buffering is bounded by one socket read. Pausing for every
    /// in-flight request would cost two `epoll_ctl` calls per request for ordinary clients.
    func read(context: ChannelHandlerContext) {
        if state == .closing || !pendingParts.isEmpty {
            readDeferred = true
        } else {
            context.read()
        }
    }
}

/// The per-connection limits, from the server configuration.
struct ConnectionLimits: Sendable {
    var maxPayloadBytes: Int
    var maxURILength: Int
    var maxHeaderBytes: Int
    var idleTimeout: TimeAmount
    var requestTimeout: TimeAmount

    init(_ configuration: ServerConfiguration) {
        maxPayloadBytes = configuration.maxPayloadBytes
        maxURILength = configuration.maxURILength
        maxHeaderBytes = configuration.maxHeaderBytes
        idleTimeout = configuration.idleTimeout
        requestTimeout = configuration.requestTimeout
    }
}

/// Sent to every connection when the server starts draining: finish what is in flight, then close.
struct QuiesceEvent: Sendable {}
