import NIOHTTP1
import Tracing

/// Reads trace context (W3C `traceparent`/`tracestate`, or whatever the bootstrapped tracer's
/// propagator reads) from a request's headers.
struct HTTPHeadersExtractor: Extractor {
    func extract(key: String, from headers: HTTPHeaders) -> String? {
        headers.first(name: key)
    }
}

/// Collects the trace headers a tracer writes for a span, for the response. Values that are not
/// safe to put in a header (`EchoedHeader.isPrintable`) are dropped.
struct TraceHeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) {
        guard EchoedHeader.isToken(key, maximumLength: 64), EchoedHeader.isPrintable(value, maximumLength: 1024) else { return }
        carrier.append((key.lowercased(), value))
    }
}
