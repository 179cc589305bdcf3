import LoadTesting
import Testing

extension LiveTests {
    @Suite("Open-loop arrival rate")
    struct OpenLoopTests {
        @Test("sends rate × duration requests, all answered")
        func arrivalsMatchTheRate() async throws {
            try await withTestServer(TestServerBehavior(delay: .milliseconds(5))) { server in
                let run = configuration(server, .openLoop(rate: 50, connections: 8))
                let report = try await LoadRunner(configuration: run).run()
                #expect(report.requests == 50)
                #expect(report.failures == 0)
                #expect(try await server.requestCount() == 50)
                #expect(report.latency.p50 >= 5 && report.latency.p50 < 50)
                // Latency runs from due times here: nothing for wrk's correction to add.
                #expect(report.wrkCorrectedLatency == nil)
            }
        }

        @Test("--max-requests caps an open-loop run across threads")
        func maxRequestsAcrossThreads() async throws {
            try await withTestServer(TestServerBehavior()) { server in
                var run = configuration(server, .openLoop(rate: 400, connections: 8), maxRequests: 77)
                run.threads = 2
                let report = try await LoadRunner(configuration: run).run()
                #expect(report.requests == 77)
                #expect(try await server.requestCount() == 77)
            }
        }

        @Test("latency includes queueing when the server is slower than the arrival rate (no coordinated omission)")
        func queueingCountsInLatency() async throws {
            // One request at a time, 50 ms each: 20 per second, while 40 per second arrive.
            try await withTestServer(TestServerBehavior(mode: .serial, delay: .milliseconds(50))) { server in
                let closed = try await LoadRunner(configuration: configuration(server, users(1))).run()
                let open = try await LoadRunner(
                    configuration: configuration(
                        server, .openLoop(rate: 40, connections: 8), duration: .milliseconds(1500), timeout: .seconds(10)
                    )
                ).run()
                // Closed loop only sees the service time.
                #expect(closed.latency.p90 < 150)
                // Open loop: the k-th of 60 requests is due at 25k ms and answered at about 50(k+1) ms,
                // so latency grows to about 1.5 s; p90 is near 1.4 s.
                #expect(open.requests == 60)
                #expect(open.failures == 0)
                #expect(open.latency.p90 > 700)
                #expect(open.latency.max > 1000)
            }
        }

        @Test("waiting for a free connection counts in latency")
        func connectionCapQueueing() async throws {
            try await withTestServer(TestServerBehavior(delay: .milliseconds(40))) { server in
                // One connection, 40 ms per request, 50 arrivals a second (20 ms apart).
                let run = configuration(server, .openLoop(rate: 50, connections: 1), duration: .milliseconds(1000))
                let report = try await LoadRunner(configuration: run).run()
                #expect(report.requests == 50)
                #expect(report.latency.max > 600)
            }
        }
    }
}
