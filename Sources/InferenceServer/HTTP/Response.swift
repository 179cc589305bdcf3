import ModelRuntimes
import NIOCore
import NIOHTTP1

/// A complete HTTP response, built by an endpoint and written by the connection handler.
///
/// Bodies are always complete (`Content-Length`, never chunked), so HTTP/1.0 clients are served
/// the same way as HTTP/1.1 ones.
public struct Response: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// Time the model's steps took to produce it (SageMaker's ModelLatency); 0 for other routes.
    public var modelNanoseconds: UInt64 = 0

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The one JSON error shape: `{"error": {"code": "...", "message": "..."}}`.
    public static func error(_ error: ServingError, extraHeaders: [(String, String)] = []) -> Response {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + error.message.utf8.count)
        bytes.append(contentsOf: #"{"error":{"code":"#.utf8)
        JSONText.appendString(error.code, to: &bytes)
        bytes.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(error.message, to: &bytes)
        bytes.append(contentsOf: "}}".utf8)
        var headers = HTTPHeaders([("content-type", "application/json")])
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        return Response(status: HTTPResponseStatus(statusCode: error.status), headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// A JSON body with `content-type: application/json`.
    public static func json(_ text: String, status: HTTPResponseStatus = .ok) -> Response {
        Response(status: status, headers: HTTPHeaders([("content-type", "application/json")]), body: ByteBuffer(string: text))
    }
}

extension ServingError {
    /// 404 for a path the server does not serve.
    static func notFound(_ path: String) -> ServingError {
        ServingError(status: 404, code: "not_found", message: "no route for \(path); routes: GET /ping, POST /invocations, GET /execution-parameters, GET /metrics")
    }

    /// 405 for a known path and the wrong method.
    static func methodNotAllowed(_ method: String, path: String, allowed: String) -> ServingError {
        ServingError(status: 405, code: "method_not_allowed", message: "\(method) is not allowed on \(path); use \(allowed)")
    }

    /// 413 for a body over the limit.
    static func payloadTooLarge(limit: Int) -> ServingError {
        ServingError(status: 413, code: "payload_too_large", message: "the body is larger than the limit of \(limit) bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB)")
    }

    /// 503 when the queue in front of the workers is full.
    static func overloaded(queueDepth: Int) -> ServingError {
        ServingError(status: 503, code: "overloaded", message: "all workers are busy and \(queueDepth) requests are already waiting; retry shortly")
    }

    /// 503 while the server drains for shutdown.
    static let shuttingDown = ServingError(status: 503, code: "shutting_down", message: "the server is shutting down")

    /// 504 when the model does not answer within SAGEMAKER_MODEL_SERVER_TIMEOUT.
    static func timedOut(after timeout: TimeAmount) -> ServingError {
        let seconds = Double(timeout.nanoseconds) / 1e9
        return ServingError(status: 504, code: "model_timeout", message: "the model did not answer within \(seconds) s (SAGEMAKER_MODEL_SERVER_TIMEOUT)")
    }
}
