import LoadTesting
import Testing

@Suite("Closed-loop users")
struct ClosedLoopTests {
    @Test("sends exactly --max-requests requests and the server receives exactly that many")
    func exactRequestCount() async throws {
        try await withTestServer(TestServerBehavior()) { server in
            let configuration = LoadTestConfiguration(
                request: RequestTemplate(target: server.url, bodies: [Array("1,2,3".utf8)]),
                workload: .closedLoop(users: 4, spawnRate: nil, pacing: .zero),
                duration: .seconds(30), maxRequests: 500, timeout: .seconds(5)
            )
            let report = try await LoadRunner(configuration: configuration).run()
            #expect(report.requests == 500)
            #expect(report.failures == 0)
            #expect(try await server.requestCount() == 500)
            #expect(report.latency.count == 500)
        }
    }

    @Test("a server that takes 20 ms gives p50 of at least 20 ms and well under 60 ms")
    func percentilesFollowServerDelay() async throws {
        try await withTestServer(TestServerBehavior(delay: .milliseconds(20))) { server in
            let configuration = LoadTestConfiguration(
                request: RequestTemplate(target: server.url),
                workload: .closedLoop(users: 2, spawnRate: nil, pacing: .zero),
                duration: .seconds(1), timeout: .seconds(5)
            )
            let report = try await LoadRunner(configuration: configuration).run()
            #expect(report.requests > 20)
            #expect(report.latency.p50 >= 20 && report.latency.p50 < 60)
            #expect(report.latency.min >= 20)
            #expect(report.latency.p90 >= report.latency.p50 && report.latency.max >= report.latency.p99)
        }
    }
}
