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

    public init(head: HTTPRequestHead, body: ByteBuffer, receivedAt: NIODeadline) {
        self.init(head: head, headers: RequestHeaders(head.headers), body: body, receivedAt: receivedAt)
    }

    init(head: HTTPRequestHead, headers: RequestHeaders, body: ByteBuffer, receivedAt: NIODeadline) {
        self.head = head
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    /// The path without the query string.
    public var path: Substring {
        let uri = head.uri
        if let question = uri.utf8.firstIndex(of: UInt8(ascii: "?")) { return uri[..<question] }
        return uri[...]
    }
}
