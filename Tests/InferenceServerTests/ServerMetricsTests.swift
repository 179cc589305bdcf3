import CoreMetrics
import Foundation
import HTTPTestSupport
import MetricsTestKit
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Server metrics, recorded through swift-metrics' test kit", .serialized)
struct ServerMetricsTests {
    let factory = PreciseTestMetrics()
    var kit: TestMetrics { factory.kit }

    private func makeMetrics() -> ServerMetrics {
        ServerMetrics(factory: factory, model: "scripted", stageNames: ["think"])
    }

    private func requests(_ route: String, _ status: String) throws -> Int64 {
        try kit.expectCounter(MetricNames.requests, [(MetricNames.route, route), (MetricNames.status, status)]).totalValue
    }

    @Test("requests by route and status, model and overhead latency, queue wait, in flight, per container")
    func requestMetrics() async throws {
        let server = try TestServer(metrics: factory)
        let connection = try await server.connect()
        for index in 0..<5 {
            try await connection.send(invocation("echo:\(index)"))
            #expect(try await connection.response().status == 200)
        }
        try await connection.send(invocation("bad"))
        #expect(try await connection.response().status == 400)
        try await connection.send(invocation("crash"))
        #expect(try await connection.response().status == 500)
        for _ in 0..<3 {
            try await connection.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try await connection.response()
        }
        try await connection.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await connection.response()
        await server.stop()

        #expect(try requests("/invocations", "2xx") == 5)
        #expect(try requests("/invocations", "4xx") == 1)
        #expect(try requests("/invocations", "5xx") == 1)
        #expect(try requests("/ping", "2xx") == 3)
        #expect(try requests("other", "4xx") == 1)
        #expect(try kit.expectRecorder(MetricNames.modelLatency).values.count == 7)
        #expect(try kit.expectRecorder(MetricNames.overheadLatency).values.count == 7)
        #expect(try kit.expectRecorder(MetricNames.queueWait).values.count == 7)
        #expect(try kit.expectRecorder(MetricNames.modelLatency).values.allSatisfy { $0 > 0 })
        #expect(try kit.expectMeter(MetricNames.inFlight).lastValue == 0)
        for (container, count) in [("input_fn", 7), ("think", 7), ("output_fn", 5)] {
            let timer = try kit.expectRecorder(MetricNames.containerLatency, [(MetricNames.model, "scripted"), (MetricNames.container, container)])
            #expect(timer.values.count == count, "\(container)")
        }
    }

    @Test("503 rejections are counted")
    func rejections() async throws {
        let server = try TestServer(workers: 1, queueDepth: 1, metrics: factory)
        let busy = try await server.connect()
        let queued = try await server.connect()
        let refused = try await server.connect()
        let gate = "reject-\(UUID())"
        try await busy.send(invocation("wait:\(gate)"))
        while server.pool.waiting > 0 { try await Task.sleep(for: .milliseconds(5)) }
        try await queued.send(invocation("echo:q"))
        try await refused.send(invocation("echo:r"))
        #expect(try await refused.response().status == 503)
        Gates.shared.open(gate)
        _ = try await busy.response()
        _ = try await queued.response()
        await server.stop()
        #expect(try kit.expectCounter(MetricNames.rejected).totalValue == 1)
        #expect(try requests("/invocations", "5xx") == 1)
        #expect(try kit.expectMeter(MetricNames.inFlight).lastValue == 0)
    }

    @Test("container CPU seconds plus worker overhead add up to the workers' thread CPU time")
    func cpuAddsUp() async throws {
        let server = try TestServer(workers: 1, metrics: factory)
        let before = ProcessSampler.threadCPU(server.pool.workerThreads[0])
        let connection = try await server.connect()
        for _ in 0..<4 {
            try await connection.send(invocation("spin:40"))
            #expect(try await connection.response().body == "spun")
        }
        try await Task.sleep(for: .milliseconds(50))
        let after = ProcessSampler.threadCPU(server.pool.workerThreads[0])
        await server.stop()
        let containers = ["input_fn", "think", "output_fn"].map {
            factory.floatingTotal(MetricNames.containerCPU, [(MetricNames.model, "scripted"), (MetricNames.container, $0)])
        }
        let overhead = factory.floatingTotal(MetricNames.workerOverheadCPU)
        let workerCPU = Double(after - before) / 1e9
        #expect(containers[1] > 0.1, "the spinning stage burnt about 160 ms: \(containers)")
        #expect(containers[1] > 10 * (containers[0] + containers[2]), "\(containers)")
        let total = containers.reduce(0, +) + overhead
        #expect(abs(total - workerCPU) < 0.005, "containers \(containers) + overhead \(overhead) vs worker thread \(workerCPU)")
    }

    @Test("the sampler reports process CPU, utilization, resident and relative memory")
    func sampler() throws {
        let metrics = makeMetrics()
        let sampler = ProcessSampler(metrics: metrics, threads: [.init(role: "event_loop", threads: { [pthread_self()] })])
        sampler.sample()
        var x = 0.0
        for i in 0..<3_000_000 { x += Double(i).squareRoot() }
        #expect(x > 0)
        sampler.sample()
        #expect(factory.floatingTotal(MetricNames.processCPU) > 0)
        #expect(factory.floatingTotal(MetricNames.threadCPU, [(MetricNames.role, "event_loop")]) > 0)
        let utilization = try #require(try kit.expectRecorder(MetricNames.cpuUtilization).lastValue)
        #expect(utilization > 0 && utilization <= 100 * Double(ProcessInfo.processInfo.activeProcessorCount) + 5)
        #expect(try #require(try kit.expectRecorder(MetricNames.residentMemory).lastValue) > 1_000_000)
        let memory = try #require(try kit.expectRecorder(MetricNames.memoryUtilization).lastValue)
        #expect(memory > 0 && memory < 100)
        metrics.modelLoaded(seconds: 0.25)
        #expect(try kit.expectRecorder(MetricNames.modelLoad, [(MetricNames.model, "scripted")]).lastValue == 0.25)
    }
}
