import NIOCore
import NIOHTTP1
import Testing

@testable import InferenceServer

/// The in-process side of RELIABILITY.md section 4 (the end-to-end tests are in
/// `EndToEndTests/HostileClientTests.swift`): the connection's backpressure on NIO's testing
/// channel, the framing checks the state machine makes again after NIO's parser, and the
/// diagnosis that names why NIO refused a head. These run under the sanitizers too.
@Suite("Backpressure and ambiguous framing, in process")
struct BackpressureAndFramingTests {
    @Test("while the channel is not writable, pipelined requests wait; once it is, they are answered in order")
    func unwritableChannelPausesAnswers() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        connection.channel.isWritable = false
        try await connection.send((1...3).map { invocation("echo:r\($0)") }.joined())
        #expect(try await connection.isSilent(for: 0.2), "no request is answered while the client does not read")
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        await connection.channel.testingEventLoop.run()
        let bodies = try await [connection.response(), connection.response(), connection.response()].map(\.body)
        #expect(bodies == ["r1", "r2", "r3"])
        await server.stop()
    }

    @Test("a request whose head arrived is read to its end even when the channel turns unwritable")
    func headInFlightCompletes() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        let request = invocation("echo:whole")
        let split = request.index(request.endIndex, offsetBy: -3)
        try await connection.send(String(request[..<split]))
        connection.channel.isWritable = false
        try await connection.send(String(request[split...]))
        // The answer is produced and written (NIO buffers it); the next request would wait.
        #expect(try await connection.response().body == "whole")
        await server.stop()
    }

    private func head(_ headers: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .POST, uri: "/invocations", headers: HTTPHeaders(headers))
    }

    @Test(
        "the state machine refuses ambiguous framing even if a parser let it through",
        arguments: [
            ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")], "both Content-Length and Transfer-Encoding"),
            ([("Content-Length", "5"), ("content-length", "5")], "Content-Length sent 2 times"),
            ([("Transfer-Encoding", "gzip, chunked")], #"Transfer-Encoding "gzip, chunked" is not supported"#),
            ([("Transfer-Encoding", "identity")], #"Transfer-Encoding "identity" is not supported"#),
        ])
    func stateMachineRefuses(_ headers: [(String, String)], _ problem: String) {
        var machine = ConnectionStateMachine(limits: ConnectionLimits(ServerConfiguration()), openedAt: .now())
        guard case .fail(let error) = machine.headReceived(head(headers), at: .now()) else {
            Issue.record("accepted \(headers)")
            return
        }
        #expect(error.status == 400)
        #expect(error.message.contains(problem), "\(error.message)")
    }

    @Test("chunked alone, in any case and with blanks, is accepted")
    func chunkedAccepted() {
        for value in ["chunked", "Chunked", " chunked ", "CHUNKED\t"] {
            var machine = ConnectionStateMachine(limits: ConnectionLimits(ServerConfiguration()), openedAt: .now())
            guard case .proceed = machine.headReceived(head([("Transfer-Encoding", value)]), at: .now()) else {
                Issue.record("refused \(value.debugDescription)")
                continue
            }
        }
    }

    @Test(
        "the diagnosis names the problem in a refused head, from its start or from a later line",
        arguments: [
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", FramingProblem.lengthAndTransferEncoding),
            ("Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", FramingProblem.differentLengths("3", "5")),
            ("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", FramingProblem.obsFold),
            ("GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", FramingProblem.bareLF),
            ("GET / HTTP/1.1\r\nA: b\r\n\r\nbody with a bare \n in it", nil),
            ("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nabcde", nil),
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", nil),
        ] as [(String, String?)])
    func diagnosis(_ head: String, _ expected: String?) {
        #expect(FramingProblem.diagnose(ByteBuffer(string: head).readableBytesView) == expected)
    }
}
