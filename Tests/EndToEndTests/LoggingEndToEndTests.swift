import Foundation
import HTTPTestSupport
import Testing

@Suite("Access log and failure log of the real process")
struct LoggingEndToEndTests {
    static let row = "AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"

    /// The JSON lines the process wrote to stdout (its other log lines are not JSON).
    static func accessLines(_ server: SwerveProcess) -> [[String: Any]] {
        server.standardOutput.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    @Test("--access-log: one JSON line per response, naming the request id and trace id the response carried")
    func accessLog() async throws {
        let server = try await SwerveProcess.serve(model: "churn", extraArguments: ["--access-log"])
        defer { server.stop() }
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let ok = try await LoopbackClient.exchange(
            port: server.port,
            invocationRequest(Self.row, contentType: "text/csv", extraHeaders: "X-Request-Id: e2e-1\r\ntraceparent: \(traceparent)\r\n"))
        #expect(ok.status == 200)
        #expect(ok.header("x-request-id") == "e2e-1")
        #expect(ok.header("traceparent") == traceparent)
        let bad = try await LoopbackClient.exchange(port: server.port, invocationRequest("AK,55", contentType: "text/csv"))
        #expect(bad.status == 400)
        var lines: [[String: Any]] = []
        for _ in 0..<200 where lines.count < 2 {
            lines = Self.accessLines(server)
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(lines.count == 2)
        let first = try #require(lines.first)
        #expect(first["request_id"] as? String == "e2e-1")
        #expect(first["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(first["status"] as? Int == 200)
        #expect(first["route"] as? String == "/invocations")
        #expect(first["bytes_in"] as? Int == Self.row.utf8.count)
        #expect(first["bytes_out"] as? Int == ok.body.utf8.count)
        let duration = try #require(first["duration_ms"] as? Double)
        let model = try #require(first["model_ms"] as? Double)
        let queue = try #require(first["queue_ms"] as? Double)
        #expect(model > 0 && duration >= model + queue - 0.002, "the model's and the queue's time are inside the request's")
        let second = try #require(lines.last)
        #expect(second["status"] as? Int == 400)
        #expect(second["error"] as? String == "invalid_input")
        #expect(second["request_id"] as? String == bad.header("x-request-id"))
    }

    @Test("a 5xx (a 504 past the model timeout) is logged once with route, status, cause and request id")
    func serverErrorLogged() async throws {
        let server = try await SwerveProcess.serve(model: "churn", extraArguments: ["--timeout", "0.001"])
        defer { server.stop() }
        let batch = Array(repeating: Self.row, count: 5000).joined(separator: "\n")
        let response = try await LoopbackClient.exchange(
            port: server.port, invocationRequest(batch, contentType: "text/csv", extraHeaders: "X-Request-Id: slow-batch\r\n"))
        #expect(response.status == 504)
        #expect(response.header("x-request-id") == "slow-batch")
        var logged: [Substring] = []
        for _ in 0..<200 where logged.isEmpty {
            logged = server.standardOutput.split(separator: "\n").filter { $0.contains("request failed") }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(logged.count == 1)
        let line = String(logged.first ?? "")
        for part in ["request_id=slow-batch", "route=/invocations", "status=504", "code=model_timeout", "SAGEMAKER_MODEL_SERVER_TIMEOUT"] {
            #expect(line.contains(part), "\(line)")
        }
    }
}
