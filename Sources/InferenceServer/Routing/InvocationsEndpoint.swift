import ModelRuntimes
import NIOCore
import NIOHTTP1

/// `POST /invocations`: negotiates the content types (415/406 at once, on the event loop), then
/// queues the request for a model worker (503 with Retry-After when the queue is full).
public struct InvocationsEndpoint: Sendable {
    public let pipeline: InferencePipeline
    public let pool: WorkerPool
    public let metrics: ServerMetrics?
    private let executor: PoolExecutor

    /// - Parameter metrics: where queue wait, model latency, in-flight and rejections go (nil: off).
    public init(pipeline: InferencePipeline, pool: WorkerPool, metrics: ServerMetrics? = nil) {
        self.pipeline = pipeline
        self.pool = pool
        self.metrics = metrics
        self.executor = PoolExecutor(pool: pool)
    }

    func handle(_ request: Request, eventLoop: any EventLoop, connection: NIOLoopBound<HTTPConnectionHandler>) -> Router.Outcome {
        let contentType: MediaType
        let accept: MediaType
        do {
            contentType = try pipeline.negotiator.contentType(for: request.headers.contentType)
            accept = try pipeline.negotiator.accept(for: request.headers.accept, requestType: contentType)
        } catch let error as ServingError {
            return .respond(.error(error))
        } catch {
            return .respond(.error(.internalError("\(error)")))
        }
        let attributes = request.headers.customAttributes
        let ticket = InvocationTicket()
        let pipeline = self.pipeline, executor = self.executor, metrics = self.metrics, body = request.body
        let enqueuedAt = metrics == nil ? 0 : CPUClock.monotonicNanoseconds()
        let job = WorkerPool.Job(bytes: body.readableBytes) { worker in
            var dequeuedAt: UInt64? = nil
            if let metrics {
                let now = CPUClock.monotonicNanoseconds()
                metrics.queueWait.recordNanoseconds(Int64(now &- enqueuedAt))
                dequeuedAt = now
            }
            defer { metrics?.inFlight.decrement() }
            guard ticket.start() else { return }
            let context = InvocationContext(customAttributes: attributes, stageRecorder: worker.accounting, executor: executor)
            let outcome = pipeline.run(
                body, contentType: contentType, accept: accept, context: context, accounting: worker.accounting, startedAt: dequeuedAt)
            metrics?.modelLatency.recordNanoseconds(Int64(outcome.modelNanoseconds))
            var response: Response
            switch outcome.result {
            case .success(let bytes):
                response = Response(status: .ok, headers: HTTPHeaders([("content-type", accept.essence)]), body: ByteBuffer(bytes: bytes))
            case .failure(let error):
                response = .error(error)
            }
            response.modelNanoseconds = outcome.modelNanoseconds
            let answer = response
            worker.deliver(on: eventLoop) { connection.value.complete(answer, ticket: ticket) }
        }
        metrics?.inFlight.increment()
        guard pool.enqueue(job) else {
            metrics?.inFlight.decrement()
            metrics?.rejected.increment()
            return .respond(.error(.overloaded(queueDepth: pool.queueDepth), extraHeaders: [("retry-after", "1")]))
        }
        pool.scheduleWake(on: eventLoop)
        return .pending(ticket)
    }
}
