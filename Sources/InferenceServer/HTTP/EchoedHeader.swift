/// The checks a request header's value passes before the server writes it back in a response.
///
/// NIO's parser already refuses CR and LF inside a header value, but the response serializer
/// writes values as they are, so anything echoed is checked here again, byte by byte: only
/// visible ASCII (and, where the header's grammar allows it, spaces) within a length bound. A
/// value that fails is never written: an unsafe `X-Request-Id` is replaced by a made id, an
/// unsafe trace header is dropped. No client can therefore inject a header or a line break, or
/// smuggle non-ASCII bytes, into a response.
enum EchoedHeader {
    /// 1 to `maximumLength` bytes of visible ASCII (`!` to `~`): no space, control or non-ASCII byte.
    static func isToken(_ value: String, maximumLength: Int) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else { return false }
        return utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7e }
    }

    /// 1 to `maximumLength` bytes of printable ASCII (space to `~`).
    static func isPrintable(_ value: String, maximumLength: Int) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else { return false }
        return utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7e }
    }

    /// A W3C `traceparent`: `VERSION-TRACEID-PARENTID-FLAGS` in lower-case hex (2-32-16-2 digits),
    /// neither id all zeros, version not `ff`; a later version may append `-` and more fields.
    static func isTraceparent(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55, bytes.count <= 256 else { return false }
        func isHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
        func isZero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == 0x30 } }
        guard isHex(0..<2), isHex(3..<35), isHex(36..<52), isHex(53..<55),
            bytes[2] == 0x2d, bytes[35] == 0x2d, bytes[52] == 0x2d,
            !(bytes[0] == 0x66 && bytes[1] == 0x66), !isZero(3..<35), !isZero(36..<52)
        else { return false }
        if bytes.count == 55 { return true }
        // Version 00 has exactly these fields; later versions may carry more after a dash.
        return !(bytes[0] == 0x30 && bytes[1] == 0x30) && bytes[55] == 0x2d && isToken(value, maximumLength: 256)
    }
}

/// The trace headers a request carried, each kept only if it is safe to echo: W3C
/// `traceparent` and `tracestate`, and AWS's `X-Amzn-Trace-Id` (X-Ray). They go back in the
/// response (unless a tracer answers with its own `traceparent`) and into the log lines about
/// the request.
public struct TraceHeaders: Sendable, Equatable {
    public var traceparent: String?
    public var tracestate: String?
    public var amznTraceID: String?

    public init(traceparent: String? = nil, tracestate: String? = nil, amznTraceID: String? = nil) {
        self.traceparent = traceparent.flatMap { EchoedHeader.isTraceparent($0) ? $0 : nil }
        // A tracestate means nothing without the traceparent it extends.
        self.tracestate = self.traceparent == nil ? nil : tracestate.flatMap { EchoedHeader.isPrintable($0, maximumLength: 512) ? $0 : nil }
        self.amznTraceID = amznTraceID.flatMap { EchoedHeader.isToken($0, maximumLength: 256) ? $0 : nil }
    }

    /// True when the request carried none of them (or none that was safe).
    public var isEmpty: Bool { traceparent == nil && amznTraceID == nil }

    /// The trace id: the 32 hex digits of `traceparent`, else X-Ray's `Root` (`1-5759e988-bd86...`).
    public var traceID: Substring? {
        if let traceparent {
            let start = traceparent.utf8.index(traceparent.utf8.startIndex, offsetBy: 3)
            return traceparent[start..<traceparent.utf8.index(start, offsetBy: 32)]
        }
        return amznTraceID.flatMap(Self.xrayRoot)
    }

    /// The `Root=` field of an `X-Amzn-Trace-Id`.
    static func xrayRoot(_ header: String) -> Substring? {
        for field in header.split(separator: ";") where field.hasPrefix("Root=") {
            return field.dropFirst(5)
        }
        return nil
    }
}
