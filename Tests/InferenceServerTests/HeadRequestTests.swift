import Foundation
import NIOCore
import Testing

/// Fuzz finding 3 (RELIABILITY.md, `scripts/fuzz.sh http`): the answer to a HEAD request for a
/// path with an error body (404, 405) carried that body, which a client reads as the start of
/// the next answer on the connection. Checked here on the raw bytes, as a client reads them.
@Suite("HEAD requests")
struct HeadRequestTests {
    /// Every byte the server writes, until `expected` answers' heads have arrived (or 10 s).
    private func rawAnswer(_ connection: TestConnection, heads expected: Int) async throws -> String {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            while let data = try await connection.channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = data { bytes += buffer.readableBytesView }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if text.components(separatedBy: "\r\n\r\n").count > expected { return text }
            try await Task.sleep(for: .milliseconds(2))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("the answer to HEAD has the Content-Length a GET gets and no body, so the next answer starts right after it")
    func headAnswersHaveNoBody() async throws {
        let server = try TestServer()
        defer { Task { await server.stop() } }
        let get = try await server.connect()
        try await get.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        let asGET = try await get.response()
        #expect(asGET.status == 404 && asGET.body.contains("no route for /nope"))
        let length = try #require(asGET.header("content-length"))

        let connection = try await server.connect()
        try await connection.send(
            "HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD /execution-parameters HTTP/1.1\r\nHost: x\r\n\r\nHEAD /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        let text = try await rawAnswer(connection, heads: 4)
        // Every answer carries its own X-Request-Id; the rest of each head is compared exactly.
        let answers = text.components(separatedBy: "\r\n\r\n").map { head in
            head.components(separatedBy: "\r\n").filter { !$0.hasPrefix("x-request-id: ") }.joined(separator: "\r\n")
        }
        #expect(answers.count == 5 && answers[4].isEmpty, "\(text.debugDescription)")
        #expect(answers[0] == "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: \(length)")
        #expect(answers[1].hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(answers[2] == "HTTP/1.1 200 OK\r\ncontent-length: 0")
        #expect(answers[3] == "HTTP/1.1 200 OK\r\ncontent-length: 0")
    }
}
