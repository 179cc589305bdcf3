import Foundation
import HTTPTestSupport
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Routes, statuses and error bodies")
struct RoutingTests {
    private func exchange(_ request: String, server: TestServer) async throws -> TestResponse {
        let connection = try await server.connect()
        try await connection.send(request)
        return try await connection.response()
    }

    @Test("execution parameters report the workers and the payload limit")
    func executionParameters() async throws {
        let server = try TestServer(workers: 3) { $0.maxPayloadBytes = 20 << 20 }
        let response = try await exchange("GET /execution-parameters HTTP/1.1\r\nHost: x\r\n\r\n", server: server)
        #expect(response.status == 200)
        #expect(response.body == #"{"MaxConcurrentTransforms":3,"BatchStrategy":"MULTI_RECORD","MaxPayloadInMB":20}"#)
        #expect(response.header("content-type") == "application/json")
        await server.stop()
    }

    @Test(
        "unknown paths get 404, wrong methods 405 with Allow",
        arguments: [
            ("GET /nope HTTP/1.1", 404, nil),
            ("GET /invocations HTTP/1.1", 405, "POST"),
            ("POST /ping HTTP/1.1", 405, "GET, HEAD"),
            ("DELETE /execution-parameters HTTP/1.1", 405, "GET"),
            ("GET /endpoints/my-endpoint/invocations HTTP/1.1", 405, "POST"),
        ] as [(String, Int, String?)])
    func statuses(line: String, status: Int, allow: String?) async throws {
        let server = try TestServer()
        let response = try await exchange("\(line)\r\nHost: x\r\nContent-Length: 0\r\n\r\n", server: server)
        #expect(response.status == status)
        #expect(response.header("allow") == allow)
        #expect(response.body.hasPrefix(#"{"error":{"code":"#))
        await server.stop()
    }

    @Test("the SageMaker runtime path works like /invocations")
    func runtimePath() async throws {
        let server = try TestServer()
        let response = try await exchange(
            invocation("echo:runtime").replacingOccurrences(of: "/invocations", with: "/endpoints/ep-1/invocations"), server: server)
        #expect(response.body == "runtime")
        await server.stop()
    }

    @Test("model errors keep their status; a crash is a 500 with the JSON shape")
    func modelErrors() async throws {
        let server = try TestServer()
        let bad = try await exchange(invocation("bad"), server: server)
        #expect(bad.status == 400)
        #expect(bad.body == #"{"error":{"code":"invalid_input","message":"row 2, column 3: scripted problem"}}"#)
        let crash = try await exchange(invocation("crash"), server: server)
        #expect(crash.status == 500)
        #expect(crash.body.contains(#""code":"internal_error""#))
        await server.stop()
    }

    @Test("415 for an unsupported Content-Type, 406 for an Accept that cannot be met")
    func negotiation() async throws {
        let server = try TestServer()
        let unsupported = try await exchange(invocation("x").replacingOccurrences(of: "text/plain", with: "image/png"), server: server)
        #expect(unsupported.status == 415)
        let unacceptable = try await exchange(invocation("x", extraHeaders: "Accept: text/csv\r\n"), server: server)
        #expect(unacceptable.status == 406)
        let wildcard = try await exchange(invocation("echo:y", extraHeaders: "Accept: */*\r\n"), server: server)
        #expect(wildcard.status == 200)
        #expect(wildcard.header("content-type") == "text/plain")
        await server.stop()
    }

    @Test("custom attributes reach the model")
    func customAttributes() async throws {
        let server = try TestServer()
        let response = try await exchange(
            invocation("attributes", extraHeaders: "X-Amzn-SageMaker-Custom-Attributes: output=probability\r\n"), server: server)
        #expect(response.body == "output=probability")
        await server.stop()
    }

    @Test("a full queue answers 503 with Retry-After; /ping is answered while the model is busy")
    func overload() async throws {
        let server = try TestServer(workers: 1, queueDepth: 1)
        let running = try await server.connect()
        let gate = "overload-\(UUID())"
        try await running.send(invocation("wait:\(gate)"))
        while server.pool.waiting > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let queued = try await server.connect()
        try await queued.send(invocation("echo:queued"))
        let refused = try await exchange(invocation("echo:refused"), server: server)
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "1")
        let ping = try await exchange("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", server: server)
        #expect(ping.status == 200)
        #expect(try await running.isSilent(for: 0.01), "ping was answered while the only worker was still busy")
        Gates.shared.open(gate)
        #expect(try await running.response().body == "released \(gate)")
        #expect(try await queued.response().body == "queued")
        await server.stop()
    }
}
