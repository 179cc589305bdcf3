import NIOCore
import NIOHTTP1

/// Writes a complete response (status line, headers, body) into one buffer.
///
/// Every Swerve response is complete before it is written (Content-Length, never chunked), so
/// it can go to the socket as one buffer in one pipeline write. This replaces NIO's
/// `HTTPResponseEncoder`, which builds a head struct, a header array and a buffer per head and
/// passes three writes down the pipeline: at tens of thousands of requests a second on one core
/// that was a fifth of the event loop's time. Requests are still parsed by NIO's
/// `HTTPRequestDecoder`.
enum ResponseSerializer {
    /// Bodies up to this size are copied behind the head, so the socket sees one buffer.
    static let inlineBodyLimit = 16 * 1024

    /// Serialises `response` for a client speaking `version`; `close` adds `Connection: close`,
    /// HTTP/1.0 keep-alive adds `Connection: keep-alive`. Returns the head (with the body when
    /// small) and the body separately when large. The answer to a HEAD request has the head
    /// only (with the Content-Length a GET would get): a body there would be read by the client
    /// as the start of the next answer.
    static func serialize(
        _ response: Response, version: HTTPVersion, close: Bool, toHEAD: Bool = false, allocator: ByteBufferAllocator
    ) -> (head: ByteBuffer, body: ByteBuffer?) {
        let bodyLength = response.body.readableBytes
        let inline = bodyLength <= inlineBodyLimit
        var buffer = allocator.buffer(capacity: 128 + (inline ? bodyLength : 0))
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeStatus(response.status, to: &buffer)
        for (name, value) in response.headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        writeRequestHeaders(response, to: &buffer)
        buffer.writeStaticString("content-length: ")
        writeDecimal(bodyLength, to: &buffer)
        if close {
            buffer.writeStaticString("\r\nconnection: close\r\n\r\n")
        } else if version.major == 1 && version.minor == 0 {
            buffer.writeStaticString("\r\nconnection: keep-alive\r\n\r\n")
        } else {
            buffer.writeStaticString("\r\n\r\n")
        }
        guard bodyLength > 0, !toHEAD else { return (buffer, nil) }
        if inline {
            buffer.writeImmutableBuffer(response.body)
            return (buffer, nil)
        }
        return (buffer, response.body)
    }

    /// `x-request-id`, and the trace headers: the tracer's `traceparent` and `tracestate` when
    /// the request has a span, else the caller's; the caller's `x-amzn-trace-id`. Every value
    /// was checked by `EchoedHeader` (or made by the server).
    @inline(__always)
    private static func writeRequestHeaders(_ response: Response, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("x-request-id: ")
        response.request.id.write(to: &buffer)
        buffer.writeStaticString("\r\n")
        let echoed = response.request.traceHeaders
        if let trace = response.trace {
            for (name, value) in trace.responseHeaders { writeHeader(name, value, to: &buffer) }
        } else if let traceparent = echoed.traceparent {
            writeHeader("traceparent", traceparent, to: &buffer)
            if let tracestate = echoed.tracestate { writeHeader("tracestate", tracestate, to: &buffer) }
        }
        if let amznTraceID = echoed.amznTraceID { writeHeader("x-amzn-trace-id", amznTraceID, to: &buffer) }
    }

    private static func writeHeader(_ name: String, _ value: String, to buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// `100 Continue`, the interim answer to `Expect: 100-continue`.
    static func continueHead(version: HTTPVersion, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 32)
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }

    private static func writeStatus(_ status: HTTPResponseStatus, to buffer: inout ByteBuffer) {
        switch status {
        case .ok: buffer.writeStaticString("200 OK\r\n")
        case .badRequest: buffer.writeStaticString("400 Bad Request\r\n")
        default:
            writeDecimal(Int(status.code), to: &buffer)
            buffer.writeStaticString(" ")
            buffer.writeString(status.reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
    }

    private static func writeDecimal(_ value: Int, to buffer: inout ByteBuffer) {
        if value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { bytes in
            while remaining > 0 {
                bytes[19 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[(20 - count)...]))
        }
    }
}
