import NIOCore
import NIOHTTP1
import NIOPosix

/// A single `GET` on its own connection, answered as status and body text.
///
/// Exists for the side channel of a load test, reading the server's `/metrics` between capacity
/// steps, so those reads never share (or disturb) the connections that carry the load.
enum OneShotRequest {
    static func get(_ url: TargetURL, group: EventLoopGroup, timeout: TimeAmount) async throws -> (status: Int, body: String) {
        let loop = group.next()
        let promise = loop.makePromise(of: (status: Int, body: String).self)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(ChannelError.connectTimeout(timeout)) }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        do {
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(host: url.host, port: url.port).get()
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: url.hostHeader)
            headers.add(name: "Connection", value: "close")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.pathAndQuery, headers: headers)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } catch {
            promise.fail(error)
        }
        return try await promise.futureResult.get()
    }
}

/// Gathers one response into a status and a UTF-8 body.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<(status: Int, body: String)>
    private var status = 0
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<(status: Int, body: String)>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head): self.status = Int(head.status.code)
        case .body(var part): self.body.writeBuffer(&part)
        case .end: self.promise.succeed((self.status, String(buffer: self.body)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }
}
