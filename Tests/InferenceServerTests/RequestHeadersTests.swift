import NIOHTTP1
import Testing

@testable import InferenceServer

@Suite("Request headers and route paths are recognised by their bytes, in any case")
struct RequestHeadersTests {
    @Test("every header read is found whatever the case of its name")
    func namesInAnyCase() {
        for spelled in [
            ["content-type", "accept", "x-request-id", "x-amzn-sagemaker-custom-attributes", "content-length"],
            ["Content-Type", "Accept", "X-Request-Id", "X-Amzn-SageMaker-Custom-Attributes", "Content-Length"],
            ["CONTENT-TYPE", "ACCEPT", "X-REQUEST-ID", "X-AMZN-SAGEMAKER-CUSTOM-ATTRIBUTES", "CONTENT-LENGTH"],
        ] {
            let headers = RequestHeaders(
                HTTPHeaders([
                    (spelled[0], "text/csv"), (spelled[1], "application/json"), (spelled[2], "abc"), (spelled[3], "output=label"),
                    (spelled[4], "12"),
                ]))
            #expect(headers.contentType == "text/csv", "\(spelled)")
            #expect(headers.accept == "application/json", "\(spelled)")
            #expect(headers.requestID == "abc", "\(spelled)")
            #expect(headers.customAttributes == "output=label", "\(spelled)")
            #expect(headers.contentLength == 12 && headers.contentLengthFields == 1, "\(spelled)")
        }
    }

    @Test("a name of the same length that differs in one byte, or is not ASCII, is not read")
    func nearMisses() {
        let headers = RequestHeaders(
            HTTPHeaders([
                ("content-typf", "text/csv"), ("x-request-ix", "abc"), ("acceé", "x"), ("tracestatf", "y"),
                ("transfer-encodinf", "chunked"),
            ]))
        #expect(headers.contentType == nil)
        #expect(headers.requestID == nil)
        #expect(headers.accept == nil)
        #expect(headers.tracestate == nil)
        #expect(headers.transferEncoding == nil)
        #expect(headers.framingProblem == nil)
    }

    @Test("two Content-Length fields are counted, and named as the framing problem")
    func repeatedLength() {
        let headers = RequestHeaders(HTTPHeaders([("Content-Length", "3"), ("content-length", "3")]))
        #expect(headers.contentLengthFields == 2)
        #expect(headers.framingProblem != nil)
    }

    @Test("routes are matched on the exact path bytes")
    func routes() {
        #expect(RouteLabel(path: "/invocations") == .invocations)
        #expect(RouteLabel(path: "/ping") == .ping)
        #expect(RouteLabel(path: "/execution-parameters") == .executionParameters)
        #expect(RouteLabel(path: "/metrics") == .metrics)
        #expect(RouteLabel(path: "/PING") == .other)
        #expect(RouteLabel(path: "/pinG") == .other)
        #expect(RouteLabel(path: "/invocationz") == .other)
        #expect(RouteLabel(path: "/endpoints/my-endpoint/invocations") == .invocations)
        // A substring of a longer URI, as `Request.path` gives it.
        let uri = "/invocations?x=1"
        #expect(RouteLabel(path: Request.path(of: uri)) == .invocations)
    }
}
