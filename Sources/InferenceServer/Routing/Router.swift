import Logging
import ModelRuntimes
import NIOCore
import NIOHTTP1

/// The server's `HTTPResponder`: maps (method, path) to the endpoint that answers, and tells the
/// observers about every response written: request metrics, the request's span (started here
/// when a tracer is bootstrapped), the error log (every 5xx, once) and the access log.
///
/// Routes: `GET /ping`, `POST /invocations` (also `POST /endpoints/{name}/invocations`),
/// `GET /execution-parameters`, `GET /metrics`, and in multi-model mode the `/models` routes
/// (`ModelEndpoints`). Unknown paths get 404, known paths with the wrong method 405 with `Allow`.
/// It holds no state of its own.
public final class Router: HTTPResponder {
    private let invocations: InvocationService
    private let health: HealthCheck
    private let executionParameters: Response
    private let metricsEndpoint: (@Sendable () -> Response)?
    private let metrics: ServerMetrics?
    private let models: ModelEndpoints?
    private let routeList: String
    private let tracer: RequestTracer?
    private let accessLog: AccessLog?
    private let logger: Logger

    /// - Parameters:
    ///   - invocations: answers `/invocations` and `/endpoints/{name}/invocations`.
    ///   - health: answers `/ping`.
    ///   - configuration: the worker count and payload limit `/execution-parameters` reports.
    ///   - metricsEndpoint: renders `GET /metrics`; nil answers 404.
    ///   - metrics: where request counts and durations go; nil when metrics are off.
    ///   - models: the multi-model API; nil in single-model mode (its paths answer 404 there).
    ///   - tracer: starts a span per request; nil when tracing is off.
    ///   - accessLog: one line per response (sampled); nil when off.
    ///   - logger: where every 5xx is logged.
    public init(
        invocations: InvocationService, health: HealthCheck, configuration: ServerConfiguration,
        metricsEndpoint: (@Sendable () -> Response)? = nil, metrics: ServerMetrics? = nil, models: ModelEndpoints? = nil,
        tracer: RequestTracer? = nil, accessLog: AccessLog? = nil, logger: Logger = Logger(label: "swerve")
    ) {
        self.invocations = invocations
        self.models = models
        self.health = health
        self.metricsEndpoint = metricsEndpoint
        self.metrics = metrics
        self.tracer = tracer
        self.accessLog = accessLog
        self.logger = logger
        let megabytes = max(1, configuration.maxPayloadBytes >> 20)
        executionParameters = Response.json(
            #"{"MaxConcurrentTransforms":\#(configuration.workerCount),"BatchStrategy":"MULTI_RECORD","MaxPayloadInMB":\#(megabytes)}"#
        ).labelled(.executionParameters)
        routeList =
            (models == nil ? "GET /ping, POST /invocations" : "GET /ping, GET|POST /models, GET|DELETE /models/{name}, POST /models/{name}/invoke")
            + ", GET /execution-parameters" + (metricsEndpoint == nil ? "" : ", GET /metrics")
    }

    public func respond(to request: Request, on eventLoop: any EventLoop) -> Reply {
        let route = RouteLabel(path: request.path)
        guard let tracer else { return answer(request, route: route, on: eventLoop) }
        var traced = request
        let trace = tracer.start(request, route: route)
        traced.trace = trace
        switch answer(traced, route: route, on: eventLoop) {
        case .now(var response):
            response.trace = trace
            return .now(response)
        case .later(let pending):
            pending.trace = trace
            return .later(pending)
        }
    }

    private func answer(_ request: Request, route: RouteLabel, on eventLoop: any EventLoop) -> Reply {
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
        if let trace = response.trace { trace.finish(response, elapsed: elapsed) }
        if let metrics {
            metrics.responded(route: response.route, status: response.status.code, nanoseconds: elapsed.nanoseconds)
            if response.route.isInvocation {
                metrics.overheadLatency.recordNanoseconds(max(0, elapsed.nanoseconds - Int64(response.modelNanoseconds)))
            }
        }
        if response.status.code >= 500 { logServerError(response, elapsed: elapsed) }
        if let accessLog { accessLog.record(response, elapsed: elapsed) }
    }

    /// Every 5xx, once: the route, the status, the cause, the request's id and trace.
    private func logServerError(_ response: Response, elapsed: TimeAmount) {
        var metadata: Logger.Metadata = [
            "route": "\(response.route.name)",
            "status": "\(response.status.code)",
            "code": "\(response.error?.code ?? "-")",
            "cause": "\(response.error?.message ?? response.status.reasonPhrase)",
            "request_id": "\(response.request.id)",
            "method": "\(response.request.method?.rawValue ?? "-")",
            "duration_ms": "\(Double(elapsed.nanoseconds / 1000) / 1000)",
        ]
        if let traceID = response.request.traceID(response.trace) { metadata["trace_id"] = "\(traceID)" }
        if let amzn = response.request.traceHeaders.amznTraceID { metadata["amzn_trace_id"] = "\(amzn)" }
        logger.error("request failed", metadata: metadata)
    }

    private func notFound(_ request: Request) -> Reply {
        .now(Response(error: .notFound(request.path, routes: routeList)))
    }

    private func reject(_ request: Request, _ route: RouteLabel, allowed: String) -> Reply {
        let error = ServingError.methodNotAllowed(request.head.method.rawValue, path: request.path, allowed: allowed)
        return .now(Response(error: error, extraHeaders: [("allow", allowed)]).labelled(route))
    }
}
