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
            switch utf8.withContiguousStorageIfAvailable(Field.init) ?? Array(utf8).withUnsafeBufferPointer(Field.init) {
            case .accept: accept = value
            case .expect: expect = value
            case .contentType: contentType = value
            case .requestID: requestID = value
            case .traceparent: traceparent = value
            case .tracestate: tracestate = value
            case .amznTraceID: amznTraceID = value
            case .contentLength:
                contentLength = Int(value)
                contentLengthFields += 1
            case .transferEncoding: transferEncoding = value
            case .customAttributes: customAttributes = value
            case .targetModel: targetModel = value
            case nil: continue
            }
        }
    }

    /// The header fields read, known by their name's length first and then its bytes, in any case.
    private enum Field {
        case accept, expect, contentType, requestID, traceparent, tracestate, amznTraceID, contentLength
        case transferEncoding, customAttributes, targetModel

        init?(_ name: UnsafeBufferPointer<UInt8>) {
            func named(_ literal: StaticString) -> Bool { ASCIIComparison.equal(name, literal, foldingCase: true) }
            switch name.count {
            case 6 where named("accept"): self = .accept
            case 6 where named("expect"): self = .expect
            case 12 where named("content-type"): self = .contentType
            case 12 where named("x-request-id"): self = .requestID
            case 11 where named("traceparent"): self = .traceparent
            case 10 where named("tracestate"): self = .tracestate
            case 15 where named("x-amzn-trace-id"): self = .amznTraceID
            case 14 where named("content-length"): self = .contentLength
            case 17 where named("transfer-encoding"): self = .transferEncoding
            case 34 where named("x-amzn-sagemaker-custom-attributes"): self = .customAttributes
            case 29 where named("x-amzn-sagemaker-target-model"): self = .targetModel
            default: return nil
            }
        }
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
