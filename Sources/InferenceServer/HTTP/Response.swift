import ModelRuntimes
import NIOCore
import NIOHTTP1

/// A complete HTTP response, produced by a responder and written by the connection.
///
/// Bodies are always complete (`Content-Length`, never chunked), so HTTP/1.0 clients are served
/// the same way as HTTP/1.1 ones. Besides what goes on the wire it carries what observers need
/// once it is written: the route it answered and the time the model took.
public struct Response: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// The route that answered, for metrics labels; `.other` for unknown paths and protocol errors.
    public var route: RouteLabel = .other
    /// Time the model's steps took to produce it (SageMaker's ModelLatency); 0 for other routes.
    public var modelNanoseconds: UInt64 = 0
    /// Time the request waited for a model worker; 0 for other routes and inline runs.
    public var queueNanoseconds: UInt64 = 0
    /// The error it answers with, for logs (set by `init(error:)`; boxed, so that successful
    /// responses, which are copied a few times on their way, stay small).
    public var error: ServingError? {
        get { errorBox?.error }
        set { errorBox = newValue.map(ErrorBox.init) }
    }
    private var errorBox: ErrorBox?
    /// The request it answers, as the connection saw it: filled in by the connection just before
    /// the response is written (its id and trace headers go into the head).
    public var request = RequestSummary()
    /// The request's span while tracing is on; its `traceparent` goes into the head.
    var trace: RequestTrace?

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The one place an error becomes a response: its status, and the one JSON shape
    /// `{"error": {"code": "...", "message": "..."}}`.
    public init(error: ServingError, extraHeaders: [(String, String)] = []) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + error.message.utf8.count)
        bytes.append(contentsOf: #"{"error":{"code":"#.utf8)
        JSONText.appendString(error.code, to: &bytes)
        bytes.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(error.message, to: &bytes)
        bytes.append(contentsOf: "}}".utf8)
        var headers = HTTPHeaders([("content-type", "application/json")])
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        self.init(status: HTTPResponseStatus(statusCode: error.status), headers: headers, body: ByteBuffer(bytes: bytes))
        self.error = error
    }

    /// A JSON body with `content-type: application/json`.
    public static func json(_ text: String, status: HTTPResponseStatus = .ok) -> Response {
        Response(status: status, headers: HTTPHeaders([("content-type", "application/json")]), body: ByteBuffer(string: text))
    }

    /// The same response, labelled with `route`.
    func labelled(_ route: RouteLabel) -> Response {
        var response = self
        response.route = route
        return response
    }
}

/// What the connection knows of the request a response answers: the id and trace headers the
/// response echoes, and what access and error logs report.
public struct RequestSummary: Sendable {
    /// The request's id (made fresh for bytes that never formed a request).
    public var id: RequestID
    /// Nil for bytes that never formed a request head.
    public var method: HTTPMethod?
    /// The path as sent (logs show it only through the bounded `route`, or escaped).
    public var uri: String
    /// Body bytes received.
    public var bytesIn: Int
    /// The caller's trace headers that are safe to echo (boxed, and only when there are some).
    public var traceHeaders: TraceHeaders {
        get { traceBox?.headers ?? TraceHeaders() }
        set { traceBox = newValue.isEmpty ? nil : TraceHeadersBox(headers: newValue) }
    }
    private var traceBox: TraceHeadersBox?

    public init(
        id: RequestID = .unassigned, method: HTTPMethod? = nil, uri: String = "", bytesIn: Int = 0, traceHeaders: TraceHeaders = TraceHeaders()
    ) {
        self.id = id
        self.method = method
        self.uri = uri
        self.bytesIn = bytesIn
        self.traceBox = traceHeaders.isEmpty ? nil : TraceHeadersBox(headers: traceHeaders)
    }

    /// The trace id for logs: the tracer's when tracing is on, else the caller's.
    func traceID(_ trace: RequestTrace?) -> Substring? {
        trace?.traceID ?? traceHeaders.traceID
    }
}

/// Rarely present parts of a response, kept behind one reference each.
private final class ErrorBox: Sendable {
    let error: ServingError
    init(_ error: ServingError) { self.error = error }
}

private final class TraceHeadersBox: Sendable {
    let headers: TraceHeaders
    init(headers: TraceHeaders) { self.headers = headers }
}
