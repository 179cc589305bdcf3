import NIOCore
import NIOHTTP1
import Tracing

/// Starts one span per request with the tracer the process bootstrapped (swift-distributed-
/// tracing's `InstrumentationSystem`, e.g. swift-otel's OTLP exporter), or with one a test
/// injects.
///
/// It exists only while tracing is on: `resolve` answers nil for the no-op tracer, and every hook
/// on the request path is then a nil check, so a server without a tracer pays no allocation and
/// no lookup per request for tracing.
public final class RequestTracer: Sendable {
    let tracer: any Tracer
    /// The model's name, an attribute of every span.
    let model: String

    private init(tracer: any Tracer, model: String) {
        self.tracer = tracer
        self.model = model
    }

    /// A request tracer for `tracer`, or nil when it is the no-op tracer (tracing off).
    public static func resolve(_ tracer: any Tracer, model: String) -> RequestTracer? {
        if tracer is NoOpTracer { return nil }
        return RequestTracer(tracer: tracer, model: model)
    }

    /// The bootstrapped tracer, read once (the lookup takes a lock and a cast).
    public static func bootstrapped(model: String) -> RequestTracer? {
        resolve(InstrumentationSystem.tracer, model: model)
    }

    /// Starts the span of `request`, answered by `route`: a child of the caller's trace context
    /// when its headers carry one, starting when the request's head arrived.
    func start(_ request: Request, route: RouteLabel) -> RequestTrace {
        var parent = InstrumentationContext.topLevel
        tracer.extract(request.head.headers, into: &parent, using: HTTPHeadersExtractor())
        let method = request.head.method.rawValue
        let receivedAt = request.receivedAt.uptimeNanoseconds
        let span = tracer.startSpan(
            "\(method) \(route.name)", context: parent, ofKind: .server, at: TraceClock.instant(receivedAt))
        span.updateAttributes { attributes in
            attributes["http.request.method"] = method
            attributes["http.route"] = route.name
            attributes["url.path"] = String(request.path.prefix(256))
            attributes["http.request.body.size"] = request.body.readableBytes
            attributes["swerve.request_id"] = request.id.description
            attributes["swerve.model"] = model
        }
        var headers: [(String, String)] = []
        tracer.inject(span.context, into: &headers, using: TraceHeaderInjector())
        return RequestTrace(tracer: tracer, span: span, receivedAt: receivedAt, responseHeaders: headers, model: model)
    }
}

/// One request's span, and the children the request's work adds to it: `queue_wait`,
/// `input_fn`, each model stage (each member of an ensemble) and `output_fn`.
///
/// Made on the event loop when the request arrives; children are added by the thread that runs
/// the model (a worker, or the event loop for an inline run), one at a time, after the hand-off
/// through the pool's queue; ended once, on the event loop, when the response is written (or the
/// request is abandoned). Span implementations are thread-safe (`Span: Sendable`); `ended` is
/// only touched on the event loop.
public final class RequestTrace: @unchecked Sendable {
    let tracer: any Tracer
    let span: any Span
    /// Monotonic nanoseconds when the request's head arrived.
    let receivedAt: UInt64
    /// The trace headers the tracer propagates for this span, written into the response.
    let responseHeaders: [(String, String)]
    let model: String
    private var ended = false

    init(tracer: any Tracer, span: any Span, receivedAt: UInt64, responseHeaders: [(String, String)], model: String) {
        self.tracer = tracer
        self.span = span
        self.receivedAt = receivedAt
        self.responseHeaders = responseHeaders
        self.model = model
    }

    /// The trace id, as the response's `traceparent` carries it (nil if the tracer writes none).
    public var traceID: Substring? {
        for (name, value) in responseHeaders where name == "traceparent" {
            return TraceHeaders(traceparent: value).traceID
        }
        return nil
    }

    /// Adds a finished child span `name` that ran from `start` to `end` (monotonic nanoseconds).
    func child(_ name: String, from start: UInt64, to end: UInt64, container: Bool = true) {
        let child = tracer.startSpan(name, context: span.context, ofKind: .internal, at: TraceClock.instant(start))
        if container {
            child.updateAttributes { attributes in
                attributes["swerve.container"] = name
                attributes["swerve.model"] = model
            }
        }
        child.end(at: TraceClock.instant(end))
    }

    /// The time the request waited for a worker.
    func queueWait(from enqueued: UInt64, to dequeued: UInt64) {
        child("queue_wait", from: enqueued, to: dequeued, container: false)
    }

    /// Ends the span once `response` has been written, `elapsed` after the head arrived.
    func finish(_ response: Response, elapsed: TimeAmount) {
        guard !ended else { return }
        ended = true
        let status = Int(response.status.code)
        span.updateAttributes { attributes in
            attributes["http.response.status_code"] = status
            attributes["http.response.body.size"] = response.body.readableBytes
            if response.route == .invocations {
                attributes["swerve.model_latency_ns"] = Int(response.modelNanoseconds)
                attributes["swerve.queue_wait_ns"] = Int(response.queueNanoseconds)
            }
            if let error = response.error { attributes["error.type"] = error.code }
        }
        if status >= 500 { span.setStatus(SpanStatus(code: .error, message: response.error?.message)) }
        span.end(at: TraceClock.instant(receivedAt &+ UInt64(max(0, elapsed.nanoseconds))))
    }

    /// Ends the span of a request nobody will answer (the client closed the connection).
    func abandon(at now: UInt64) {
        guard !ended else { return }
        ended = true
        span.updateAttributes { $0["error.type"] = "client_closed" }
        span.setStatus(SpanStatus(code: .error, message: "the connection closed before the answer was written"))
        span.end(at: TraceClock.instant(now))
    }
}
