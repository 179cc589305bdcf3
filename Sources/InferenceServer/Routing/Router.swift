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
    private let metrics: ServerMetrics?

    /// - Parameters:
    ///   - metricsEndpoint: renders `GET /metrics` (Prometheus text); nil answers 404.
    ///   - metrics: where request counts and overhead latency go; nil when metrics are off.
    public init(
        invocations: InvocationsEndpoint, configuration: ServerConfiguration,
        metricsEndpoint: (@Sendable () -> Response)? = nil, metrics: ServerMetrics? = nil
    ) {
        self.invocations = invocations
        self.metricsEndpoint = metricsEndpoint
        self.metrics = metrics
        let megabytes = max(1, configuration.maxPayloadBytes >> 20)
        executionParameters = .json(
            #"{"MaxConcurrentTransforms":\#(configuration.workerCount),"BatchStrategy":"MULTI_RECORD","MaxPayloadInMB":\#(megabytes)}"#)
    }

    /// The route a path names (compared as bytes: this runs for every request).
    static func kind(of path: Substring) -> ServerMetrics.Route {
        let utf8 = path.utf8
        switch utf8.count {
        case 12 where utf8.elementsEqual("/invocations".utf8): return .invocations
        case 5 where utf8.elementsEqual("/ping".utf8): return .ping
        case 21 where utf8.elementsEqual("/execution-parameters".utf8): return .executionParameters
        case 8 where utf8.elementsEqual("/metrics".utf8): return .metrics
        default: return isRuntimeInvocationPath(path) ? .invocations : .other
        }
    }

    func route(_ request: Request, kind: ServerMetrics.Route, eventLoop: any EventLoop, connection: NIOLoopBound<HTTPConnectionHandler>) -> Outcome {
        let path = request.path
        let method = request.head.method
        switch kind {
        case .invocations:
            guard method == .POST else { return reject(method, path, allowed: "POST") }
            return invocations.handle(request, eventLoop: eventLoop, connection: connection)
        case .ping:
            guard method == .GET || method == .HEAD else { return reject(method, path, allowed: "GET, HEAD") }
            return .respond(Response(status: .ok))
        case .executionParameters:
            guard method == .GET else { return reject(method, path, allowed: "GET") }
            return .respond(executionParameters)
        case .metrics:
            guard let metricsEndpoint else { return .respond(.error(.notFound(String(path)))) }
            guard method == .GET else { return reject(method, path, allowed: "GET") }
            return .respond(metricsEndpoint())
        case .other:
            return .respond(.error(.notFound(String(path))))
        }
    }

    /// Told when a response is written: counts it, and for invocations records the overhead
    /// latency (time in the server that was not the model's).
    func responded(_ kind: ServerMetrics.Route, status: HTTPResponseStatus, elapsed: TimeAmount, modelNanoseconds: UInt64) {
        guard let metrics else { return }
        metrics.countResponse(route: kind, status: status.code)
        if kind == .invocations {
            metrics.overheadLatency.recordNanoseconds(max(0, elapsed.nanoseconds - Int64(modelNanoseconds)))
        }
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
