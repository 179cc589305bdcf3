import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LoadTesting

@Suite("Response framing")
struct ResponseFramerTests {
    /// The wire bytes of a response as NIO's server-side encoder writes it.
    static func encoded(_ head: HTTPResponseHead, body: [String] = [], trailers: HTTPHeaders? = nil) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: HTTPResponseEncoder())
        defer { _ = try? channel.finish() }
        try channel.writeOutbound(HTTPServerResponsePart.head(head))
        for part in body { try channel.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: part)))) }
        try channel.writeOutbound(HTTPServerResponsePart.end(trailers))
        var wire: [UInt8] = []
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = part else { continue }
            wire += Array(buffer.readableBytesView)
        }
        return wire
    }

    static func head(_ status: Int, _ headers: [(String, String)] = [], version: HTTPVersion = .http1_1) -> HTTPResponseHead {
        HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: HTTPHeaders(headers))
    }

    /// Feeds `wire` in the given pieces; the response and the bytes left after it.
    static func frame(_ wire: [UInt8], pieces: [Int], toHead: Bool = false) throws -> (ResponseFramer.Response?, Int) {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: toHead)
        var offset = 0
        for length in pieces + [wire.count] {
            let end = min(wire.count, offset + length)
            var buffer = ByteBuffer(bytes: wire[offset..<end])
            offset = end
            if let response = try framer.parse(&buffer) {
                return (response, buffer.readableBytes + wire.count - offset)
            }
            if offset == wire.count { break }
        }
        return (nil, 0)
    }

    /// Every way of cutting `wire` in two, and byte by byte, must give the same answer.
    static func expectFramed(
        _ wire: [UInt8], as expected: ResponseFramer.Response, toHead: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var cuts = (0...wire.count).map { [$0] }
        cuts.append(Array(repeating: 1, count: wire.count))
        for pieces in cuts {
            let (response, left) = try frame(wire, pieces: pieces, toHead: toHead)
            #expect(response == expected, "pieces \(pieces.prefix(3))", sourceLocation: sourceLocation)
            #expect(left == 0, "bytes left over, pieces \(pieces.prefix(3))", sourceLocation: sourceLocation)
        }
    }

    @Test("responses written by NIO's encoder end exactly where they end, however the reads split them")
    func nioEncodedResponses() throws {
        try Self.expectFramed(Self.encoded(Self.head(200, [("Content-Length", "4")]), body: ["0.42"]), as: .init(status: 200, keepAlive: true))
        try Self.expectFramed(Self.encoded(Self.head(200, [("Content-Length", "0")])), as: .init(status: 200, keepAlive: true))
        // No length on HTTP/1.1: NIO's encoder sends chunks.
        try Self.expectFramed(Self.encoded(Self.head(503), body: ["busy", "", " try later"]), as: .init(status: 503, keepAlive: true))
        var trailers = HTTPHeaders()
        trailers.add(name: "X-Checksum", value: "1")
        try Self.expectFramed(Self.encoded(Self.head(200), body: ["a"], trailers: trailers), as: .init(status: 200, keepAlive: true))
        try Self.expectFramed(Self.encoded(Self.head(204)), as: .init(status: 204, keepAlive: true))
        try Self.expectFramed(
            Self.encoded(Self.head(200, [("Content-Length", "2"), ("Connection", "close")]), body: ["ok"]), as: .init(status: 200, keepAlive: false)
        )
        try Self.expectFramed(
            Self.encoded(Self.head(200, [("Content-Length", "2"), ("Connection", "keep-alive")], version: .http1_0), body: ["ok"]),
            as: .init(status: 200, keepAlive: true)
        )
        try Self.expectFramed(
            Self.encoded(Self.head(200, [("Content-Length", "2")], version: .http1_0), body: ["ok"]), as: .init(status: 200, keepAlive: false))
    }

    @Test("interim responses, chunk extensions, HEAD and 304 follow RFC 9112")
    func framingRules() throws {
        let interim = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\nabc".utf8)
        try Self.expectFramed(interim, as: .init(status: 201, keepAlive: true))
        let chunked = Array(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n".utf8)
        try Self.expectFramed(chunked, as: .init(status: 200, keepAlive: true))
        // A response to HEAD has no body, whatever its Content-Length says.
        try Self.expectFramed(Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".utf8), as: .init(status: 200, keepAlive: true), toHead: true)
        try Self.expectFramed(Array("HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n".utf8), as: .init(status: 304, keepAlive: true))
        // Bare LF line ends are accepted, as by most clients.
        try Self.expectFramed(Array("HTTP/1.1 404 Not Found\nContent-Length: 1\n\nx".utf8), as: .init(status: 404, keepAlive: true))
    }

    @Test("a body without a length ends when the server closes, and the connection is not reused")
    func closeDelimitedBody() throws {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: false)
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body")
        #expect(try framer.parse(&buffer) == nil)
        #expect(buffer.readableBytes == 0)
        #expect(framer.finishAtEndOfStream() == .init(status: 200, keepAlive: false))
        // A head cut short by the close is no response.
        framer.expectResponse(toHead: false)
        buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Le")
        #expect(try framer.parse(&buffer) == nil)
        #expect(framer.finishAtEndOfStream() == nil)
    }

    @Test("bytes after a response, and bytes nobody asked for, are left unread")
    func leftoverBytes() throws {
        var framer = ResponseFramer()
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")
        #expect(try framer.parse(&buffer) == nil)
        #expect(buffer.readerIndex == 0)
        framer.expectResponse(toHead: false)
        #expect(try framer.parse(&buffer) == .init(status: 200, keepAlive: true))
        #expect(!framer.isExpectingResponse)
        #expect(try framer.parse(&buffer) == nil)
        framer.expectResponse(toHead: false)
        #expect(try framer.parse(&buffer) == .init(status: 500, keepAlive: true))
        #expect(buffer.readableBytes == 0)
    }

    @Test(
        "malformed responses are errors, not guesses",
        arguments: [
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
            "HTTP/1.1 200 OK\r\n folded: 1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        ])
    func malformed(_ text: String) {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: false)
        var buffer = ByteBuffer(string: text)
        #expect(throws: ResponseFramer.MalformedResponse.self) { _ = try framer.parse(&buffer) }
    }

    @Test("a head or a line that never ends is refused once it passes 80 KiB")
    func unboundedHead() {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: false)
        var head = ByteBuffer(string: "HTTP/1.1 200 OK\r\n")
        #expect(throws: Never.self) { _ = try framer.parse(&head) }
        var refused = false
        for _ in 0..<200 {
            var header = ByteBuffer(string: "X-Padding: " + String(repeating: "a", count: 1_000) + "\r\n")
            do { _ = try framer.parse(&header) } catch {
                refused = true
                break
            }
        }
        #expect(refused)
        // The same for a chunk-size line, which is not part of the head.
        framer.expectResponse(toHead: false)
        var start = ByteBuffer(string: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1")
        #expect(throws: Never.self) { _ = try framer.parse(&start) }
        refused = false
        for _ in 0..<200 {
            var more = ByteBuffer(string: String(repeating: "0", count: 1_000))
            do { _ = try framer.parse(&more) } catch {
                refused = true
                break
            }
        }
        #expect(refused)
    }
}
