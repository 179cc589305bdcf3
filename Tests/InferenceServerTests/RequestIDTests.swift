import Foundation
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Request ids and echoed headers: every response carries X-Request-Id, no client can inject a header")
struct RequestIDTests {
    /// The shape of an id the server makes: instance-connection-sequence in hex.
    static var madeID: Regex<Substring> { #/^[0-9a-f]{8}-[0-9a-f]+-[0-9a-f]+$/# }

    @Test("every response carries an X-Request-Id; made ids differ per request and per connection")
    func everyResponseHasAnID() async throws {
        let server = try TestServer()
        let first = try await server.connect()
        let second = try await server.connect()
        var ids: [String] = []
        for connection in [first, second] {
            for request in [
                invocation("echo:a"), "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", invocation("bad"),
            ] {
                try await connection.send(request)
                let response = try await connection.response()
                let id = try #require(response.header("x-request-id"))
                #expect(id.wholeMatch(of: Self.madeID) != nil, "\(id)")
                ids.append(id)
            }
        }
        #expect(Set(ids).count == ids.count)
        await server.stop()
    }

    @Test("a safe caller id is echoed, on successes and on errors")
    func callerIDEchoed() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        try await connection.send(invocation("echo:a", extraHeaders: "X-Request-Id: client-42.abc_DEF\r\n"))
        #expect(try await connection.response().header("x-request-id") == "client-42.abc_DEF")
        try await connection.send(invocation("bad", extraHeaders: "x-request-id: e-400\r\n"))
        let failed = try await connection.response()
        #expect(failed.status == 400)
        #expect(failed.header("x-request-id") == "e-400")
        await server.stop()
    }

    @Test("an unsafe caller id (non-ASCII, space, control byte, too long) is replaced, never written")
    func unsafeIDReplaced() async throws {
        let server = try TestServer()
        let hostile: [[UInt8]] = [
            Array("evil\u{FF}id".utf8), [0x61, 0xFF, 0xFE, 0x62], Array("two words".utf8), [0x61, 0x7F, 0x62],
            Array(repeating: UInt8(ascii: "a"), count: 300),
        ]
        var passedNIO = 0
        for value in hostile {
            // NIO's parser refuses some bytes itself (400, connection closed): a new connection each.
            let connection = try await server.connect()
            let head = Array("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nX-Request-Id: ".utf8)
            try await connection.send(bytes: head + value + Array("\r\n\r\necho:a".utf8))
            let response = try await connection.response()
            #expect(response.status == 200 || response.status == 400)
            if response.status == 200 { passedNIO += 1 }
            let id = try #require(response.header("x-request-id"))
            #expect(id.wholeMatch(of: Self.madeID) != nil, "\(id)")
        }
        #expect(passedNIO >= 3, "the server's own check, not only NIO's, was exercised")
        await server.stop()
    }

    @Test("a header value with CR or LF never reaches the response: NIO refuses it with 400, with an id")
    func lineBreakRefused() async throws {
        let server = try TestServer()
        for smuggled in ["X-Request-Id: a\rSet-Cookie: x=1", "traceparent: a\r\nSet-Cookie: x=1\r\n"] {
            let connection = try await server.connect()
            try await connection.send("GET /ping HTTP/1.1\r\nHost: x\r\n\(smuggled)\r\n\r\n")
            let response = try await connection.response()
            #expect(response.header("set-cookie") == nil)
            if response.status != 200 {
                #expect(response.status == 400)
                #expect(response.header("x-request-id")?.wholeMatch(of: Self.madeID) != nil)
            }
        }
        await server.stop()
    }

    @Test("W3C traceparent/tracestate and X-Amzn-Trace-Id are echoed when well-formed, dropped when not")
    func traceHeadersEchoed() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let amzn = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        try await connection.send(
            invocation("echo:a", extraHeaders: "traceparent: \(traceparent)\r\ntracestate: vendor=x,other=y\r\nX-Amzn-Trace-Id: \(amzn)\r\n"))
        let traced = try await connection.response()
        #expect(traced.header("traceparent") == traceparent)
        #expect(traced.header("tracestate") == "vendor=x,other=y")
        #expect(traced.header("x-amzn-trace-id") == amzn)

        for bad in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            try await connection.send(invocation("echo:a", extraHeaders: "traceparent: \(bad)\r\ntracestate: a=b\r\n"))
            let response = try await connection.response()
            #expect(response.header("traceparent") == nil, "\(bad)")
            #expect(response.header("tracestate") == nil)
        }
        let head = Array("GET /ping HTTP/1.1\r\nHost: x\r\nX-Amzn-Trace-Id: Root=1-\u{E9}\r\n\r\n".utf8)
        try await connection.send(bytes: head)
        #expect(try await connection.response().header("x-amzn-trace-id") == nil)
        await server.stop()
    }

    @Test("bytes that never form a request still get an id with their 400")
    func malformedRequestHasID() async throws {
        let server = try TestServer()
        let connection = try await server.connect()
        try await connection.send("NOT HTTP AT ALL\r\n\r\n")
        let response = try await connection.response()
        #expect(response.status == 400)
        #expect(response.header("x-request-id")?.wholeMatch(of: Self.madeID) != nil)
        await server.stop()
    }

    @Test("validation: tokens, printable values and traceparent grammar")
    func validation() {
        #expect(EchoedHeader.isToken("abc-123", maximumLength: 10))
        #expect(!EchoedHeader.isToken("", maximumLength: 10))
        #expect(!EchoedHeader.isToken("a b", maximumLength: 10))
        #expect(!EchoedHeader.isToken("a\r\nb", maximumLength: 10))
        #expect(!EchoedHeader.isToken("é", maximumLength: 10))
        #expect(!EchoedHeader.isToken("abcdefghijk", maximumLength: 10))
        #expect(EchoedHeader.isPrintable("a=b, c=d", maximumLength: 20))
        #expect(!EchoedHeader.isPrintable("a=b\n", maximumLength: 20))
        #expect(EchoedHeader.isTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(EchoedHeader.isTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"))
        #expect(!EchoedHeader.isTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"))
        #expect(!EchoedHeader.isTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
        #expect(TraceHeaders(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceHeaders(amznTraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1").traceID == "1-5759e988-bd862e3fe1be46a994272793")
        #expect(TraceHeaders(traceparent: "junk", tracestate: "a=b").tracestate == nil)
    }
}
