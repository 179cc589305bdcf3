import NIOHTTP1

/// The request headers the server acts on or echoes, found in one pass over the head.
///
/// `HTTPHeaders.first(name:)` scans every header with a case-insensitive compare; five such
/// scans per request were a visible share of the event loop's time. One pass, comparing lengths
/// first and then bytes, finds them all.
struct RequestHeaders: Sendable {
    var contentLength: Int?
    /// How many `Content-Length` fields the head carried (NIO refuses a second one; checked again).
    var contentLengthFields = 0
    var transferEncoding: String?
    var expect: String?
    var contentType: String?
    var accept: String?
    var customAttributes: String?
    /// `X-Amzn-SageMaker-Target-Model`: the client's `TargetModel` behind a multi-model request
    /// (SageMaker sends it for logging only).
    var targetModel: String?
    /// Echoed (when safe) in the response and named in logs.
    var requestID: String?
    var traceparent: String?
    var tracestate: String?
    var amznTraceID: String?

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            let utf8 = name.utf8
            switch utf8.count {
            case 6 where Self.equal(utf8, "accept"): accept = value
            case 6 where Self.equal(utf8, "expect"): expect = value
            case 12 where Self.equal(utf8, "content-type"): contentType = value
            case 12 where Self.equal(utf8, "x-request-id"): requestID = value
            case 11 where Self.equal(utf8, "traceparent"): traceparent = value
            case 10 where Self.equal(utf8, "tracestate"): tracestate = value
            case 15 where Self.equal(utf8, "x-amzn-trace-id"): amznTraceID = value
            case 14 where Self.equal(utf8, "content-length"):
                contentLength = Int(value)
                contentLengthFields += 1
            case 17 where Self.equal(utf8, "transfer-encoding"): transferEncoding = value
            case 34 where Self.equal(utf8, "x-amzn-sagemaker-custom-attributes"): customAttributes = value
            case 29 where Self.equal(utf8, "x-amzn-sagemaker-target-model"): targetModel = value
            default: continue
            }
        }
    }

    /// ASCII case-insensitive equality with a lower-case literal of the same length.
    @inline(__always)
    private static func equal(_ name: String.UTF8View, _ lowercase: StaticString) -> Bool {
        var index = 0
        let expected = lowercase.utf8Start
        for byte in name {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != expected[index] { return false }
            index += 1
        }
        return true
    }
}

extension RequestHeaders {
    /// Why the head does not frame its body unambiguously, or nil. NIO's parser already refuses
    /// Content-Length with Transfer-Encoding and a repeated Content-Length (section 4 of
    /// RELIABILITY.md); this is checked again here so that no lenient parser can let one through.
    /// It accepts `Transfer-Encoding: gzip, chunked`, which it decodes as chunked without the
    /// gzip: only `chunked` alone is served.
    var framingProblem: String? {
        if contentLengthFields > 0, transferEncoding != nil { return FramingProblem.lengthAndTransferEncoding }
        if contentLengthFields > 1 { return FramingProblem.repeatedLength(contentLengthFields) }
        if let transferEncoding, !FramingProblem.isChunkedAlone(transferEncoding[...]) {
            return FramingProblem.unsupportedTransferEncoding(transferEncoding[...])
        }
        return nil
    }

    /// The trace headers, validated for echoing; empty (and free) when the request sent none.
    var traceHeaders: TraceHeaders {
        if traceparent == nil && amznTraceID == nil { return TraceHeaders() }
        return TraceHeaders(traceparent: traceparent, tracestate: tracestate, amznTraceID: amznTraceID)
    }
}
