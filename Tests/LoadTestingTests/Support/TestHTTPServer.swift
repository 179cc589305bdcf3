import LoadTesting
import NIOCore
import NIOHTTP1
import NIOPosix

/// How the test server answers. One value per server, so a test states its server in one line.
struct TestServerBehavior: Sendable {
    enum Mode: Sendable {
        /// Answer every request after `delay`, concurrently.
        case respond
        /// Answer one request at a time, each taking `delay` (a server with one worker).
        case serial
        /// Answer with `Connection: close` and close.
        case respondAndClose
        /// Close the connection without answering.
        case closeWithoutResponse
        /// Never answer.
        case neverRespond
    }

    var mode = Mode.respond
    var status = 200
    var delay: Duration = .zero
    /// Answer with chunked bodies (no Content-Length), as NIO's encoder then frames them.
    var chunked = false
    /// When set, `GET /metrics` returns `process_cpu_seconds_total` = requests × this.
    var cpuSecondsPerRequest: Double?
}

/// A small HTTP/1.1 server on loopback and an ephemeral port, on one event-loop thread, whose
/// state (the request count, the serial queue) is confined to that thread.
final class TestHTTPServer: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let state: NIOLoopBound<TestServerState>

    var url: TargetURL { TargetURL(host: "127.0.0.1", port: self.port, pathAndQuery: "/invocations") }

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: Channel, state: NIOLoopBound<TestServerState>) {
        self.port = port
        self.group = group
        self.channel = channel
        self.state = state
    }

    static func start(_ behavior: TestServerBehavior) async throws -> TestHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let state = try await loop.submit { NIOLoopBound(TestServerState(behavior: behavior), eventLoop: loop) }.get()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(TestServerHandler(state: state.value))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPServer(port: channel.localAddress!.port!, group: group, channel: channel, state: state)
    }

    /// Requests received so far (not counting `/metrics`).
    func requestCount() async throws -> Int {
        try await self.channel.eventLoop.submit { self.state.value.requests }.get()
    }

    /// Bodies received so far, in order (the first 1000).
    func bodiesReceived() async throws -> [String] {
        try await self.channel.eventLoop.submit { self.state.value.bodies }.get()
    }

    /// Request heads received so far (the first 1000).
    func headsReceived() async throws -> [HTTPRequestHead] {
        try await self.channel.eventLoop.submit { self.state.value.heads }.get()
    }

    func shutdown() async throws {
        try await self.channel.close()
        try await self.group.shutdownGracefully()
    }
}

/// Runs `body` with a fresh server, shutting it down afterwards whatever happens.
func withTestServer<T>(_ behavior: TestServerBehavior, _ body: (TestHTTPServer) async throws -> T) async throws -> T {
    let server = try await TestHTTPServer.start(behavior)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

final class TestServerState {
    let behavior: TestServerBehavior
    var requests = 0
    var bodies: [String] = []
    var heads: [HTTPRequestHead] = []
    /// When the single worker of `.serial` is next free.
    var serialFreeAt = NIODeadline.uptimeNanoseconds(0)

    init(behavior: TestServerBehavior) { self.behavior = behavior }
}

private final class TestServerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: TestServerState
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(state: TestServerState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body.clear()
        case .body(var part): self.body.writeBuffer(&part)
        case .end: self.requestEnded(context: context)
        }
    }

    private func requestEnded(context: ChannelHandlerContext) {
        let behavior = self.state.behavior
        if self.head?.uri == "/metrics", let perRequest = behavior.cpuSecondsPerRequest {
            let text = "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total \(Double(self.state.requests) * perRequest)\n"
            return self.respond(context: context, status: 200, body: text, close: false)
        }
        self.state.requests += 1
        if self.state.bodies.count < 1000, let head = self.head {
            self.state.bodies.append(String(buffer: self.body))
            self.state.heads.append(head)
        }
        let now = NIODeadline.now()
        var due = now + TimeAmount(behavior.delay)
        switch behavior.mode {
        case .neverRespond:
            return
        case .closeWithoutResponse:
            return context.close(promise: nil)
        case .serial:
            due = max(now, self.state.serialFreeAt) + TimeAmount(behavior.delay)
            self.state.serialFreeAt = due
        case .respond, .respondAndClose:
            break
        }
        let close = behavior.mode == .respondAndClose
        guard due > now else { return self.respond(context: context, status: behavior.status, body: "ok", close: close) }
        context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            self.respond(context: context, status: behavior.status, body: "ok", close: close)
        }
    }

    private func respond(context: ChannelHandlerContext, status: Int, body: String, close: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        if !self.state.behavior.chunked { headers.add(name: "Content-Length", value: String(body.utf8.count)) }
        if close { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if close { context.close(promise: nil) }
        }
    }
}
