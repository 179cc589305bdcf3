import ModelRuntimes
import NIOCore
import NIOHTTP1

/// The life of one HTTP/1.1 connection, as states that carry their own data, changed only by
/// the transitions below, each of which checks the state it starts from.
///
/// It does no I/O: the connection handler feeds it events (a head, a body chunk, the end, an
/// answer, a timer, shutdown, close) and carries out the action each transition returns. One
/// request is handled at a time; requests pipelined behind it wait in the handler.
///
/// ```
/// idle --head--> receiving --end--> responding --answer--> idle (keep-alive)
///   \               |                   |          \-----> closing (close, HTTP/1.0, draining)
///    \--------------+-- limit or parse error ---------------> closing
/// ```
struct ConnectionStateMachine {
    /// A request whose head has arrived and whose body is arriving.
    ///
    /// A class, so that binding it in a `switch` costs one reference count rather than a copy of
    /// the head, the headers and the body (measured: the copies were 1-2% of a small request's CPU),
    /// and so that appending to the body never finds the buffer shared.
    final class Incoming {
        let head: HTTPRequestHead
        let headers: RequestHeaders
        var body: ByteBuffer?
        let receivedAt: NIODeadline

        init(head: HTTPRequestHead, headers: RequestHeaders, receivedAt: NIODeadline) {
            self.head = head
            self.headers = headers
            self.receivedAt = receivedAt
        }
    }

    /// A complete request that is with the responder.
    struct Exchange {
        var version: HTTPVersion
        var keepAlive: Bool
        /// The request is a HEAD: its answer has the headers of a GET and no body.
        var isHEAD: Bool
        var receivedAt: NIODeadline
        /// The answer being waited for; nil until the responder defers its answer.
        var pending: PendingResponse?
    }

    enum State {
        /// Waiting for a request head.
        case idle
        /// Head received, reading the body.
        case receiving(Incoming)
        /// Request complete; its answer is being produced.
        case responding(Exchange)
        /// An answer that ends the connection is being written; nothing more is read.
        case closing
    }

    private(set) var state = State.idle
    /// When a request last completed or the connection opened: the idle timeout counts from here.
    private(set) var lastProgress: NIODeadline
    /// Set once the server drains: the current answer closes the connection.
    private(set) var quiescing = false
    let limits: ConnectionLimits

    init(limits: ConnectionLimits, openedAt: NIODeadline) {
        self.limits = limits
        self.lastProgress = openedAt
    }

    // MARK: Reading a request

    enum HeadAction {
        case proceed
        /// `Expect: 100-continue`: send the interim answer, then read the body.
        case sendContinue
        /// The request is refused before its body is read; answer and close.
        case fail(ServingError)
    }

    mutating func headReceived(_ head: HTTPRequestHead, at now: NIODeadline) -> HeadAction {
        headReceived(head, headers: RequestHeaders(head.headers), at: now)
    }

    /// A request head arrived, with its headers already read (the connection reads them once).
    mutating func headReceived(_ head: HTTPRequestHead, headers: RequestHeaders, at now: NIODeadline) -> HeadAction {
        switch state {
        case .idle:
            break
        case .closing:
            return .proceed  // the connection is ending; what follows is ignored
        case .receiving, .responding:
            preconditionFailure("a request head arrived in state \(state)")
        }
        state = .receiving(Incoming(head: head, headers: headers, receivedAt: now))
        if let problem = headers.framingProblem { return .fail(.malformedRequest(problem)) }
        if head.uri.utf8.count > limits.maxURILength { return .fail(.uriTooLong(limit: limits.maxURILength)) }
        if let declared = headers.contentLength, declared > limits.maxPayloadBytes {
            return .fail(.payloadTooLarge(limit: limits.maxPayloadBytes))
        }
        if let expect = headers.expect {
            guard expect.lowercased() == "100-continue" else { return .fail(.expectationFailed(expect)) }
            return .sendContinue
        }
        return .proceed
    }

    /// Appends a body chunk, growing the body into a buffer from `buffers`; a body over the limit
    /// fails the request.
    mutating func bodyReceived(_ chunk: ByteBuffer, buffers: BodyBufferSource) -> ServingError? {
        switch state {
        case .receiving(let incoming):
            let total = (incoming.body?.readableBytes ?? 0) + chunk.readableBytes
            guard total <= limits.maxPayloadBytes else { return .payloadTooLarge(limit: limits.maxPayloadBytes) }
            guard var body = incoming.body else {
                incoming.body = chunk
                return nil
            }
            incoming.body = nil  // `body` is now the buffer's only reference: writing does not copy it
            if body.writableBytes < chunk.readableBytes {
                // Grow once to the declared length (or double), instead of step by step.
                var grown = buffers.buffer(capacity: max(incoming.headers.contentLength ?? 0, total * 2))
                grown.writeImmutableBuffer(body)
                body = grown
            }
            body.writeImmutableBuffer(chunk)
            incoming.body = body
            return nil
        case .closing:
            return nil
        case .idle, .responding:
            preconditionFailure("a body chunk arrived in state \(state)")
        }
    }

    /// The request is complete: it goes to the responder, with `id` as its id.
    mutating func endReceived(id: RequestID? = nil) -> Request? {
        switch state {
        case .receiving(let incoming):
            state = .responding(
                Exchange(
                    version: incoming.head.version, keepAlive: incoming.head.isKeepAlive, isHEAD: incoming.head.method == .HEAD,
                    receivedAt: incoming.receivedAt, pending: nil))
            return Request(
                head: incoming.head, headers: incoming.headers, body: incoming.body ?? ByteBuffer(), receivedAt: incoming.receivedAt,
                id: id)
        case .closing:
            return nil
        case .idle, .responding:
            preconditionFailure("a request end arrived in state \(state)")
        }
    }

    /// The responder will answer later through `pending`.
    mutating func waiting(on pending: PendingResponse) {
        guard case .responding(var exchange) = state, exchange.pending == nil else {
            preconditionFailure("deferred answer in state \(state)")
        }
        exchange.pending = pending
        state = .responding(exchange)
    }

    // MARK: Answering

    /// How to write an answer.
    struct Write {
        var version: HTTPVersion
        /// Add `Connection: close` and close once written.
        var close: Bool
        /// The answer goes to a HEAD request: no body is written (fuzz finding 3, RELIABILITY.md).
        var isHEAD: Bool
        var receivedAt: NIODeadline
    }

    /// The answer to the request being handled is ready; the state moves on to the next request,
    /// or to closing.
    mutating func answerReady(at now: NIODeadline) -> Write {
        guard case .responding(let exchange) = state else { preconditionFailure("an answer in state \(state)") }
        let close = !exchange.keepAlive || quiescing
        state = close ? .closing : .idle
        lastProgress = now
        return Write(version: exchange.version, close: close, isHEAD: exchange.isHEAD, receivedAt: exchange.receivedAt)
    }

    /// The request cannot be served and the stream's framing is lost (a limit, a parse error):
    /// answer with an error and close. Returns nil when the connection is already closing, or
    /// when an answer is being produced (it is written, then the connection closes).
    mutating func failed(at now: NIODeadline) -> Write? {
        switch state {
        case .idle:
            state = .closing
            return Write(version: .http1_1, close: true, isHEAD: false, receivedAt: now)
        case .receiving(let incoming):
            state = .closing
            return Write(version: incoming.head.version, close: true, isHEAD: incoming.head.method == .HEAD, receivedAt: incoming.receivedAt)
        case .responding(var exchange):
            exchange.keepAlive = false
            state = .responding(exchange)
            return nil
        case .closing:
            return nil
        }
    }

    // MARK: Time, shutdown and close

    enum TimerAction {
        /// Nothing due; look again at this deadline.
        case rearm(NIODeadline)
        /// No request completed within the idle timeout: close.
        case closeIdle
        /// The request's deadline passed: give up on `pending` and answer 504.
        case timeOut(PendingResponse)
        /// Nothing to time (closing).
        case none
    }

    /// The one timer: the idle timeout while waiting for or reading a request, the request
    /// deadline while its answer is being produced.
    func timerFired(at now: NIODeadline) -> TimerAction {
        switch state {
        case .idle, .receiving:
            let deadline = lastProgress + limits.idleTimeout
            return now >= deadline ? .closeIdle : .rearm(deadline)
        case .responding(let exchange):
            let deadline = exchange.receivedAt + limits.requestTimeout
            guard let pending = exchange.pending else { return .rearm(deadline) }
            return now >= deadline ? .timeOut(pending) : .rearm(deadline)
        case .closing:
            return .none
        }
    }

    /// The deadline the timer should fire at next, or nil when nothing is timed.
    var nextDeadline: NIODeadline? {
        switch state {
        case .idle, .receiving: lastProgress + limits.idleTimeout
        case .responding(let exchange): exchange.receivedAt + limits.requestTimeout
        case .closing: nil
        }
    }

    /// The server is draining: returns true when the connection can close now (between requests).
    mutating func quiesce() -> Bool {
        quiescing = true
        if case .idle = state { return true }
        return false
    }

    /// The connection closed: returns the answer that was being waited for, to abandon.
    mutating func closed() -> PendingResponse? {
        defer { state = .closing }
        if case .responding(let exchange) = state { return exchange.pending }
        return nil
    }

    /// True between requests: waiting for the next request's head.
    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    /// True while a request's head has arrived and its body is being read.
    var isReceiving: Bool {
        if case .receiving = state { return true }
        return false
    }

    /// True while a request's answer is being produced (pipelined requests wait).
    var isResponding: Bool {
        if case .responding = state { return true }
        return false
    }

    var isClosing: Bool {
        if case .closing = state { return true }
        return false
    }
}
