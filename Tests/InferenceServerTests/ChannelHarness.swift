import CoreMetrics
import Foundation
import HTTPTestSupport
import Logging
import ModelRuntimes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
import Tracing

@testable import InferenceServer

/// One server connection on NIO's thread-safe testing channel: bytes in, responses out, with
/// virtual time for the idle and request timers.
final class TestConnection {
    let channel = NIOAsyncTestingChannel()
    private var parser = ResponseParser()

    init(
        responder: any HTTPResponder, configuration: ServerConfiguration, logger: Logger = Logger(label: "swerve"),
        bodySpare: BodyBufferSpare? = nil
    ) async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            try HTTPServer.configurePipeline(
                channel.pipeline.syncOperations, responder: responder, configuration: configuration, logger: logger, bodySpare: bodySpare)
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

/// The server `swerve serve` runs (`SwerveServer`), over `ScriptedModel`, with its router driven
/// through testing channels.
struct TestServer {
    let server: SwerveServer
    let logger: Logger

    var configuration: ServerConfiguration { server.configuration }
    var pool: WorkerPool { server.pool }

    /// - Parameter metrics: when given, the server records into it (a `TestMetrics` factory), as
    ///   `swerve serve` records into Prometheus.
    /// - Parameters:
    ///   - logger: the server's log (errors); `accessLogger` gets the access log's lines.
    ///   - tracer: spans go there (nil: the bootstrapped tracer, i.e. none).
    init(
        workers: Int = 2, queueDepth: Int = 64, metrics: (any MetricsFactory)? = nil, sample: SampleRequest? = nil,
        logger: Logger = Logger(label: "swerve"), accessLogger: Logger = Logger(label: "swerve.access"), tracer: (any Tracer)? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = ServerConfiguration()
        configuration.workerCount = workers
        configuration.queueDepth = queueDepth
        configure(&configuration)
        server = try SwerveServer(
            configuration: configuration, model: LoadedModel(name: "scripted", handler: ScriptedModel(), sample: sample),
            metrics: metrics.map { .injected($0) }, logger: logger, tracer: tracer, accessLogger: accessLogger)
        self.logger = logger
        server.pool.start()
    }

    /// - Parameter bodySpare: the kept large body the connection shares, as `HTTPServer` gives
    ///   its connections one.
    func connect(bodySpare: BodyBufferSpare? = nil) async throws -> TestConnection {
        try await TestConnection(responder: server.router, configuration: configuration, logger: logger, bodySpare: bodySpare)
    }

    func stop() async { await server.pool.shutdownGracefully() }
}

/// `POST /invocations` with a text/plain body.
func invocation(_ body: String, extraHeaders: String = "", version: String = "HTTP/1.1") -> String {
    "POST /invocations \(version)\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\(extraHeaders)\r\n\(body)"
}
