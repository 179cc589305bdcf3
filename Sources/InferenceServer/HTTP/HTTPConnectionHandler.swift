import Logging
import ModelRuntimes
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One HTTP/1.1 connection: feeds NIO's decoded request parts to its state machine, asks the
/// responder for each answer, and writes the answers back in request order.
///
/// It sits right after NIO's `HTTPRequestDecoder` and does what would otherwise take several
/// handlers: body aggregation with the payload limit (413), `Expect: 100-continue`, pipelining
/// (requests that arrive while one is being answered wait, and socket reads pause while they
/// wait), backpressure (while the client does not read its answers and the channel is not
/// writable, no further request is answered and nothing more is read), keep-alive for HTTP/1.1 and 1.0, the idle timeout that closes stalled connections,
/// the per-request deadline (504), protocol errors (400/431/414), and draining on shutdown.
/// Each complete response is written as one buffer (`ResponseSerializer`).
///
/// Every response carries the request's id (`X-Request-Id`: the caller's when safe, else one
/// made from the connection's number and the request's), and every error caught on the
/// connection is logged once with that id, the route and the status it was answered with.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: any HTTPResponder
    private var machine: ConnectionStateMachine
    /// True while a request's answer is being produced (the fuzz harness waits for it).
    var isResponding: Bool { machine.isResponding }
    /// Parts of pipelined requests that arrived while an earlier one was being answered.
    private var waitingParts = CircularBuffer<HTTPServerRequestPart>()
    /// A `read` the channel asked for while parts were waiting; issued once they are consumed.
    private var readDeferred = false
    private var timer: Scheduled<Void>?
    private var timerDeadline = NIODeadline.distantFuture
    private var context: ChannelHandlerContext?
    private let logger: Logger
    /// This connection's number, and the number of the last request on it: the parts of the ids
    /// the server makes.
    private let connectionNumber = RequestID.nextConnection()
    private var requestNumber: UInt64 = 0
    /// The request being received or answered, from its head until its response is written.
    private var current: RequestSummary?
    /// The server's kept large body, for this connection's large bodies to reuse.
    private let bodySpare: BodyBufferSpare?

    init(responder: any HTTPResponder, limits: ConnectionLimits, logger: Logger = Logger(label: "swerve"), bodySpare: BodyBufferSpare? = nil) {
        self.responder = responder
        self.machine = ConnectionStateMachine(limits: limits, openedAt: .now())
        self.logger = logger
        self.bodySpare = bodySpare
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
        machine = ConnectionStateMachine(limits: machine.limits, openedAt: context.eventLoop.now)
        armTimer(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        machine.closed()?.abandon()
        current = nil
        waitingParts.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !waitingParts.isEmpty || mustWait(context) {
            waitingParts.append(part)
            return
        }
        process(part, context: context)
    }

    /// True when the next request part must wait: while an answer is being produced (pipelining),
    /// and, between requests, while the client is not reading its answers (the channel is over its
    /// write-buffer high water mark). A request whose head has arrived is read to its end.
    private func mustWait(_ context: ChannelHandlerContext) -> Bool {
        machine.isResponding || (machine.isIdle && !context.channel.isWritable)
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            let headers = RequestHeaders(head.headers)
            let action = machine.headReceived(head, headers: headers, at: context.eventLoop.now)
            if machine.isReceiving { current = summary(head, headers) }
            switch action {
            case .proceed:
                break
            case .sendContinue:
                let interim = ResponseSerializer.continueHead(version: head.version, allocator: context.channel.allocator)
                context.writeAndFlush(wrapOutboundOut(interim), promise: nil)
            case .fail(let error):
                fail(error, context: context)
            }
        case .body(let chunk):
            let buffers = BodyBufferSource(allocator: context.channel.allocator, spare: bodySpare)
            if let error = machine.bodyReceived(chunk, buffers: buffers) { fail(error, context: context) }
        case .end:
            if let request = machine.endReceived(id: current?.id) {
                current?.bytesIn = request.body.readableBytes
                bodySpare?.keep(request.body)
                dispatch(request, context: context)
            }
        }
    }

    /// What the response to a request with `head` echoes and the logs name.
    private func summary(_ head: HTTPRequestHead, _ headers: RequestHeaders) -> RequestSummary {
        RequestSummary(
            id: headers.requestID.flatMap(RequestID.init(caller:)) ?? nextMadeID(), method: head.method, uri: head.uri,
            traceHeaders: headers.traceHeaders)
    }

    private func nextMadeID() -> RequestID {
        requestNumber &+= 1
        return RequestID(connection: connectionNumber, sequence: requestNumber)
    }

    private func dispatch(_ request: Request, context: ChannelHandlerContext) {
        switch responder.respond(to: request, on: context.eventLoop) {
        case .now(let response):
            write(response, context: context)
        case .later(let pending):
            machine.waiting(on: pending)
            pending.onCompletion { [self] response in
                if let context = self.context { write(response, context: context) }
            }
            armTimer(context: context)
        }
    }

    /// Answers with an error and closes the connection after it (the stream's framing is lost).
    private func fail(_ error: ServingError, context: ChannelHandlerContext) {
        guard let write = machine.failed(at: context.eventLoop.now) else { return }
        send(Response(error: error), write, context: context)
    }

    private func write(_ response: Response, context: ChannelHandlerContext) {
        send(response, machine.answerReady(at: context.eventLoop.now), context: context)
    }

    private func send(_ response: Response, _ write: ConnectionStateMachine.Write, context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        var response = response
        response.request = current.take() ?? RequestSummary(id: nextMadeID(), method: nil)
        responder.responded(response, elapsed: now - write.receivedAt)
        let bytes = ResponseSerializer.serialize(
            response, version: write.version, close: write.close, toHEAD: write.isHEAD, allocator: context.channel.allocator)
        let written = write.close ? context.eventLoop.makePromise(of: Void.self) : nil
        if let body = bytes.body {
            context.write(wrapOutboundOut(bytes.head), promise: nil)
            context.writeAndFlush(wrapOutboundOut(body), promise: written)
        } else {
            context.writeAndFlush(wrapOutboundOut(bytes.head), promise: written)
        }
        if let written {
            waitingParts.removeAll()
            cancelTimer()
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        resume(context: context)
        armTimer(context: context)
    }

    /// Takes the next request: from the parts that waited, else from the socket.
    private func resume(context: ChannelHandlerContext) {
        while !machine.isClosing, !mustWait(context), let part = waitingParts.popFirst() {
            process(part, context: context)
        }
        if readDeferred, waitingParts.isEmpty, !machine.isClosing, context.channel.isWritable {
            readDeferred = false
            context.read()
        }
    }

    // MARK: Outbound

    /// Reads pause only while pipelined parts wait behind the request being answered, while the
    /// client does not read its answers (the channel is not writable), or while the connection is
    /// closing, so buffering is bounded by one socket read. Pausing for every in-flight request
    /// would cost two `epoll_ctl` calls per request for ordinary clients.
    func read(context: ChannelHandlerContext) {
        if machine.isClosing || !waitingParts.isEmpty || !context.channel.isWritable {
            readDeferred = true
        } else {
            context.read()
        }
    }

    /// The client read enough of its answers: the requests that waited are answered, then reading
    /// goes on.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            resume(context: context)
            armTimer(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Errors and events

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let refused = error as? RefusedRequest
        guard let parseError = refused?.parserError ?? error as? HTTPParserError else {
            logCaught(error, answer: nil, level: Self.isPeerGone(error) ? .notice : .error)
            context.close(promise: nil)
            return
        }
        let answer: ServingError
        switch parseError {
        case .headerOverflow: answer = .headersTooLarge(limit: machine.limits.maxHeaderBytes)
        case .invalidURL: answer = .malformedRequest("malformed request target")
        default: answer = .malformedRequest(refused?.problem ?? "\(parseError)")
        }
        // Bytes that never formed a head get their id now, shared by the log line and the 400.
        if current == nil { current = RequestSummary(id: nextMadeID(), method: nil) }
        logCaught(error, answer: machine.isResponding ? nil : answer, level: .notice)
        fail(answer, context: context)
    }

    /// Logs an error caught on the connection, once: the request it interrupted (id, route), the
    /// status it is answered with (none when the connection just closes), and the cause.
    /// Client-side failures (bad bytes, a reset) are `notice`; anything else is `error`.
    private func logCaught(_ error: any Error, answer: ServingError?, level: Logger.Level) {
        var metadata: Logger.Metadata = [
            "cause": "\(error)",
            "status": answer.map { "\($0.status)" } ?? "none (connection closed)",
        ]
        if let current {
            metadata["request_id"] = "\(current.id)"
            metadata["route"] = "\(RouteLabel(path: Request.path(of: current.uri)).name)"
            if let traceID = current.traceHeaders.traceID { metadata["trace_id"] = "\(traceID)" }
        } else {
            metadata["route"] = "none (between requests)"
        }
        logger.log(level: level, "error on connection", metadata: metadata)
    }

    /// True for errors that mean the client went away (reset, broken pipe).
    private static func isPeerGone(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNRESET || io.errnoCode == EPIPE }
        return error is ChannelError
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is QuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if machine.quiesce() && waitingParts.isEmpty { context.close(promise: nil) }
    }

    // MARK: The timer

    /// Schedules the one timer at the state's next deadline, unless it already fires earlier.
    private func armTimer(context: ChannelHandlerContext) {
        guard let deadline = machine.nextDeadline else { return }
        if timer != nil && timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in timerFired() }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timerFired() {
        timer = nil
        guard let context else { return }
        switch machine.timerFired(at: context.eventLoop.now) {
        case .rearm:
            armTimer(context: context)
        case .closeIdle:
            context.close(promise: nil)
        case .timeOut(let pending):
            let trace = pending.takeTrace()
            pending.abandon()
            var response = Response(error: .timedOut(after: machine.limits.requestTimeout))
            response.route = .invocations
            response.trace = trace
            write(response, context: context)
        case .none:
            break
        }
    }
}

/// Sent to every connection when the server starts draining: finish what is in flight, then close.
struct QuiesceEvent: Sendable {}
