import ModelRuntimes
import NIOCore
import NIOHTTP1

/// The server's `HTTPResponder`: maps (method, path) to the endpoint that answers, and tells the
/// request metrics about every response written.
///
/// Routes: `GET /ping`, `POST /invocations` (also `POST /endpoints/{name}/invocations`),
/// `GET /execution-parameters`, `GET /metrics`, and in multi-model mode the `/models` routes
/// (`ModelEndpoints`). Unknown paths get 404, known paths with the wrong method 405 with `Allow`.
/// It holds no state of its own and writes to nothing.
public final class Router: HTTPResponder {
    private let invocations: InvocationService
    private let health: HealthCheck
    private let executionParameters: Response
    private let metricsEndpoint: (@Sendable () -> Response)?
    private let metrics: ServerMetrics?
    private let models: ModelEndpoints?
    private let routeList: String

    /// - Parameters:
    ///   - invocations: answers `/invocations` and `/endpoints/{name}/invocations`.
    ///   - health: answers `/ping`.
    ///   - configuration: the worker count and payload limit `/execution-parameters` reports.
    ///   - metricsEndpoint: renders `GET /metrics`; nil answers 404.
    ///   - metrics: where request counts and durations go; nil when metrics are off.
    ///   - models: the multi-model API; nil in single-model mode (its paths answer 404 there).
    public init(
        invocations: InvocationService, health: HealthCheck, configuration: ServerConfiguration,
        metricsEndpoint: (@Sendable () -> Response)? = nil, metrics: ServerMetrics? = nil, models: ModelEndpoints? = nil
    ) {
        self.invocations = invocations
        self.models = models
        self.health = health
        self.metricsEndpoint = metricsEndpoint
        self.metrics = metrics
        let megabytes = max(1, configuration.maxPayloadBytes >> 20)
        executionParameters = Response.json(
            #"{"MaxConcurrentTransforms":\#(configuration.workerCount),"BatchStrategy":"MULTI_RECORD","MaxPayloadInMB":\#(megabytes)}"#
        ).labelled(.executionParameters)
        routeList = (models == nil ? "GET /ping, POST /invocations" : "GET /ping, GET|POST /models, GET|DELETE /models/{name}, POST /models/{name}/invoke")
            + ", GET /execution-parameters" + (metricsEndpoint == nil ? "" : ", GET /metrics")
    }

    public func respond(to request: Request, on eventLoop: any EventLoop) -> Reply {
        let route = RouteLabel(path: request.path)
        let method = request.head.method
        switch route {
        case .invocations:
            guard method == .POST else { return reject(request, route, allowed: "POST") }
            return invocations.respond(to: request, on: eventLoop)
        case .ping:
            guard method == .GET || method == .HEAD else { return reject(request, route, allowed: "GET, HEAD") }
            return .now(health.pingResponse())
        case .executionParameters:
            guard method == .GET else { return reject(request, route, allowed: "GET") }
            return .now(executionParameters)
        case .metrics:
            guard let metricsEndpoint else { return notFound(request) }
            guard method == .GET else { return reject(request, route, allowed: "GET") }
            return .now(metricsEndpoint().labelled(.metrics))
        case .models, .model, .modelInvocation:
            guard let models else { return notFound(request) }
            return models.respond(to: request, route: route, on: eventLoop)
                ?? reject(request, route, allowed: ModelEndpoints.allowedMethods(route))
        case .other:
            return notFound(request)
        }
    }

    public func responded(_ response: Response, elapsed: TimeAmount) {
        guard let metrics else { return }
        metrics.responded(route: response.route, status: response.status.code, nanoseconds: elapsed.nanoseconds)
        if response.route.isInvocation {
            metrics.overheadLatency.recordNanoseconds(max(0, elapsed.nanoseconds - Int64(response.modelNanoseconds)))
        }
    }

    private func notFound(_ request: Request) -> Reply {
        .now(Response(error: .notFound(request.path, routes: routeList)))
    }

    private func reject(_ request: Request, _ route: RouteLabel, allowed: String) -> Reply {
        let error = ServingError.methodNotAllowed(request.head.method.rawValue, path: request.path, allowed: allowed)
        return .now(Response(error: error, extraHeaders: [("allow", allowed)]).labelled(route))
    }
}
