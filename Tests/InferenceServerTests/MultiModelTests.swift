import Foundation
import HTTPTestSupport
import ModelRuntimes
import NIOConcurrencyHelpers
import Testing

@testable import InferenceServer

/// A multi-model `SwerveServer` in this process, serving `ScriptedModel` directories, so tests
/// can hold requests with gates and rank labels on a short interval.
final class MultiModelLiveServer: Sendable {
    let server: SwerveServer
    let port: Int
    let folder: String
    private let task: Task<Void, any Error>

    init(workers: Int = 2, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.workerCount = workers
        configuration.multiModel.enabled = true
        configure(&configuration)
        var registry = HandlerRegistry.builtIn
        registry.register(ScriptedModel.self, as: "scripted")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-mme-live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #"{"format": "swerve-model/v1", "name": "scripted", "handler": "scripted"}"#.write(
            toFile: folder + "/manifest.json", atomically: true, encoding: .utf8)
        let server = try SwerveServer(
            configuration: configuration, serving: .multiple(registry: registry), metrics: .standard(emfEnabled: false))
        self.server = server
        (task, port) = try await startInProcess(server)
    }

    /// One exchange on a new connection, on a thread of its own (a blocking socket must not hold
    /// a thread of the cooperative pool that the tests running beside this one need).
    func exchange(_ request: String) async throws -> TestResponse {
        let port = self.port
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try LoopbackClient.exchange(port: port, request) }) }
        }
    }

    func load(_ name: String) async throws -> TestResponse {
        try await exchange(invocationRequest(#"{"model_name": "\#(name)", "url": "\#(folder)"}"#, path: "/models"))
    }

    func invoke(_ name: String, _ body: String) async throws -> TestResponse {
        try await exchange(invocationRequest(body, contentType: "text/plain", path: "/models/\(name)/invoke"))
    }

    func metrics() async throws -> HTTPTestSupport.PrometheusText {
        try HTTPTestSupport.PrometheusText(try await exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").body)
    }

    func stop() async {
        await server.shutdown()
        _ = await task.result
        try? FileManager.default.removeItem(atPath: folder)
    }
}

@Suite("Multi-model mode in process: unloading around requests in flight, label ranking", .serialized)
struct MultiModelTests {
    @Test("DELETE waits for the model's request in flight; meanwhile the model is 404 and its name taken")
    func unloadWaitsForTheRequestInFlight() async throws {
        let server = try await MultiModelLiveServer()
        #expect(try await server.load("held").status == 200)
        #expect(try await server.load("other").status == 200)
        let gate = "unload-\(UUID())"
        let held = Task { try await server.invoke("held", "wait:\(gate)") }
        try await eventually { try await server.exchange("GET /models/held HTTP/1.1\r\nHost: x\r\n\r\n").body.contains(#""inFlight":1"#) }

        let deleteAnswered = ManagedFlag()
        let deleting = Task {
            let response = try await server.exchange("DELETE /models/held HTTP/1.1\r\nHost: x\r\n\r\n")
            deleteAnswered.set()
            return response
        }
        try await eventually { try await server.exchange("GET /models/held HTTP/1.1\r\nHost: x\r\n\r\n").status == 404 }
        // Longer than the loader waits for a released pipeline's last holder: only the in-flight
        // count holds the DELETE back this long.
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await server.invoke("held", "echo:late").status == 404, "no new request once the unload began")
        #expect(try await server.load("held").status == 409, "the name is taken until the memory is released")
        #expect(try await server.invoke("other", "echo:fine").body == "fine", "other models serve on")
        #expect(!deleteAnswered.isSet, "DELETE waits for the request in flight")
        Gates.shared.open(gate)
        #expect(try await held.value.body == "released \(gate)")
        let deleted = try await deleting.value
        #expect(deleted.status == 200)
        #expect(deleted.body.contains(#""modelName":"held""#))
        #expect(try await server.load("held").status == 200)
        await server.stop()
    }

    @Test("a request whose model is unloaded under it gets its answer or 404, never a crash")
    func invocationsRaceUnloads() async throws {
        let server = try await MultiModelLiveServer(workers: 3)
        let stop = ManagedFlag()
        let statuses = NIOLockedValueBox<[Int: Int]>([:])
        // Plain threads: blocking sockets must not sit on the cooperative pool the server uses.
        let finished = DispatchGroup()
        for _ in 0..<3 {
            finished.enter()
            Thread.detachNewThread {
                while !stop.isSet {
                    let request = invocationRequest("echo:x", contentType: "text/plain", path: "/models/flicker/invoke")
                    let status = (try? LoopbackClient.exchange(port: server.port, request).status) ?? -1
                    statuses.withLockedValue { $0[status, default: 0] += 1 }
                }
                finished.leave()
            }
        }
        for _ in 0..<40 {
            #expect(try await server.load("flicker").status == 200)
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await server.exchange("DELETE /models/flicker HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
        }
        stop.set()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                finished.wait()
                continuation.resume()
            }
        }
        let seen = statuses.withLockedValue { $0 }
        #expect(Set(seen.keys).isSubset(of: [200, 404]), "\(seen)")
        #expect(seen[200, default: 0] > 0 && seen[404, default: 0] > 0, "\(seen)")
        #expect(try await server.metrics().value("swerve_loaded_models") == 0)
        await server.stop()
    }

    @Test("labels go to the busiest models at each ranking; the others count under other")
    func labelsFollowTraffic() async throws {
        let server = try await MultiModelLiveServer {
            $0.multiModel.metricLabels = 2
            $0.multiModel.labelRankInterval = .milliseconds(200)
        }
        for name in ["first", "second", "busy", "busier"] { #expect(try await server.load(name).status == 200) }
        func labels() async throws -> Set<String> {
            Set(try await server.metrics().samples.filter { $0.name == MetricNames.modelLoads }.compactMap { $0.labels["model"] })
        }
        #expect(try await labels() == ["first", "second", "other"], "the first two loads took the free labels")
        for _ in 0..<6 { _ = try await server.invoke("busier", "echo:b") }
        for _ in 0..<3 { _ = try await server.invoke("busy", "echo:b") }
        try await eventually { try await labels() == ["busy", "busier", "other"] }
        for _ in 0..<4 { _ = try await server.invoke("busier", "echo:b") }
        let metrics = try await server.metrics()
        // busier's and busy's requests before their promotion counted under other; a promoted
        // model's series starts at 0; first and second had none, so nothing was lost with them.
        #expect(metrics.value(MetricNames.modelInvocations, ["model": "busier", "status": "2xx"]) >= 4)
        #expect(metrics.sum(MetricNames.modelInvocations, ["status": "2xx"]) == 13)
        #expect(metrics.value(MetricNames.loadedModels) == 4)
        await server.stop()
    }
}

/// A flag set once, read from other tasks.
final class ManagedFlag: Sendable {
    private let box = NIOLockedValueBox(false)
    var isSet: Bool { box.withLockedValue { $0 } }
    func set() { box.withLockedValue { $0 = true } }
}

/// Polls `condition` every 20 ms for up to 30 s (the whole suite runs beside it); throws
/// `TestTimeout` if it never holds.
func eventually(_ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestTimeout()
}

@Suite("Multi-model routes and what single-model mode makes of them")
struct MultiModelRouteTests {
    @Test(
        "paths map to a closed set of route labels, whatever the model name",
        arguments: [
            ("/models", RouteLabel.models), ("/models/a", .model), ("/models/a.b-c_d/invoke", .modelInvocation),
            ("/models/", .other), ("/models/a/b", .other), ("/models/a/invoke/b", .other), ("/models//invoke", .other),
            ("/modelsx", .other), ("/invocations", .invocations),
        ] as [(String, RouteLabel)])
    func labels(path: String, route: RouteLabel) {
        #expect(RouteLabel(path: path[...]) == route)
    }

    @Test("single-model mode answers /models with 404 labelled other, and has no /models series")
    func singleModelIgnoresModelRoutes() async throws {
        let factory = PreciseTestMetrics()
        let server = try TestServer(metrics: factory)
        let connection = try await server.connect()
        for request in ["GET /models HTTP/1.1", "POST /models/a/invoke HTTP/1.1", "DELETE /models/a HTTP/1.1"] {
            try await connection.send("\(request)\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            let response = try await connection.response()
            #expect(response.status == 404)
            #expect(response.body.contains("routes: GET /ping, POST /invocations"))
        }
        await server.stop()
        let other = try factory.kit.expectCounter(MetricNames.requests, [(MetricNames.route, "other"), (MetricNames.status, "4xx")])
        #expect(other.totalValue == 3)
        for route in [RouteLabel.models, .model, .modelInvocation] {
            #expect(throws: (any Error).self) {
                try factory.kit.expectCounter(MetricNames.requests, [(MetricNames.route, route.name), (MetricNames.status, "4xx")])
            }
        }
        #expect(throws: (any Error).self) { try factory.kit.expectCounter(MetricNames.modelLoads, [(MetricNames.model, "other")]) }
    }

    @Test("SageMaker's and Swerve's multi-model variables are read; a bad value names its variable")
    func configuration() throws {
        let configuration = try ServerConfiguration(environment: [
            "SAGEMAKER_MULTI_MODEL": "true", "SWERVE_MODEL_MEMORY_MB": "512", "SWERVE_EVICT_LRU": "on", "SWERVE_MODEL_METRIC_LABELS": "7",
        ])
        #expect(configuration.multiModel.enabled)
        #expect(configuration.multiModel.budget == MemoryBudget(bytes: 512 << 20, evictsLeastRecentlyUsed: true))
        #expect(configuration.multiModel.metricLabels == 7)
        let defaults = try ServerConfiguration(environment: [:]).multiModel
        #expect(!defaults.enabled)
        #expect(defaults.budget.bytes == Int(ProcessSampler.memoryLimitBytes() * MemoryBudget.defaultShare))
        #expect(!defaults.budget.evictsLeastRecentlyUsed)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(environment: ["SWERVE_MODEL_MEMORY_MB": "lots"]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(environment: ["SAGEMAKER_MULTI_MODEL": "maybe"]) }
    }
}
