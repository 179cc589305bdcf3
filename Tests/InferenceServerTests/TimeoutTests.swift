import Foundation
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Idle timeout, slowloris and the request deadline")
struct TimeoutTests {
    @Test("an idle keep-alive connection is closed after the idle timeout, a busy one is not")
    func idle() async throws {
        let server = try TestServer { $0.idleTimeout = .seconds(10) }
        let idle = try await server.connect()
        try await idle.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await idle.response()
        await idle.advanceTime(by: .seconds(9))
        #expect(idle.isActive)
        try await idle.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await idle.response()
        await idle.advanceTime(by: .seconds(9))
        #expect(idle.isActive, "a completed request restarts the idle clock")
        await idle.advanceTime(by: .seconds(2))
        #expect(!idle.isActive)
        await server.stop()
    }

    @Test("a slowloris trickling header bytes is closed at the idle timeout")
    func slowloris() async throws {
        let server = try TestServer { $0.idleTimeout = .seconds(10) }
        let slow = try await server.connect()
        let other = try await server.connect()
        for byte in "GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8 {
            try await slow.send(bytes: [byte])
            await slow.advanceTime(by: .milliseconds(300))
            if !slow.isActive { break }
        }
        #expect(!slow.isActive, "bytes without a complete request do not keep a connection open")
        try await other.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await other.response().status == 200)
        await server.stop()
    }

    @Test("a request over the deadline gets a 504 and the connection goes on")
    func deadline() async throws {
        let server = try TestServer(workers: 2) { $0.requestTimeout = .seconds(1) }
        let connection = try await server.connect()
        let gate = "deadline-\(UUID())"
        try await connection.send(invocation("wait:\(gate)"))
        #expect(try await connection.isSilent(for: 0.05))
        await connection.advanceTime(by: .milliseconds(900))
        #expect(try await connection.isSilent(for: 0.05), "not before the deadline")
        await connection.advanceTime(by: .milliseconds(200))
        let response = try await connection.response()
        #expect(response.status == 504)
        #expect(response.body.contains("model_timeout"))
        try await connection.send(invocation("echo:after"))
        let next = try await connection.response()
        #expect(next.body == "after")
        Gates.shared.open(gate)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await connection.isSilent(for: 0.05), "the late answer is dropped")
        await server.stop()
    }
}
