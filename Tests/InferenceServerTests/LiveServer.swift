import CoreMetrics
import Foundation
import HTTPTestSupport
import ModelRuntimes
import NIOConcurrencyHelpers

@testable import InferenceServer

/// `SwerveServer.run` over `ScriptedModel` in this process, on a loopback port: the whole
/// server (listener, event loops, workers, services) without a child process, so tests can
/// script the model with gates.
final class LiveServer: Sendable {
    let server: SwerveServer
    let port: Int
    private let task: Task<Void, any Error>

    init(
        workers: Int = 2, sample: SampleRequest? = nil, metrics: (any MetricsFactory)? = nil,
        configure: @Sendable (inout ServerConfiguration) -> Void = { _ in }
    ) async throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.workerCount = workers
        configure(&configuration)
        let server = try SwerveServer(
            configuration: configuration, model: LoadedModel(name: "scripted", handler: ScriptedModel(), sample: sample),
            metrics: metrics.map { .injected($0) })
        self.server = server
        (task, port) = try await startInProcess(server)
    }

    /// `GET /ping` on a new connection (off the cooperative pool).
    func ping() async throws -> TestResponse {
        try await LoopbackClient.exchange(port: port, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
    }

    /// Drains and stops the server, as SIGTERM does, and waits until it has.
    func stop() async {
        await server.shutdown()
        _ = await task.result
    }
}

/// Runs `server` in a task and returns it with the port it bound. Waits up to 60 s: with a
/// hundred tests starting at once on a loaded 2-core machine, a server has taken over 10 s.
func startInProcess(_ server: SwerveServer) async throws -> (Task<Void, any Error>, Int) {
    let bound = NIOLockedValueBox<Int?>(nil)
    let task = Task { try await server.run(shutdownSignals: []) { port in bound.withLockedValue { $0 = port } } }
    let deadline = Date().addingTimeInterval(60)
    while bound.withLockedValue({ $0 }) == nil {
        guard Date() < deadline else {
            await server.shutdown()
            throw TestTimeout()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    return (task, bound.withLockedValue { $0 }!)
}
