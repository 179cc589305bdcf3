import ModelRuntimes
import NIOCore
import NIOHTTP1

/// Maps (method, path) to an endpoint, and is the one place where errors become responses.
///
/// Routes: `GET /ping`, `POST /invocations` (also `POST /endpoints/{name}/invocations`, the
/// SageMaker runtime API's path, so `aws sagemaker-runtime invoke-endpoint --endpoint-url` works
/// against a local server), `GET /execution-parameters`, `GET /metrics`. Unknown paths get 404,
/// known paths with the wrong method 405 with `Allow`.
public final class Router: Sendable {
    /// What routing a request produced.
    public enum Outcome: Sendable {
        /// The answer, available now.
        case respond(Response)
        /// The answer will reach the connection later, through `HTTPConnectionHandler.complete`.
        case pending(InvocationTicket)
    }

    private let invocations: InvocationsEndpoint
    private let executionParameters: Response
    private let metricsEndpoint: (@Sendable () -> Response)?
    private let observer: (any RequestObserver)?

    public init(
        invocations: InvocationsEndpoint, configuration: ServerConfiguration,
        metricsEndpoint: (@Sendable () -> Response)? = nil, observer: (any RequestObserver)? = nil
    ) {
        self.invocations = invocations
        self.metricsEndpoint = metricsEndpoint
        self.observer = observer
        let megabytes = max(1, configuration.maxPayloadBytes >> 20)
        executionParameters = .json(
            #"{"MaxConcurrentTransforms":\#(configuration.workerCount),"BatchStrategy":"MULTI_RECORD","MaxPayloadInMB":\#(megabytes)}"#)
    }

    func route(_ request: Request, eventLoop: any EventLoop, connection: NIOLoopBound<HTTPConnectionHandler>) -> Outcome {
        let path = request.path
        let method = request.head.method
        switch path {
        case "/invocations":
            guard method == .POST else { return reject(method, path, allowed: "POST") }
            return invocations.handle(request, eventLoop: eventLoop, connection: connection)
        case "/ping":
            guard method == .GET || method == .HEAD else { return reject(method, path, allowed: "GET, HEAD") }
            return .respond(Response(status: .ok))
        case "/execution-parameters":
            guard method == .GET else { return reject(method, path, allowed: "GET") }
            return .respond(executionParameters)
        case "/metrics":
            guard let metricsEndpoint else { return .respond(.error(.notFound(String(path)))) }
            guard method == .GET else { return reject(method, path, allowed: "GET") }
            return .respond(metricsEndpoint())
        default:
            if Self.isRuntimeInvocationPath(path) {
                guard method == .POST else { return reject(method, path, allowed: "POST") }
                return invocations.handle(request, eventLoop: eventLoop, connection: connection)
            }
            return .respond(.error(.notFound(String(path))))
        }
    }

    /// Told when a response is written, for request metrics.
    func responded(_ status: HTTPResponseStatus, startedAt: NIODeadline) {
        observer?.responded(status: status.code, startedAt: startedAt)
    }

    private func reject(_ method: HTTPMethod, _ path: Substring, allowed: String) -> Outcome {
        .respond(.error(.methodNotAllowed(method.rawValue, path: String(path), allowed: allowed), extraHeaders: [("allow", allowed)]))
    }

    /// `/endpoints/{name}/invocations` with a name SageMaker would accept.
    static func isRuntimeInvocationPath(_ path: Substring) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0].isEmpty && parts[1] == "endpoints" && !parts[2].isEmpty && parts[2].count <= 63
            && parts[3] == "invocations"
    }
}

/// Hears about every response the server writes (request counts, latency); metrics implement it.
public protocol RequestObserver: Sendable {
    func responded(status: UInt, startedAt: NIODeadline)
}
