import Foundation
import NIOCore
import Testing

@testable import InferenceServer

@Suite("HTTP edge: keep-alive, pipelining, bodies, limits")
struct HTTPEdgeTests {
    @Test("ping answers 200 with an empty body; keep-alive serves many requests on one connection")
    func pingAndKeepAlive() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        for _ in 0..<3 {
            try await connection.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await connection.response()
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.header("content-length") == "0")
        }
        try await connection.send(invocation("echo:hello"))
        let answer = try await connection.response()
        #expect(answer.status == 200)
        #expect(answer.body == "hello")
        #expect(answer.header("content-type") == "text/plain")
        #expect(connection.isActive)
        await server.stop()
    }

    @Test("large bodies one after another, and pipelined, each get their own answer (the kept body is reused safely)")
    func largeBodiesInTurn() async throws {
        let server = try TestServer(workers: 3)
        let spare = BodyBufferSpare()
        let connection = try await server.connect(bodySpare: spare)
        // As a socket delivers them: 64 KB at a time, so that the body grows into a buffer of
        // its declared length, the kept one where it fits.
        func send(_ text: String) async throws {
            let bytes = Array(text.utf8)
            for start in stride(from: 0, to: bytes.count, by: 65_536) {
                try await connection.send(bytes: Array(bytes[start..<min(start + 65_536, bytes.count)]))
            }
        }
        // In turn: each body after the first fits the kept one or, larger, gets its own.
        for (letter, count) in [("a", 600_000), ("b", 500_000), ("c", 900_000), ("d", 300_000)] {
            let text = String(repeating: letter, count: count)
            try await send(invocation("echo:" + text))
            let response = try await connection.response()
            #expect(response.status == 200)
            #expect(response.body == text, "\(letter): \(response.body.prefix(20))... of \(response.body.count) bytes")
            #expect(spare.keptCapacity != nil, "the body was kept for the next one")
        }
        // Pipelined behind a slow request: each large body arrives while the one before it is
        // still held by its request.
        let e = String(repeating: "e", count: 700_000)
        let f = String(repeating: "f", count: 650_000)
        try await send(invocation("sleep:100") + invocation("echo:" + e) + invocation("echo:" + f))
        let bodies = try await [connection.response(), connection.response(), connection.response()].map(\.body)
        #expect(bodies == ["slept 100", e, f])
        await server.stop()
    }

    @Test("pipelined requests are answered in order, even when the first is the slowest")
    func pipelining() async throws {
        let server = try TestServer(workers: 3)
        let connection = try await server.connect()
        try await connection.send(
            invocation("sleep:150") + invocation("echo:second") + "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n" + invocation("echo:fourth"))
        let bodies = try await [connection.response(), connection.response(), connection.response(), connection.response()].map(\.body)
        #expect(bodies == ["slept 150", "second", "", "fourth"])
        await server.stop()
    }

    @Test("a chunked request body is reassembled")
    func chunkedBody() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        try await connection.send(
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\necho:\r\n")
        try await connection.send("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        let response = try await connection.response()
        #expect(response.status == 200)
        #expect(response.body == "abcdefg")
        await server.stop()
    }

    @Test("Expect: 100-continue gets 100 before the body, and 413 instead when the body is too large")
    func expectContinue() async throws {
        let server = try TestServer { $0.maxPayloadBytes = 1024 }
        let connection = try await server.connect()
        try await connection.send(
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n")
        #expect(try await connection.response().status == 100)
        try await connection.send("echo:ok")
        let answer = try await connection.response()
        #expect(answer.status == 200)
        #expect(answer.body == "ok")

        let refused = try await server.connect()
        try await refused.send(
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        let response = try await refused.response()
        #expect(response.status == 413)
        #expect(response.body.contains("payload_too_large"))
        #expect(response.header("connection") == "close")
        try await Task.sleep(for: .milliseconds(20))
        #expect(!refused.isActive)
        await server.stop()
    }

    @Test("bodies over the limit get 413, by Content-Length or by chunks")
    func payloadLimit() async throws {
        let server = try TestServer { $0.maxPayloadBytes = 100 }
        let declared = try await server.connect()
        try await declared.send("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n")
        #expect(try await declared.response().status == 413)

        let chunked = try await server.connect()
        try await chunked.send("POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        try await chunked.send("40\r\n" + String(repeating: "a", count: 64) + "\r\n")
        try await chunked.send("40\r\n" + String(repeating: "b", count: 64) + "\r\n")
        let response = try await chunked.response()
        #expect(response.status == 413)
        #expect(response.body.contains("100 bytes"))

        let exact = try await server.connect()
        try await exact.send(invocation("echo:" + String(repeating: "c", count: 95)))
        #expect(try await exact.response().status == 200)
        await server.stop()
    }

    @Test("HTTP/1.0: closed after the answer unless keep-alive is asked for")
    func http10() async throws {
        let server = try TestServer()
        let plain = try await server.connect()
        try await plain.send(invocation("echo:old", version: "HTTP/1.0"))
        let response = try await plain.response()
        #expect(response.status == 200)
        #expect(response.body == "old")
        #expect(response.header("connection") == "close")
        try await Task.sleep(for: .milliseconds(20))
        #expect(!plain.isActive)

        let kept = try await server.connect()
        try await kept.send(invocation("echo:a", extraHeaders: "Connection: keep-alive\r\n", version: "HTTP/1.0"))
        #expect(try await kept.response().header("connection") == "keep-alive")
        try await kept.send("GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try await kept.response().status == 200)
        #expect(kept.isActive)
        await server.stop()
    }

    @Test("oversized header sections get 431, long URIs 414, garbage 400; each closes the connection")
    func protocolLimits() async throws {
        let server = try TestServer {
            $0.maxHeaderBytes = 1024
            $0.maxURILength = 256
        }
        let headers = try await server.connect()
        try await headers.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n")
        #expect(try await headers.response().status == 431)

        let uri = try await server.connect()
        try await uri.send("GET /ping?\(String(repeating: "q", count: 300)) HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await uri.response().status == 414)

        let garbage = try await server.connect()
        try await garbage.send("HELLO THERE\r\n\r\n")
        let response = try await garbage.response()
        #expect(response.status == 400)
        #expect(response.body.contains("bad_request"))
        try await Task.sleep(for: .milliseconds(20))
        #expect(!garbage.isActive)
        await server.stop()
    }
}
