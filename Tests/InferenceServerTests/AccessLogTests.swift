import Foundation
import Logging
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Access log: one JSON line per response, sampled and capped, errors always")
struct AccessLogTests {
    static func json(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("a line has time, method, route, status, bytes, latencies, request id and trace id")
    func lineFields() async throws {
        let log = LogCapture()
        let server = try TestServer(accessLogger: log.logger) {
            $0.accessLog.enabled = true
            $0.inlineMaxMicroseconds = 0
        }
        let connection = try await server.connect()
        try await connection.send(invocation("echo:hello", extraHeaders: "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"))
        let response = try await connection.response()
        try await connection.send("GET /nowhere?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await connection.response().status == 404)
        let lines = log.entries.map(\.message)
        #expect(lines.count == 2)
        let line = try Self.json(try #require(lines.first))
        #expect(line["method"] as? String == "POST")
        #expect(line["route"] as? String == "/invocations")
        #expect(line["path"] as? String == "/invocations")
        #expect(line["status"] as? Int == 200)
        #expect(line["bytes_in"] as? Int == "echo:hello".utf8.count)
        #expect(line["bytes_out"] as? Int == 5)
        #expect(line["request_id"] as? String == response.header("x-request-id"))
        #expect(line["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        let duration = try #require(line["duration_ms"] as? Double)
        let model = try #require(line["model_ms"] as? Double)
        let queue = try #require(line["queue_ms"] as? Double)
        // (The testing channel's clock is virtual: duration_ms against real latencies is checked end to end.)
        #expect(duration >= 0 && model > 0 && queue >= 0)
        let time = try #require(line["time"] as? String)
        #expect(time.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil)
        let notFound = try Self.json(lines[1])
        #expect(notFound["route"] as? String == "other")
        #expect(notFound["path"] as? String == "/nowhere")
        #expect(notFound["error"] as? String == "not_found")
        #expect(notFound["trace_id"] is NSNull)
        await server.stop()
    }

    @Test("sampling 0 writes no successful line but every 4xx and 5xx")
    func errorsBypassSampling() async throws {
        let log = LogCapture()
        let server = try TestServer(accessLogger: log.logger) {
            $0.accessLog.enabled = true
            $0.accessLog.sampleRate = 0
        }
        let connection = try await server.connect()
        for body in ["echo:a", "bad", "echo:b", "crash", "echo:c"] {
            try await connection.send(invocation(body))
            _ = try await connection.response()
        }
        let statuses = try log.entries.map { try Self.json($0.message)["status"] as? Int }
        #expect(statuses == [400, 500])
        await server.stop()
    }

    @Test("one line in round(1/rate) successful responses, and at most the cap per second")
    func samplingAndCap() async throws {
        var configuration = AccessLogConfiguration()
        configuration.enabled = true
        configuration.sampleRate = 0.25
        configuration.maxLinesPerSecond = 0
        let sampledLog = LogCapture()
        let sampled = AccessLog(configuration: configuration, logger: sampledLog.logger)
        var ok = Response(status: .ok)
        ok.route = .invocations
        for _ in 0..<100 { sampled.record(ok, elapsed: .microseconds(50)) }
        #expect(sampledLog.entries.count == 25)

        configuration.sampleRate = 1
        configuration.maxLinesPerSecond = 10
        let cappedLog = LogCapture()
        let capped = AccessLog(configuration: configuration, logger: cappedLog.logger)
        for _ in 0..<1000 { capped.record(ok, elapsed: .microseconds(50)) }
        let failed = Response(error: .invalidInput("x"))
        for _ in 0..<5 { capped.record(failed, elapsed: .microseconds(50)) }
        // 1000 records take far less than a second here, but may straddle one second boundary.
        let successes = cappedLog.entries.count - 5
        #expect(successes >= 10 && successes <= 20)
        #expect(capped.cappedLines == UInt64(1000 - successes))
        #expect(cappedLog.entries.suffix(5).allSatisfy { $0.message.contains(#""status":400"#) })
    }

    @Test("off by default; the environment turns it on and sets sampling")
    func configuration() throws {
        #expect(ServerConfiguration().accessLog.enabled == false)
        let configured = try ServerConfiguration(environment: [
            "SWERVE_ACCESS_LOG": "on", "SWERVE_ACCESS_LOG_SAMPLE": "0.1", "SWERVE_ACCESS_LOG_MAX_PER_SECOND": "50",
            "SWERVE_ACCESS_LOG_ERRORS": "sampled",
        ])
        #expect(configured.accessLog.enabled)
        #expect(configured.accessLog.sampleRate == 0.1)
        #expect(configured.accessLog.sampleEvery == 10)
        #expect(configured.accessLog.maxLinesPerSecond == 50)
        #expect(configured.accessLog.logAllErrors == false)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(environment: ["SWERVE_ACCESS_LOG_SAMPLE": "2"]) }
    }

    @Test("timestamps are RFC 3339 UTC with milliseconds")
    func timestamp() {
        var bytes: [UInt8] = []
        AccessLog.appendTimestamp(1_795_995_600_123_000_000, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "2026-11-29T23:40:00.123Z")
    }
}
