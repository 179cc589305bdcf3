import Foundation
import HTTPTestSupport
@testable import InferenceServer
import ModelRuntimes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// One server connection on NIO's thread-safe testing channel: bytes in, responses out, with
/// virtual time for the idle and request timers.
final class TestConnection {
    let channel = NIOAsyncTestingChannel()
    private var parser = ResponseParser()

    init(router: Router, configuration: ServerConfiguration) async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            try HTTPServer.configurePipeline(channel.pipeline.syncOperations, router: router, configuration: configuration)
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
    }

    /// Delivers bytes as if read from the socket, then runs the tasks they scheduled (the
    /// worker wake-up the event loop defers to the end of its tick).
    func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) async throws {
        try await channel.writeInbound(ByteBuffer(bytes: bytes))
        await channel.testingEventLoop.run()
    }

    /// The next response, waiting up to `seconds` of real time for workers to answer.
    func response(within seconds: Double = 20) async throws -> TestResponse {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let response = parser.next() { return response }
            if let data = try await channel.readOutbound(as: IOData.self) {
                switch data {
                case .byteBuffer(let buffer): parser.append(buffer.readableBytesView)
                case .fileRegion: Issue.record("unexpected file region")
                }
                continue
            }
            if Date() > deadline { throw TestTimeout() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// True when no response bytes arrive within `seconds` (bytes that do arrive are kept for
    /// `response()`).
    func isSilent(for seconds: Double) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        var silent = parser.buffer.isEmpty
        while let data = try await channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { parser.append(buffer.readableBytesView) }
            silent = false
        }
        return silent
    }

    var isActive: Bool { channel.isActive }

    func advanceTime(by amount: TimeAmount) async {
        await channel.testingEventLoop.advanceTime(by: amount)
    }
}

struct TestTimeout: Error {}

/// A router over `ScriptedModel` and a real worker pool.
struct TestServer {
    let configuration: ServerConfiguration
    let pool: WorkerPool
    let router: Router

    /// - Parameter metrics: when given, the server records into it, as `swerve serve` does.
    init(
        workers: Int = 2, queueDepth: Int = 64, metrics: ServerMetrics? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = ServerConfiguration()
        configuration.workerCount = workers
        configuration.queueDepth = queueDepth
        configure(&configuration)
        self.configuration = configuration
        pool = WorkerPool(workerCount: workers, queueDepth: queueDepth, maxQueuedBytes: configuration.queueMaxBytes, metrics: metrics)
        pool.start()
        let pipeline = try InferencePipeline(handler: ScriptedModel(), defaultAccept: nil)
        let render: @Sendable () -> Response = { Response.json("{}") }
        let endpoint = metrics == nil ? nil : render
        router = Router(
            invocations: InvocationsEndpoint(pipeline: pipeline, pool: pool, metrics: metrics), configuration: configuration,
            metricsEndpoint: endpoint, metrics: metrics)
    }

    func connect() async throws -> TestConnection {
        try await TestConnection(router: router, configuration: configuration)
    }

    func stop() async { await pool.shutdownGracefully() }
}

/// `POST /invocations` with a text/plain body.
func invocation(_ body: String, extraHeaders: String = "", version: String = "HTTP/1.1") -> String {
    "POST /invocations \(version)\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\(extraHeaders)\r\n\(body)"
}
