import Foundation
import Testing

@testable import LoadTesting

extension LiveTests {
    @Suite("Closed-loop users")
    struct ClosedLoopTests {
        @Test("sends exactly --max-requests requests and the server receives exactly that many")
        func exactRequestCount() async throws {
            try await withTestServer(TestServerBehavior()) { server in
                let run = configuration(server, users(4), duration: .seconds(30), maxRequests: 500, bodies: [Array("1,2,3".utf8)])
                let report = try await LoadRunner(configuration: run).run()
                #expect(report.requests == 500)
                #expect(report.failures == 0)
                #expect(report.latency.count == 500)
                #expect(try await server.requestCount() == 500)
            }
        }

        @Test("a server that takes 20 ms gives p50 of at least 20 ms and well under 60 ms")
        func percentilesFollowServerDelay() async throws {
            try await withTestServer(TestServerBehavior(delay: .milliseconds(20))) { server in
                let report = try await LoadRunner(configuration: configuration(server, users(2))).run()
                #expect(report.requests > 20)
                #expect(report.latency.min >= 20)
                #expect(report.latency.p50 >= 20 && report.latency.p50 < 60)
                #expect(report.latency.p90 >= report.latency.p50 && report.latency.max >= report.latency.p99)
            }
        }

        @Test("pacing limits each user to one request per interval, measured from the send")
        func pacingBoundsTheRate() async throws {
            try await withTestServer(TestServerBehavior(delay: .milliseconds(10))) { server in
                let run = configuration(server, users(2, pacing: .milliseconds(200)), duration: .milliseconds(1000))
                let report = try await LoadRunner(configuration: run).run()
                // 2 users × one request every 200 ms over 1 s = 10 (the sends at 0, 200, ..., 800 ms).
                #expect((8...10).contains(report.requests))
                #expect(report.failures == 0)
            }
        }

        @Test(
            "users spawn at the spawn rate, and the time series shows them",
            .disabled(
                if: ProcessInfo.processInfo.environment["SWERVE_SANITIZER"] != nil,
                "a spawn schedule in real time; a sanitizer's slowdown shifts it (RELIABILITY.md section 2)"))
        func spawnRateRampsUsers() async throws {
            try await withTestServer(TestServerBehavior(delay: .milliseconds(5))) { server in
                let workload = Workload.closedLoop(users: 4, spawnRate: 2, pacing: .milliseconds(100))
                let report = try await LoadRunner(configuration: configuration(server, workload, duration: .milliseconds(2500))).run()
                let users = report.timeSeries.map(\.users)
                #expect(users.count >= 2)
                // User k starts at k/2 s: a point taken t seconds in shows at most ⌊2t⌋ + 1 users
                // (the first is usually taken at 1 s, with 3; on a loaded machine it can come late).
                for point in report.timeSeries {
                    #expect(point.users <= min(4, Int(point.elapsedSeconds * 2) + 1), "\(point.users) users at \(point.elapsedSeconds) s")
                }
                #expect(users.first! < 4 || report.timeSeries.first!.elapsedSeconds >= 1.5)
                #expect(users.max() == 4)
                // User k starts at k/2 s and sends every 100 ms until 2.5 s: 25 + 20 + 15 + 10 = 70.
                #expect((55...72).contains(report.requests))
            }
        }

        @Test("chunked responses are framed: every request gets its response on a kept-alive connection")
        func chunkedResponses() async throws {
            try await withTestServer(TestServerBehavior(chunked: true)) { server in
                let run = configuration(server, users(3), duration: .seconds(30), maxRequests: 300)
                let report = try await LoadRunner(configuration: run).run()
                #expect(report.requests == 300)
                #expect(report.failures == 0)
                #expect(try await server.requestCount() == 300)
            }
        }

        @Test("the report carries wrk's coordinated-omission-corrected latency next to the measured one")
        func wrkCorrectedLatency() async throws {
            try await withTestServer(TestServerBehavior(delay: .milliseconds(5))) { server in
                let report = try await LoadRunner(configuration: configuration(server, users(2), maxRequests: 100)).run()
                let corrected = try #require(report.wrkCorrectedLatency)
                #expect(corrected.count >= report.latency.count)
                #expect(corrected.max == report.latency.max)
                #expect(TextReport.render(report).contains("wrk-style"))
            }
        }

        @Test("bodies from a body file are sent in turn")
        func bodiesAreCycled() async throws {
            try await withTestServer(TestServerBehavior()) { server in
                let bodies = BodySource.lines(of: Array("{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}\n".utf8))
                #expect(bodies.count == 3)
                let run = configuration(server, users(1), duration: .seconds(10), maxRequests: 9, bodies: bodies)
                let report = try await LoadRunner(configuration: run).run()
                #expect(report.requests == 9)
                #expect(try await server.bodiesReceived() == Array(repeating: ["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], count: 3).flatMap { $0 })
            }
        }
    }
}
