import Foundation
import InMemoryTracing
import NIOCore
import Testing
import Tracing

@testable import InferenceServer

@Suite("Tracing: a span per request, children for queue wait and every stage, context in and out")
struct TracingTests {
    /// Waits until the tracer has `count` finished spans (the request span ends when the response
    /// is written, after the test has read it).
    static func finished(_ tracer: InMemoryTracer, atLeast count: Int) async throws -> [FinishedInMemorySpan] {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let spans = tracer.finishedSpans
            if spans.count >= count { return spans }
            try await Task.sleep(for: .milliseconds(2))
        }
        return tracer.finishedSpans
    }

    @Test("a queued request: server span, child of the caller's context, with queue_wait, input_fn, the model's stage and output_fn")
    func queuedRequest() async throws {
        let tracer = InMemoryTracer()
        let server = try TestServer(tracer: tracer) { $0.inlineMaxMicroseconds = 0 }
        let connection = try await server.connect()
        try await connection.send(invocation("echo:traced", extraHeaders: "in-memory-trace-id: trace-1\r\nin-memory-span-id: caller-span\r\n"))
        let response = try await connection.response()
        #expect(response.status == 200)
        let spans = try await Self.finished(tracer, atLeast: 5)
        let request = try #require(spans.first { $0.kind == .server })
        #expect(request.operationName == "POST /invocations")
        #expect(request.traceID == "trace-1")
        #expect(request.parentSpanID == "caller-span")
        #expect(request.attributes.get("http.response.status_code") == .int64(200))
        #expect(request.attributes.get("swerve.request_id") == .string(try #require(response.header("x-request-id"))))
        let children = spans.filter { $0.parentSpanID == request.spanID }
        #expect(children.map(\.operationName) == ["queue_wait", "input_fn", "think", "output_fn"])
        #expect(children.allSatisfy { $0.traceID == "trace-1" })
        // Children are contiguous: each starts where the previous ended (one clock reading).
        for (earlier, later) in zip(children, children.dropFirst()) {
            #expect(earlier.endInstant.nanosecondsSinceEpoch == later.startInstant.nanosecondsSinceEpoch)
        }
        // The response carries the tracer's context for the request span.
        #expect(response.header("in-memory-trace-id") == "trace-1")
        #expect(response.header("in-memory-span-id") == request.spanID)
        await server.stop()
    }

    @Test("a request run inline on the event loop gets the same stage spans (no queue_wait)")
    func inlineRequest() async throws {
        let tracer = InMemoryTracer()
        let server = try TestServer(tracer: tracer) { $0.inlineMaxMicroseconds = 1_000_000 }
        for _ in 0..<AdmissionControl.warmUp { server.pool.learn(bytes: 10, nanoseconds: 1000) }  // small requests now go inline
        let connection = try await server.connect()
        try await connection.send(invocation("echo:inline"))
        #expect(try await connection.response().status == 200)
        #expect(server.server.metrics == nil && server.pool.waiting == 0)
        let spans = try await Self.finished(tracer, atLeast: 4)
        let request = try #require(spans.first { $0.kind == .server })
        #expect(spans.filter { $0.parentSpanID == request.spanID }.map(\.operationName) == ["input_fn", "think", "output_fn"])
        await server.stop()
    }

    @Test("a failing model: the span ends with error status 500; other routes get spans too")
    func failureAndOtherRoutes() async throws {
        let tracer = InMemoryTracer()
        let server = try TestServer(tracer: tracer)
        let connection = try await server.connect()
        try await connection.send(invocation("crash"))
        #expect(try await connection.response().status == 500)
        try await connection.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await connection.response().status == 200)
        let spans = try await Self.finished(tracer, atLeast: 3)
        let servers = spans.filter { $0.kind == .server }
        #expect(servers.map(\.operationName).sorted() == ["GET /ping", "POST /invocations"])
        let failed = try #require(servers.first { $0.operationName == "POST /invocations" })
        #expect(failed.status?.code == .error)
        #expect(failed.attributes.get("http.response.status_code") == .int64(500))
        await server.stop()
    }

    @Test("a request abandoned by its client still ends its span")
    func abandoned() async throws {
        let tracer = InMemoryTracer()
        let server = try TestServer(tracer: tracer)
        let connection = try await server.connect()
        let gate = "trace-abandon-\(UUID().uuidString)"
        try await connection.send(invocation("wait:\(gate)"))
        try await connection.channel.close()
        // The span ends when the connection closes, while the model is still blocked on the gate.
        let spans = try await Self.finished(tracer, atLeast: 1)
        Gates.shared.open(gate)
        let request = try #require(spans.first { $0.kind == .server })
        #expect(request.attributes.get("error.type") == .string("client_closed"))
        #expect(request.status?.code == .error)
        await server.stop()
    }

    @Test("with metrics off, a tracer still gets the stage spans")
    func tracingWithoutMetrics() async throws {
        let tracer = InMemoryTracer()
        let server = try TestServer(tracer: tracer) { $0.inlineMaxMicroseconds = 0 }
        #expect(server.server.metrics == nil)
        let connection = try await server.connect()
        try await connection.send(invocation("echo:x"))
        #expect(try await connection.response().status == 200)
        let spans = try await Self.finished(tracer, atLeast: 5)
        #expect(spans.map(\.operationName).contains("think"))
        await server.stop()
    }

    @Test("the no-op tracer means no tracing at all")
    func noOpIsOff() {
        #expect(RequestTracer.resolve(NoOpTracer(), model: "m") == nil)
        #expect(RequestTracer.resolve(InMemoryTracer(), model: "m") != nil)
    }
}
