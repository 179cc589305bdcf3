import NIOCore

/// Finds where each HTTP/1.1 response ends in the bytes a load connection reads, and its status
/// and keep-alive, without building the response: no header strings, no parts, no allocation.
///
/// Exists because a load generator needs three facts per response (status, keep-alive, where it
/// ends) and NIO's `HTTPResponseDecoder` behind a `ByteToMessageHandler` builds a whole
/// `HTTPResponseHead` with its headers and passes three boxed parts down the pipeline for each
/// one: about 3 µs of the generator's CPU per request here, a fifth of its total (see
/// BENCHMARKS.md, "Load generator accuracy"). The framing rules are RFC 9112 §6.3's: no body for
/// responses to `HEAD` and for 1xx, 204 and 304; `Transfer-Encoding: chunked` (extensions and
/// trailers skipped); `Content-Length`; otherwise the body ends when the server closes. Interim
/// 1xx responses are skipped; `101 Switching Protocols` and anything malformed is an error (the
/// connection then closes and the request counts as a connection error, as before).
struct ResponseFramer {
    /// What the connection needs from a complete response.
    struct Response: Equatable {
        var status: Int
        var keepAlive: Bool
    }

    /// A response that cannot be framed; the connection cannot be trusted for another request.
    struct MalformedResponse: Error, Equatable {
        var reason: String
    }

    private static let versionPrefix = Array("HTTP/1.".utf8)

    /// The most header bytes accepted for one response head (NIO's decoder allows 80 KiB too).
    static let maximumHeadBytes = 80 * 1024

    private enum State: Equatable {
        /// No request outstanding: any byte is unsolicited.
        case idle
        case statusLine
        case headerLines
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data.
        case chunkDataEnd
        case trailers
        /// Neither a length nor chunked: the body ends when the server closes.
        case untilClose
    }

    private var state = State.idle
    /// The start of a line that did not end within one read (rare: heads fit in one read).
    private var partialLine: [UInt8] = []
    private var requestIsHead = false
    private var headBytes = 0
    private var status = 0
    private var isHTTP10 = false
    private var contentLength: Int?
    private var hasTransferEncoding = false
    private var isChunked = false
    private var connectionClose = false
    private var connectionKeepAlive = false

    /// Whether bytes are expected (a request was sent and its response has not ended).
    var isExpectingResponse: Bool { self.state != .idle }

    /// A request was sent; `isHead` because a response to `HEAD` has no body whatever it says.
    mutating func expectResponse(toHead isHead: Bool) {
        self.requestIsHead = isHead
        self.startHead()
    }

    /// Consumes bytes of `buffer` until a final response ends, returning it, and leaves the bytes
    /// after it in `buffer`; returns nil when `buffer` ran out first (or nothing was expected, in
    /// which case nothing is consumed).
    mutating func parse(_ buffer: inout ByteBuffer) throws -> Response? {
        while buffer.readableBytes > 0 {
            switch self.state {
            case .idle:
                return nil
            case .fixedBody(let remaining):
                let skipped = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: skipped)
                if skipped == remaining { return self.complete() }
                self.state = .fixedBody(remaining: remaining - skipped)
            case .chunkData(let remaining):
                let skipped = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: skipped)
                self.state = skipped == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - skipped)
            case .untilClose:
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            case .statusLine, .headerLines, .chunkSize, .chunkDataEnd, .trailers:
                if let response = try self.consumeLine(from: &buffer) { return response }
            }
        }
        return nil
    }

    /// The server closed the connection: the response, if its body was the rest of the stream.
    mutating func finishAtEndOfStream() -> Response? {
        guard self.state == .untilClose else { return nil }
        return self.complete()
    }

    // MARK: - Lines

    /// Takes one line (or the start of one) from `buffer`; a response when that line ended one.
    private mutating func consumeLine(from buffer: inout ByteBuffer) throws -> Response? {
        let newline = buffer.withUnsafeReadableBytes { $0.firstIndex(of: UInt8(ascii: "\n")) }
        let taken = (newline ?? buffer.readableBytes - 1) + 1
        try self.countHeadBytes(taken)
        guard let newline else {
            guard self.partialLine.count + taken <= Self.maximumHeadBytes else {
                throw MalformedResponse(reason: "a line over \(Self.maximumHeadBytes) bytes")
            }
            buffer.withUnsafeReadableBytes { self.partialLine.append(contentsOf: $0) }
            buffer.moveReaderIndex(forwardBy: taken)
            return nil
        }
        let response: Response?
        if self.partialLine.isEmpty {
            response = try buffer.withUnsafeReadableBytes { bytes throws in
                try self.process(line: UnsafeRawBufferPointer(rebasing: bytes[..<newline]))
            }
        } else {
            buffer.withUnsafeReadableBytes { self.partialLine.append(contentsOf: $0[..<newline]) }
            var line = self.partialLine
            self.partialLine.removeAll(keepingCapacity: true)
            response = try line.withUnsafeBytes { bytes throws in try self.process(line: bytes) }
            line.removeAll()
        }
        buffer.moveReaderIndex(forwardBy: taken)
        return response
    }

    private mutating func countHeadBytes(_ count: Int) throws {
        guard self.state == .statusLine || self.state == .headerLines || self.state == .trailers else { return }
        self.headBytes += count
        if self.headBytes > Self.maximumHeadBytes { throw MalformedResponse(reason: "response head over \(Self.maximumHeadBytes) bytes") }
    }

    /// One line without its `\n` (a trailing `\r` is dropped here).
    private mutating func process(line raw: UnsafeRawBufferPointer) throws -> Response? {
        let line = raw.last == UInt8(ascii: "\r") ? UnsafeRawBufferPointer(rebasing: raw.dropLast()) : raw
        switch self.state {
        case .statusLine:
            try self.parseStatusLine(line)
            self.state = .headerLines
            return nil
        case .headerLines:
            if line.isEmpty { return try self.endOfHead() }
            try self.parseHeader(line)
            return nil
        case .chunkSize:
            let size = try Self.chunkSize(line)
            self.state = size == 0 ? .trailers : .chunkData(remaining: size)
            self.headBytes = 0
            return nil
        case .chunkDataEnd:
            guard line.isEmpty else { throw MalformedResponse(reason: "chunk data longer than its size") }
            self.state = .chunkSize
            return nil
        case .trailers:
            return line.isEmpty ? self.complete() : nil
        case .idle, .fixedBody, .chunkData, .untilClose:
            preconditionFailure("not a line state")
        }
    }

    /// `HTTP/1.1 200 OK`: the version must be 1.x, the status three digits.
    private mutating func parseStatusLine(_ line: UnsafeRawBufferPointer) throws {
        guard line.count >= 12, line.starts(with: Self.versionPrefix), let minor = Self.digit(line[7]), line[8] == UInt8(ascii: " "),
            let hundreds = Self.digit(line[9]), let tens = Self.digit(line[10]), let units = Self.digit(line[11]),
            line.count == 12 || line[12] == UInt8(ascii: " ")
        else { throw MalformedResponse(reason: "not an HTTP/1.x status line") }
        self.isHTTP10 = minor == 0
        self.status = hundreds * 100 + tens * 10 + units
        guard self.status >= 100 else { throw MalformedResponse(reason: "status \(self.status)") }
    }

    /// One `Name: value` line; only the three headers that frame the body are read.
    private mutating func parseHeader(_ line: UnsafeRawBufferPointer) throws {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            !line[..<colon].contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        else { throw MalformedResponse(reason: "a header line without a name") }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        let value = Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
        if Self.equalsIgnoringCase(name, "content-length") {
            guard !value.isEmpty, value.allSatisfy({ Self.digit($0) != nil }), value.count <= 15 else {
                throw MalformedResponse(reason: "invalid Content-Length")
            }
            let length = value.reduce(0) { $0 * 10 + Int($1 &- UInt8(ascii: "0")) }
            if let previous = self.contentLength, previous != length { throw MalformedResponse(reason: "conflicting Content-Length headers") }
            self.contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            self.hasTransferEncoding = true
            // The last coding decides; a later header continues the list.
            self.isChunked = Self.lastToken(value).map { Self.equalsIgnoringCase($0, "chunked") } ?? false
        } else if Self.equalsIgnoringCase(name, "connection") {
            Self.forEachToken(value) { token in
                if Self.equalsIgnoringCase(token, "close") { self.connectionClose = true }
                if Self.equalsIgnoringCase(token, "keep-alive") { self.connectionKeepAlive = true }
            }
        }
    }

    private mutating func endOfHead() throws -> Response? {
        if self.status < 200 {
            guard self.status != 101 else { throw MalformedResponse(reason: "101 Switching Protocols on a load connection") }
            self.startHead()  // an interim response: the final one follows
            return nil
        }
        self.headBytes = 0
        if self.requestIsHead || self.status == 204 || self.status == 304 { return self.complete() }
        if self.hasTransferEncoding {
            guard self.contentLength == nil else { throw MalformedResponse(reason: "both Transfer-Encoding and Content-Length") }
            if self.isChunked {
                self.state = .chunkSize
            } else {
                self.connectionClose = true
                self.state = .untilClose
            }
            return nil
        }
        switch self.contentLength {
        case 0?: return self.complete()
        case let length?: self.state = .fixedBody(remaining: length)
        case nil:
            self.connectionClose = true
            self.state = .untilClose
        }
        return nil
    }

    private mutating func startHead() {
        self.state = .statusLine
        self.partialLine.removeAll(keepingCapacity: true)
        self.headBytes = 0
        self.status = 0
        self.contentLength = nil
        self.hasTransferEncoding = false
        self.isChunked = false
        self.connectionClose = false
        self.connectionKeepAlive = false
    }

    private mutating func complete() -> Response {
        self.state = .idle
        let keepAlive = self.isHTTP10 ? self.connectionKeepAlive && !self.connectionClose : !self.connectionClose
        return Response(status: self.status, keepAlive: keepAlive)
    }

    // MARK: - Bytes

    /// A chunk-size line: hex digits, then optionally `;extensions`.
    private static func chunkSize(_ line: UnsafeRawBufferPointer) throws -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            guard let value = Self.hexDigit(byte) else {
                guard byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else {
                    throw MalformedResponse(reason: "invalid chunk size")
                }
                break
            }
            digits += 1
            guard digits <= 12 else { throw MalformedResponse(reason: "chunk size too large") }
            size = size * 16 + value
        }
        guard digits > 0 else { throw MalformedResponse(reason: "missing chunk size") }
        return size
    }

    static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }), let last = bytes.lastIndex(where: { !isWhitespace($0) }) else {
            return UnsafeRawBufferPointer(rebasing: bytes[0..<0])
        }
        return UnsafeRawBufferPointer(rebasing: bytes[first...last])
    }

    /// ASCII case-insensitive comparison with a lower-case literal.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (byte, wanted) in zip(bytes, expected) {
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if lowered != wanted { return false }
        }
        return true
    }

    /// Calls `body` with each trimmed, non-empty element of a comma-separated list.
    static func forEachToken(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = value.startIndex
        for index in value.indices where value[index] == UInt8(ascii: ",") {
            let token = trimmed(UnsafeRawBufferPointer(rebasing: value[start..<index]))
            if !token.isEmpty { body(token) }
            start = index + 1
        }
        let token = trimmed(UnsafeRawBufferPointer(rebasing: value[start...]))
        if !token.isEmpty { body(token) }
    }

    static func lastToken(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var last: UnsafeRawBufferPointer?
        forEachToken(value) { last = $0 }
        return last
    }
}
