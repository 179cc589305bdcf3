import ModelRuntimes
import NIOCore
import NIOHTTP1

/// Answers `POST /invocations` (and, in multi-model mode, `POST /models/{name}/invoke`):
/// negotiates the content types (415/406 at once, on the event loop), runs a small request right
/// there when its loop's tick has budget left (`EventLoopTicks`) and the pool allows it
/// (`WorkerPool.tryRunInline`), else queues it for a model worker
/// (503 with Retry-After when its wait would be too long), and shapes the model's answer, or its
/// error, into a response.
///
/// Queue wait, model latency, requests in flight and rejections are recorded here; the
/// per-container figures are recorded by the worker's or the event loop's `StageAccounting`,
/// which also adds the stage spans to the request's trace while tracing is on (`queue_wait` is
/// added here, for queued requests). One path serves both modes: a multi-model request brings its
/// model's pipeline and an `InvocationTracker`, told when the request has ended.
public final class InvocationService: Sendable {
    /// The model `/invocations` runs; nil in multi-model mode, where each request names its model.
    public let pipeline: InferencePipeline?
    public let pool: WorkerPool
    private let metrics: ServerMetrics?
    private let executor: PoolExecutor
    /// Each event-loop tick's inline budget and the accounting of its inline runs.
    private let ticks: EventLoopTicks
    /// Multi-model mode: every model's own stages are accounted as one container (`predict_fn`),
    /// since the per-container series are shared by all models.
    private let collapsesStages: Bool

    /// - Parameters:
    ///   - pipeline: the model's steps and its content negotiation.
    ///   - pool: the workers (and the permits of inline runs).
    ///   - metrics: where queue wait, model latency, in-flight and rejections go (nil: off).
    public init(pipeline: InferencePipeline, pool: WorkerPool, metrics: ServerMetrics? = nil) {
        self.pipeline = pipeline
        self.pool = pool
        self.metrics = metrics
        self.executor = PoolExecutor(pool: pool)
        self.ticks = EventLoopTicks(perTick: pool.inlinePerTick, metrics: metrics)
        self.collapsesStages = false
    }

    /// Multi-model mode: no model of its own; requests name theirs
    /// (`respond(to:running:route:tracker:on:)`).
    public init(pool: WorkerPool, metrics: ServerMetrics? = nil) {
        self.pipeline = nil
        self.pool = pool
        self.metrics = metrics
        self.executor = PoolExecutor(pool: pool)
        self.ticks = EventLoopTicks(perTick: pool.inlinePerTick, metrics: metrics)
        self.collapsesStages = true
    }

    /// Answers an invocation of the server's model that arrived on `eventLoop`.
    public func respond(to request: Request, on eventLoop: any EventLoop) -> Reply {
        guard let pipeline else { return .now(Response(error: .noDefaultModel()).labelled(.invocations)) }
        return respond(to: request, running: pipeline, route: .invocations, tracker: nil, on: eventLoop)
    }

    /// Answers an invocation of `pipeline` that arrived on `eventLoop`, labelled `route`;
    /// `tracker`, if any, is told once the request has ended (see `InvocationTracker`).
    public func respond(
        to request: Request, running pipeline: InferencePipeline, route: RouteLabel, tracker: (any InvocationTracker)?,
        on eventLoop: any EventLoop
    ) -> Reply {
        let contentType: MediaType
        let accept: MediaType
        do {
            contentType = try pipeline.negotiator.contentType(for: request.headers.contentType)
            accept = try pipeline.negotiator.accept(for: request.headers.accept, requestType: contentType)
        } catch {
            let response = Self.response(failure: error, route: route)
            tracker?.finished(status: response.status.code, modelNanoseconds: 0)
            return .now(response)
        }
        let bytes = request.body.readableBytes
        // With inline runs off (`inlineMaxNanoseconds` 0) the tick's budget is not touched: no
        // reset task per tick on the hop path.
        if pool.inlineMaxNanoseconds > 0, ticks.takeInlineRun(on: eventLoop), pool.tryRunInline(bytes: bytes) {
            return .now(runInline(request, pipeline, contentType: contentType, accept: accept, route: route, tracker: tracker, on: eventLoop))
        }
        let pending = PendingResponse(eventLoop: eventLoop)
        let job = makeJob(request, pipeline, contentType: contentType, accept: accept, route: route, tracker: tracker, pending: pending)
        metrics?.inFlight.increment()
        if case .failure(let refusal) = pool.enqueue(job) {
            metrics?.inFlight.decrement()
            metrics?.rejected.increment()
            tracker?.finished(status: 503, modelNanoseconds: 0)
            return .now(Response(error: .overloaded(refusal), extraHeaders: [("retry-after", "1")]).labelled(route))
        }
        pool.scheduleWake(on: eventLoop)
        return .later(pending)
    }

    /// Runs a small request on the event loop, holding one of the pool's permits.
    private func runInline(
        _ request: Request, _ pipeline: InferencePipeline, contentType: MediaType, accept: MediaType, route: RouteLabel,
        tracker: (any InvocationTracker)?, on eventLoop: any EventLoop
    ) -> Response {
        let accounting = ticks.openWindow(on: eventLoop)
        if let trace = request.trace { accounting?.trace = trace }
        defer { if request.trace != nil { accounting?.trace = nil } }
        let context = InvocationContext(customAttributes: request.headers.customAttributes, stageRecorder: recorder(accounting))
        let started = CPUClock.monotonicNanoseconds()
        metrics?.queueWait.recordNanoseconds(0)
        metrics?.inlineRequests.increment()
        let outcome = pipeline.run(
            request.body, contentType: contentType, accept: accept, context: context, accounting: accounting, startedAt: started)
        pool.finishInline(bytes: request.body.readableBytes, nanoseconds: outcome.modelNanoseconds)
        metrics?.modelLatency.recordNanoseconds(Int64(outcome.modelNanoseconds))
        let response = Self.response(outcome, accept: accept, route: route)
        tracker?.finished(status: response.status.code, modelNanoseconds: outcome.modelNanoseconds)
        return response
    }

    /// The work a worker does for one request: run the pipeline, hand the answer to the request's
    /// event loop.
    private func makeJob(
        _ request: Request, _ pipeline: InferencePipeline, contentType: MediaType, accept: MediaType, route: RouteLabel,
        tracker: (any InvocationTracker)?, pending: PendingResponse
    ) -> WorkerPool.Job {
        let executor = self.executor
        let metrics = self.metrics
        let collapsesStages = self.collapsesStages
        let body = request.body
        let attributes = request.headers.customAttributes
        let trace = request.trace
        let timed = metrics != nil || trace != nil
        let enqueuedAt = timed ? CPUClock.monotonicNanoseconds() : 0
        return WorkerPool.Job(bytes: body.readableBytes) { worker in
            var dequeuedAt: UInt64? = nil
            if timed {
                let now = CPUClock.monotonicNanoseconds()
                metrics?.queueWait.recordNanoseconds(Int64(now &- enqueuedAt))
                trace?.queueWait(from: enqueuedAt, to: now)
                dequeuedAt = now
            }
            defer { metrics?.inFlight.decrement() }
            guard pending.start() else {
                tracker?.finished(status: 504, modelNanoseconds: 0)
                return
            }
            if let trace { worker.accounting?.trace = trace }
            defer { if trace != nil { worker.accounting?.trace = nil } }
            let recorder: (any StageRecorder)? = collapsesStages ? worker.accounting.map(CollapsedStages.init) : worker.accounting
            let context = InvocationContext(customAttributes: attributes, stageRecorder: recorder, executor: executor)
            let outcome = pipeline.run(
                body, contentType: contentType, accept: accept, context: context, accounting: worker.accounting, startedAt: dequeuedAt)
            metrics?.modelLatency.recordNanoseconds(Int64(outcome.modelNanoseconds))
            var answer = Self.response(outcome, accept: accept, route: route)
            if let dequeuedAt { answer.queueNanoseconds = dequeuedAt &- enqueuedAt }
            let response = answer
            tracker?.finished(status: response.status.code, modelNanoseconds: outcome.modelNanoseconds)
            worker.deliver(on: pending.eventLoop) { pending.complete(response) }
        }
    }

    /// The stage recorder a model reports to on this thread.
    @inline(__always)
    private func recorder(_ accounting: StageAccounting?) -> (any StageRecorder)? {
        collapsesStages ? accounting.map(CollapsedStages.init) : accounting
    }

    /// The response for a pipeline run: the encoded answer with the negotiated type, or the error.
    static func response(_ outcome: InferencePipeline.Outcome, accept: MediaType, route: RouteLabel = .invocations) -> Response {
        var response: Response
        switch outcome.result {
        case .success(let bytes):
            response = Response(status: .ok, headers: HTTPHeaders([("content-type", accept.essence)]), body: ByteBuffer(bytes: bytes))
        case .failure(let error):
            response = Response(error: error)
        }
        response.route = route
        response.modelNanoseconds = outcome.modelNanoseconds
        return response
    }

    /// The response for a negotiation failure (415, 406).
    private static func response(failure error: any Error, route: RouteLabel) -> Response {
        let serving = (error as? ServingError) ?? .internalError("\(error)")
        return Response(error: serving).labelled(route)
    }
}
