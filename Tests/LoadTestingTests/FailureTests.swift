import LoadTesting
import Testing

extension LiveTests {
    @Suite("Failures by kind")
    struct FailureTests {
        @Test("a server answering 500 counts every request as a '500' failure, with latency")
        func serverErrorsAreCountedByStatus() async throws {
            try await withTestServer(TestServerBehavior(status: 500)) { server in
                let report = try await LoadRunner(configuration: configuration(server, users(2), maxRequests: 200)).run()
                #expect(report.requests == 200)
                #expect(report.failures == 200)
                #expect(report.failuresByKind == [.status(500): 200])
                #expect(report.latency.count == 200)
            }
        }

        @Test("a server that closes connections without answering gives connection errors")
        func closedConnectionsAreConnectionErrors() async throws {
            try await withTestServer(TestServerBehavior(mode: .closeWithoutResponse)) { server in
                let report = try await LoadRunner(configuration: configuration(server, users(2), duration: .seconds(5), maxRequests: 50)).run()
                #expect(report.requests == 50)
                #expect(report.failuresByKind == [.connectionError: 50])
                #expect(try await server.requestCount() == 50)
            }
        }

        @Test("a server answering with Connection: close is followed by reconnects, not failures")
        func connectionCloseReconnects() async throws {
            try await withTestServer(TestServerBehavior(mode: .respondAndClose)) { server in
                let report = try await LoadRunner(configuration: configuration(server, users(2), duration: .seconds(5), maxRequests: 100)).run()
                #expect(report.requests == 100)
                #expect(report.failures == 0)
                #expect(try await server.requestCount() == 100)
            }
        }

        @Test("a server that never answers gives timeouts after --timeout, and the run still ends")
        func silentServerTimesOut() async throws {
            try await withTestServer(TestServerBehavior(mode: .neverRespond)) { server in
                let started = ContinuousClock.now
                let run = configuration(server, users(2), duration: .milliseconds(500), timeout: .milliseconds(300))
                let report = try await LoadRunner(configuration: run).run()
                // Each user: a request at 0 times out at ~0.3 s, the next (sent at once) at ~0.6 s.
                #expect((2...4).contains(report.requests))
                #expect(report.failuresByKind[.timeout] == report.requests)
                #expect(ContinuousClock.now - started < .seconds(3))
            }
        }

        @Test("nothing listening gives connection errors, not a hang")
        func refusedConnections() async throws {
            let server = try await TestHTTPServer.start(TestServerBehavior())
            let port = server.port
            try await server.shutdown()
            let run = LoadTestConfiguration(
                request: RequestTemplate(target: TargetURL(host: "127.0.0.1", port: port)),
                workload: .openLoop(rate: 20, connections: 4), duration: .milliseconds(500), timeout: .seconds(2)
            )
            let report = try await LoadRunner(configuration: run).run()
            #expect(report.requests == 10)
            #expect(report.failuresByKind == [.connectionError: 10])
        }
    }
}
