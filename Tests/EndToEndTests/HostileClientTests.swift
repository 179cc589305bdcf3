import Foundation
import HTTPTestSupport
import Testing

/// Issue 10 part 4: clients that pipeline without reading, send ambiguous framing, take every file
/// descriptor, or try to inject headers, against the real `swerve` binary over loopback
/// (RELIABILITY.md, section 4).
@Suite("Hostile and broken clients against the real process", .serialized)
struct HostileClientTests {
    /// Request `index` of the pipeliner's stream, with id `p<index>`: a real-estate row, and every
    /// tenth a `GET /metrics` (a 49 KB answer, so that unread answers add up to megabytes beyond
    /// what the kernel's socket buffers absorb: small answers alone fit in them).
    static func pipelinedRequest(_ index: Int) -> String {
        if index % 10 == 9 { return "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Request-Id: p\(index)\r\n\r\n" }
        return invocationRequest(#"{"distance": 150}"#, extraHeaders: "X-Request-Id: p\(index)\r\n")
    }

    @Test(
        "a client that pipelines 20,000 requests and never reads: the server's memory stays bounded, it serves others, and the answers come in order once the client reads",
        .disabled(if: Sanitizer.isActive, "RSS bounds do not hold under a sanitizer's shadow memory, and 20,000 requests take minutes"))
    func pipelinerThatNeverReads() async throws {
        let server = try await SwerveProcess.serve(model: "real-estate", extraArguments: ["--timeout", "600"])
        let stats = ProcessStats(pid: server.process.processIdentifier)
        // Warm up (allocator pools, the first requests' one-off costs), then take the baseline.
        let warm = try LoopbackClient(port: server.port)
        try await warm.send((0..<200).map(Self.pipelinedRequest).joined())
        for _ in 0..<200 { #expect(try await warm.response().status == 200) }
        try await Task.sleep(for: .milliseconds(300))
        let baseline = try #require(stats.residentMegabytes)

        let count = 20_000
        let stream = Array((0..<count).map(Self.pipelinedRequest).joined().utf8)
        let hostile = try LoopbackClient(port: server.port, timeout: 300)
        // The client writes everything and reads nothing; its writes block once the server stops
        // reading, which is the point.
        let sending = Task { try await hostile.send(bytes: stream) }
        var peak = baseline
        let watchUntil = Date().addingTimeInterval(8)
        while Date() < watchUntil {
            peak = max(peak, stats.residentMegabytes ?? 0)
            try await Task.sleep(for: .milliseconds(100))
        }
        let growth = peak - baseline
        print("pipeliner: RSS baseline \(Int(baseline)) MiB, peak \(Int(peak)) MiB over 8 s (+\(Int(growth)) MiB)")
        #expect(growth < 40, "RSS grew by \(Int(growth)) MiB while a client pipelined without reading")

        // Meanwhile other clients are served.
        let other = try LoopbackClient(port: server.port)
        try await other.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await other.response().status == 200)
        try await other.send(invocationRequest(#"{"distance": 150}"#))
        let answer = try await other.response()
        #expect(answer.status == 200 && answer.body == #"{"cost":50.3}"#)

        // The client reads at last: every answer, in request order.
        var inOrder = 0
        for index in 0..<count {
            let response = try await hostile.response()
            guard response.status == 200, response.header("x-request-id") == "p\(index)" else {
                Issue.record("answer \(index): \(response.status) \(response.header("x-request-id") ?? "no id")")
                break
            }
            inOrder += 1
        }
        #expect(inOrder == count)
        try await sending.value
    }

    /// Ambiguous framing: NIO refuses each of these; the 400 names the problem, then the
    /// connection closes (what follows the head cannot be framed).
    static let ambiguousFraming: [(name: String, head: String, problem: String)] = [
        (
            "Content-Length with Transfer-Encoding",
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "both Content-Length and Transfer-Encoding"
        ),
        (
            "Transfer-Encoding with Content-Length",
            "POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            "both Content-Length and Transfer-Encoding"
        ),
        (
            "two different Content-Length values", "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
            "two different Content-Length values (3 and 5)"
        ),
        (
            "the same Content-Length twice", "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nabcde",
            "Content-Length sent 2 times"
        ),
        (
            "a Content-Length list", "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 5\r\n\r\nabcde",
            #"Content-Length \"3, 5\" is not a number of bytes"#
        ),
        ("obs-fold with a space", "GET /ping HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", "obsolete line folding is not accepted"),
        ("obs-fold with a tab", "GET /ping HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n", "obsolete line folding is not accepted"),
        ("a bare LF after a header", "GET /ping HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", "ends in a bare LF"),
        ("bare LFs throughout", "GET /ping HTTP/1.1\nHost: x\n\n", "ends in a bare LF"),
        ("a bare LF ending the head", "GET /ping HTTP/1.1\r\nHost: x\r\n\n", "ends in a bare LF"),
        (
            "chunked, then gzip", "POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
            #"Transfer-Encoding \"chunked, gzip\" is not supported"#
        ),
        (
            "gzip, then chunked (NIO accepts it; the server refuses it)",
            "POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            #"Transfer-Encoding \"gzip, chunked\" is not supported"#
        ),
        (
            "Transfer-Encoding twice",
            "POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding sent 2 times"
        ),
        (
            "whitespace before a header's colon", "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nabcde",
            #"whitespace between the header name \"Content-Length\" and its colon"#
        ),
    ]

    @Test("ambiguous framing gets a 400 naming the problem, then the connection closes")
    func ambiguousFramingIsRefused() async throws {
        let server = try await SwerveProcess.serve(model: "real-estate")
        for (name, head, problem) in Self.ambiguousFraming {
            let client = try LoopbackClient(port: server.port)
            // A second request behind it: it must never be answered (it could have been smuggled).
            try await client.send(head + "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.response()
            #expect(response.status == 400, "\(name)")
            #expect(response.header("content-type") == "application/json", "\(name)")
            #expect(response.header("connection") == "close", "\(name)")
            #expect(response.body.contains(#""code":"bad_request""#), "\(name): \(response.body)")
            #expect(response.body.contains(problem), "\(name): \(response.body)")
            #expect(await client.isClosedByServer(), "\(name): the connection closes after the 400")
        }
        #expect(server.process.isRunning)
    }

    @Test(
        "more connections than file descriptors: the held ones are served, the rest are refused without the server spinning, and it recovers",
        .disabled(if: Sanitizer.isActive, "CPU-time bounds do not hold under a sanitizer"))
    func descriptorExhaustion() async throws {
        // A shell sets the limit, then becomes swerve (exec keeps the pid).
        let command = #"ulimit -n 256 && exec "$0" serve --model-dir "$1" --port 0 --workers 2"#
        let server = try await offThePool {
            let process = try SwerveProcess(
                ["-c", command, SwerveProcess.executable.path, SwerveProcess.model("real-estate")], executable: URL(fileURLWithPath: "/bin/sh"))
            try process.waitForPort()
            return process
        }
        let stats = ProcessStats(pid: server.process.processIdentifier)
        let limits = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/limits", encoding: .utf8)
        #expect(limits.split(separator: "\n").contains { $0.hasPrefix("Max open files") && $0.contains(" 256 ") })

        // 1,000 connections, kept open: the kernel completes them into the listen backlog (1024);
        // the server keeps 256 - 128 = 128 of them and closes the others at once.
        let clients = try await offThePool { try (0..<1000).map { _ in try LoopbackClient(port: server.port, timeout: 3) } }
        try await Task.sleep(for: .seconds(2))
        let descriptors = stats.openDescriptors ?? 0
        print("descriptors: server holds \(descriptors) of 256 with 1,000 connections open")
        #expect(descriptors > 128 && descriptors < 200, "128 connections and the server's own descriptors (\(descriptors) open)")
        #expect(
            await server.standardError(contains: "connection refused: too many open connections")
                || server.standardOutput.contains("too many open connections"))

        // The connections it holds are served.
        for client in clients.prefix(20) {
            try await client.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.response().status == 200)
        }
        try await clients[0].send(invocationRequest(#"{"distance": 150}"#))
        #expect(try await clients[0].response().body == #"{"cost":50.3}"#)
        // One over the cap was refused: its client reads end of stream.
        #expect(await clients[999].isClosedByServer())

        // Saturated and idle, the server does not spin on a failing accept.
        let before = try #require(stats.cpuSeconds)
        try await Task.sleep(for: .seconds(3))
        let used = try #require(stats.cpuSeconds) - before
        print("descriptors: \(used) s of CPU in 3 s while saturated")
        #expect(used < 0.5, "the server used \(used) s of CPU in 3 s of saturation: a busy accept loop?")
        #expect(server.process.isRunning)

        // Once the clients go, it recovers: a new connection is served.
        let closing = clients
        _ = closing.count
        try await offThePool { for client in closing { shutdown(client.descriptor, Int32(SHUT_RDWR)) } }
        var recovered = false
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, !recovered {
            if let response = try? await LoopbackClient.exchange(port: server.port, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n") {
                recovered = response.status == 200
            }
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered, "a new connection gets a /ping 200 once the others have closed")
        #expect(server.process.isRunning)
    }

    @Test("no request header can inject a header into the response: CR/LF, obs-fold, non-ASCII in X-Request-Id, trace headers and custom attributes")
    func headerInjection() async throws {
        let server = try await SwerveProcess.serve(model: "real-estate")
        let allowed: Set<String> = [
            "content-type", "content-length", "x-request-id", "connection", "traceparent", "tracestate", "x-amzn-trace-id", "allow", "retry-after",
        ]
        let body = Array(#"{"distance": 150}"#.utf8)
        func request(_ header: [UInt8], path: String = "/invocations") -> [UInt8] {
            Array("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n".utf8)
                + header + Array("\r\n\r\n".utf8) + body
        }
        let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        // Values whose bytes are fine for NIO (it passes 0x80-0xFF through) but not to echo.
        let unsafeValues: [[UInt8]] = [
            Array("id\u{E9}".utf8), [0x61, 0x80, 0x62], [0xFF, 0xFE], Array("caf\u{E9}; Set-Cookie: x=1".utf8), Array("a b".utf8),
        ]
        for value in unsafeValues {
            for name in ["X-Request-Id", "X-Amzn-SageMaker-Custom-Attributes", "X-Amzn-Trace-Id", "tracestate"] {
                var header = Array("\(name): ".utf8) + value
                if name == "tracestate" { header = Array("traceparent: \(traceparent)\r\n".utf8) + header }
                for path in ["/invocations", "/nowhere"] {
                    let client = try LoopbackClient(port: server.port)
                    try await client.send(bytes: request(header, path: path))
                    let response = try await client.response()
                    let label = "\(name): \(value) on \(path)"
                    #expect(response.status < 500, "\(label)")
                    for (headerName, headerValue) in response.headers {
                        #expect(allowed.contains(headerName.lowercased()), "\(label): unexpected response header \(headerName)")
                        #expect(
                            headerValue.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "\(label): \(headerName) carries non-ASCII"
                        )
                    }
                    let id = try #require(response.header("x-request-id"))
                    #expect(!id.contains("Set-Cookie") && id.unicodeScalars.allSatisfy { $0.isASCII }, "\(label)")
                    if name == "X-Request-Id" {
                        #expect(
                            id.range(of: #"^[0-9a-f]{8}-[0-9a-f]+-[0-9a-f]+$"#, options: .regularExpression) != nil,
                            "\(label): an unsafe id is replaced by a made one, got \(id)")
                    }
                }
            }
        }
        // CR LF inside a value just ends it: what follows is another request header, never a response one.
        let client = try LoopbackClient(port: server.port)
        try await client.send(bytes: request(Array("X-Request-Id: a\r\nSet-Cookie: x=1".utf8)))
        let split = try await client.response()
        #expect(split.status == 200 && split.header("x-request-id") == "a" && split.header("set-cookie") == nil)
        // A bare CR, a NUL, or an obs-fold continuation: NIO refuses the request, 400 and closed.
        for smuggled in ["X-Request-Id: a\rSet-Cookie: x=1", "X-Request-Id: a\u{0}b", "X-Request-Id: a\r\n Set-Cookie: x=1"] {
            let client = try LoopbackClient(port: server.port)
            try await client.send(bytes: request(Array(smuggled.utf8)))
            let response = try await client.response()
            #expect(response.status == 400 && response.header("set-cookie") == nil, "\(smuggled.debugDescription)")
            #expect(await client.isClosedByServer())
        }
    }
}
