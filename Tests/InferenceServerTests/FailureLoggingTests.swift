import Foundation
import Logging
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Failures are visible: every 5xx and every error caught on a connection is logged once")
struct FailureLoggingTests {
    @Test("a model that throws answers 500 in the JSON shape, logged once with route, status, cause and request id")
    func modelThatThrows() async throws {
        let log = LogCapture()
        let server = try TestServer(logger: log.logger)
        let connection = try await server.connect()
        try await connection.send(
            invocation("crash", extraHeaders: "X-Request-Id: crash-1\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"))
        let response = try await connection.response()
        #expect(response.status == 500)
        #expect(response.header("content-type") == "application/json")
        let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: [String: String]]
        #expect(body?["error"]?["code"] == "internal_error")
        #expect(body?["error"]?["message"]?.contains("the model failed") == true)
        #expect(response.header("x-request-id") == "crash-1")

        let failures = log.entries("request failed")
        #expect(failures.count == 1)
        let entry = try #require(failures.first)
        #expect(entry.level == .error)
        #expect(entry.metadata["route"] == "/invocations")
        #expect(entry.metadata["status"] == "500")
        #expect(entry.metadata["request_id"] == "crash-1")
        #expect(entry.metadata["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(entry.metadata["cause"]?.contains("the model failed") == true)
        await server.stop()
    }

    @Test("a 504 timeout is logged once as a 5xx of /invocations; 4xx answers are not error-logged")
    func timeoutLogged() async throws {
        let log = LogCapture()
        let server = try TestServer(logger: log.logger) { $0.requestTimeout = .milliseconds(200) }
        let connection = try await server.connect()
        try await connection.send(invocation("bad"))
        #expect(try await connection.response().status == 400)
        try await connection.send(invocation("wait:log-timeout"))
        await connection.advanceTime(by: .milliseconds(300))
        let response = try await connection.response()
        #expect(response.status == 504)
        Gates.shared.open("log-timeout")
        let failures = log.entries("request failed")
        #expect(failures.count == 1)
        #expect(failures.first?.metadata["status"] == "504")
        #expect(failures.first?.metadata["route"] == "/invocations")
        #expect(failures.first?.metadata["request_id"] == response.header("x-request-id"))
        await server.stop()
    }

    @Test("an error caught on a connection (unparsable HTTP) is logged once with the status answered and the request id")
    func connectionErrorLogged() async throws {
        let log = LogCapture()
        let server = try TestServer(logger: log.logger)
        let connection = try await server.connect()
        try await connection.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Request-Id: before-the-bad-one\r\n\r\n")
        #expect(try await connection.response().status == 200)
        try await connection.send(
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\nX-Request-Id: broken-7\r\n\r\nabc")
        let response = try await connection.response()
        #expect(response.status == 400)
        let caught = log.entries("error on connection")
        #expect(caught.count == 1)
        let entry = try #require(caught.first)
        #expect(entry.metadata["status"] == "400")
        #expect(entry.metadata["request_id"] == response.header("x-request-id"))
        #expect(entry.metadata["cause"]?.isEmpty == false)
        #expect(log.entries("request failed").isEmpty)
        await server.stop()
    }
}
