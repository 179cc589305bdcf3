import ModelRuntimes
import NIOCore
import NIOHTTP1

/// `POST /invocations`: negotiates the content types (415/406 at once, on the event loop), then
/// queues the request for a model worker (503 with Retry-After when the queue is full).
public struct InvocationsEndpoint: Sendable {
    public let pipeline: InferencePipeline
    public let pool: WorkerPool
    /// Builds the per-request context a handler sees (custom attributes, stage recorder, executor).
    public let makeContext: @Sendable (_ customAttributes: String?) -> InvocationContext

    /// - Parameter makeContext: builds each request's context; by default the custom attributes
    ///   and an executor that lends idle workers of `pool` to large requests.
    public init(
        pipeline: InferencePipeline, pool: WorkerPool,
        makeContext: (@Sendable (_ customAttributes: String?) -> InvocationContext)? = nil
    ) {
        self.pipeline = pipeline
        self.pool = pool
        let executor = PoolExecutor(pool: pool)
        self.makeContext = makeContext ?? { InvocationContext(customAttributes: $0, executor: executor) }
    }

    func handle(_ request: Request, eventLoop: any EventLoop, connection: NIOLoopBound<HTTPConnectionHandler>) -> Router.Outcome {
        let contentType: MediaType
        let accept: MediaType
        do {
            let headers = request.head.headers
            contentType = try pipeline.negotiator.contentType(for: headers.first(name: "content-type"))
            accept = try pipeline.negotiator.accept(for: headers.first(name: "accept"), requestType: contentType)
        } catch let error as ServingError {
            return .respond(.error(error))
        } catch {
            return .respond(.error(.internalError("\(error)")))
        }
        let attributes = request.head.headers.first(name: "x-amzn-sagemaker-custom-attributes")
        let ticket = InvocationTicket()
        let pipeline = self.pipeline, makeContext = self.makeContext, body = request.body
        let job = WorkerPool.Job(bytes: body.readableBytes) { worker in
            guard ticket.start() else { return }
            let outcome = pipeline.run(body, contentType: contentType, accept: accept, context: makeContext(attributes))
            let response: Response
            switch outcome.result {
            case .success(let bytes):
                response = Response(
                    status: .ok, headers: HTTPHeaders([("content-type", accept.essence)]), body: ByteBuffer(bytes: bytes))
            case .failure(let error):
                response = .error(error)
            }
            worker.deliver(on: eventLoop) { connection.value.complete(response, ticket: ticket) }
        }
        guard pool.enqueue(job) else {
            return .respond(.error(.overloaded(queueDepth: pool.queueDepth), extraHeaders: [("retry-after", "1")]))
        }
        pool.scheduleWake(on: eventLoop)
        return .pending(ticket)
    }
}
