import NIOCore
import NIOHTTP1

/// A complete request: head and whole body, as the router sees it.
public struct Request: Sendable {
    public var head: HTTPRequestHead
    public var body: ByteBuffer
    /// When the head arrived, for latency and deadline accounting.
    public var receivedAt: NIODeadline
    /// The headers the server acts on, read once.
    var headers: RequestHeaders
    /// The id its response carries in `X-Request-Id` (the caller's, when safe).
    public internal(set) var id: RequestID
    /// Its span, while a tracer is bootstrapped (set by the router).
    var trace: RequestTrace?

    public init(head: HTTPRequestHead, body: ByteBuffer, receivedAt: NIODeadline) {
        self.init(head: head, headers: RequestHeaders(head.headers), body: body, receivedAt: receivedAt)
    }

    /// - Parameter id: the request's id (the connection's choice); when nil, the caller's if it
    ///   is safe to echo, else a fresh one.
    init(head: HTTPRequestHead, headers: RequestHeaders, body: ByteBuffer, receivedAt: NIODeadline, id: RequestID? = nil) {
        self.head = head
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
        self.id = id ?? headers.requestID.flatMap(RequestID.init(caller:)) ?? RequestID.make()
    }

    /// The path without the query string.
    public var path: Substring { Self.path(of: head.uri) }

    /// The path of a request target, without the query string.
    static func path(of uri: String) -> Substring {
        if let question = uri.utf8.firstIndex(of: UInt8(ascii: "?")) { return uri[..<question] }
        return uri[...]
    }
}
