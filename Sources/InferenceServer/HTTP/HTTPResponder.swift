import NIOCore

/// What the HTTP layer asks for a response: the one seam between connections and everything
/// that answers requests.
///
/// Data flows one way: bytes -> `Request` -> responder -> `Response` -> bytes. A responder
/// knows nothing of connections: it returns the answer now, or a `PendingResponse` it will
/// complete later (from a worker thread, through the request's event loop); the connection
/// writes whichever it gets, in request order.
public protocol HTTPResponder: Sendable {
    /// Answers `request`, which arrived on `eventLoop` (the caller's thread).
    func respond(to request: Request, on eventLoop: any EventLoop) -> Reply

    /// Told on the event loop once `response` has been handed to the socket, `elapsed` after the
    /// request's head arrived: where request counts, latencies and access logs hook in.
    func responded(_ response: Response, elapsed: TimeAmount)
}

/// A responder's answer to one request.
public enum Reply: Sendable {
    /// The answer, available now.
    case now(Response)
    /// The answer will come through the pending response.
    case later(PendingResponse)
}
