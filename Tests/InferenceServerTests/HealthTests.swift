import Foundation
import HTTPTestSupport
import ModelRuntimes
import Testing

@testable import InferenceServer

@Suite("/ping tells a load balancer the truth")
struct HealthTests {
    @Test("every worker hung past the model timeout: /ping is 503, and 200 again once one frees up")
    func hungWorkers() async throws {
        let server = try await LiveServer(workers: 2) { $0.requestTimeout = .milliseconds(200) }
        let gates = (0..<2).map { "hung-\($0)-\(UUID())" }
        let clients = try gates.map { gate in
            let client = try LoopbackClient(port: server.port, timeout: 20)
            try client.send(invocationRequest("wait:\(gate)", contentType: "text/plain"))
            return client
        }
        for client in clients { #expect(try await client.response().status == 504) }
        var stuck = try await server.ping()
        try await waitUntil {
            stuck = try await server.ping()
            return stuck.status == 503
        }
        #expect(stuck.body.contains("all 2 workers have been running one request for more than 0.2 s"), "\(stuck.body)")
        Gates.shared.open(gates[0])
        try await waitUntil { try await server.ping().status == 200 }
        Gates.shared.open(gates[1])
        await server.stop()
    }

    @Test("one worker hung and one free: /ping stays 200")
    func oneWorkerHung() async throws {
        let server = try await LiveServer(workers: 2) { $0.requestTimeout = .milliseconds(100) }
        let gate = "one-hung-\(UUID())"
        let client = try LoopbackClient(port: server.port, timeout: 20)
        try await client.send(invocationRequest("wait:\(gate)", contentType: "text/plain"))
        #expect(try await client.response().status == 504)
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await server.ping().status == 200)
        Gates.shared.open(gate)
        await server.stop()
    }

    @Test("/ping is answered while every worker is busy")
    func pingDoesNotWaitBehindInference() async throws {
        let server = try await LiveServer(workers: 1)
        let gate = "busy-\(UUID())"
        let clients = try (0..<3).map { _ in
            let client = try LoopbackClient(port: server.port, timeout: 20)
            try client.send(invocationRequest("wait:\(gate)", contentType: "text/plain"))
            return client
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await server.ping().status == 200)
        Gates.shared.open(gate)
        for client in clients { #expect(try await client.response().status == 200) }
        await server.stop()
    }

    @Test("the deep check catches a model that starts failing")
    func deepCheck() async throws {
        let gate = "probe-\(UUID())"
        let server = try await LiveServer(sample: ScriptedModel.sample(failingAfter: gate)) {
            $0.deepHealthCheck = true
            $0.deepHealthInterval = .milliseconds(50)
        }
        try await waitUntil { try await server.ping().status == 200 }
        Gates.shared.open(gate)
        var failing = try await server.ping()
        try await waitUntil {
            failing = try await server.ping()
            return failing.status == 503
        }
        #expect(failing.body.contains("the model's sample request failed: 500 internal_error: the scripted model broke"), "\(failing.body)")
        await server.stop()
    }

    @Test("the deep check needs a sample request")
    func deepCheckWithoutSample() throws {
        var configuration = ServerConfiguration()
        configuration.deepHealthCheck = true
        #expect(throws: ConfigurationError.self) {
            _ = try SwerveServer(configuration: configuration, model: LoadedModel(name: "scripted", handler: ScriptedModel()), metrics: nil)
        }
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; records an issue if it never holds.
func waitUntil(seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(seconds) s")
}

@Suite("Small requests run on their event loop")
struct InlineExecutionTests {
    @Test("once the model is measured fast, small requests run inline and are answered and counted like any other")
    func inlineRuns() async throws {
        let factory = PreciseTestMetrics()
        let server = try await LiveServer(workers: 2, metrics: factory) { $0.inlineMaxMicroseconds = 50_000 }
        let client = try LoopbackClient(port: server.port)
        for index in 0..<40 {
            try await client.send(invocationRequest("echo:\(index)", contentType: "text/plain"))
            #expect(try await client.response().body == "\(index)")
        }
        let inline = try factory.kit.expectCounter(MetricNames.inlineRequests).totalValue
        #expect(inline >= 40 - Int64(AdmissionControl.warmUp) - 2, "after the warm-up the requests ran inline: \(inline)")
        #expect(try factory.kit.expectRecorder(MetricNames.modelLatency).values.count == 40)
        let containers = factory.floatingTotal(MetricNames.containerCPU, [(MetricNames.model, "scripted"), (MetricNames.container, "think")])
        #expect(containers > 0)
        await server.stop()
        #expect(factory.floatingTotal(MetricNames.inlineModelCPU) > 0, "the event loops' share of model CPU is reported")
    }

    @Test("a tick runs only its budget of requests inline: of ten pipelined in one write, the second goes to a worker")
    func inlinePerTick() async throws {
        for perTick in [0, 1] {
            let factory = PreciseTestMetrics()
            let server = try await LiveServer(workers: 2, metrics: factory) {
                $0.inlineMaxMicroseconds = 50_000
                $0.inlinePerTick = perTick
            }
            for _ in 0..<AdmissionControl.warmUp { server.server.pool.learn(bytes: 6, nanoseconds: 1000) }
            let client = try LoopbackClient(port: server.port)
            try await client.send((0..<10).map { invocationRequest("echo:\($0)", contentType: "text/plain") }.joined())
            for index in 0..<10 { #expect(try await client.response().body == "\(index)", "answered in order") }
            let inline = try factory.kit.expectCounter(MetricNames.inlineRequests).totalValue
            if perTick == 0 {
                #expect(inline == 10, "no limit: every request ran on its loop")
            } else {
                #expect(inline >= 1 && inline < 10, "the first ran inline, the one after it in the same tick went to a worker: \(inline)")
            }
            await server.stop()
        }
    }

    @Test("with inline runs off, every request goes to a worker")
    func inlineOff() async throws {
        let factory = PreciseTestMetrics()
        let server = try await LiveServer(workers: 2, metrics: factory) { $0.inlineMaxMicroseconds = 0 }
        let client = try LoopbackClient(port: server.port)
        for index in 0..<20 {
            try await client.send(invocationRequest("echo:\(index)", contentType: "text/plain"))
            #expect(try await client.response().status == 200)
        }
        await server.stop()
        #expect(try factory.kit.expectCounter(MetricNames.inlineRequests).totalValue == 0)
    }
}
