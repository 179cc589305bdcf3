import Testing

@testable import LoadTesting

@Suite("Command-line values")
struct ParsingTests {
    @Test(
        "URLs split into host, port and request target",
        arguments: [
            ("http://127.0.0.1:8080/invocations", "127.0.0.1", 8080, "/invocations"),
            ("http://example.com", "example.com", 80, "/"),
            ("HTTP://host:9/p?q=1#frag", "host", 9, "/p?q=1"),
            ("http://[::1]:8080/ping", "::1", 8080, "/ping"),
            ("http://h?x=1", "h", 80, "/?x=1"),
        ])
    func urls(text: String, host: String, port: Int, path: String) throws {
        let url = try TargetURL(parsing: text)
        #expect(url.host == host && url.port == port && url.pathAndQuery == path)
    }

    @Test("bad URLs name the problem", arguments: ["https://x/", "ftp://x", "http://", "http://h:0/", "http://h:99999/", "http://u@h/"])
    func badURLs(text: String) {
        #expect(throws: LoadTestError.self) { try TargetURL(parsing: text) }
    }

    @Test("the Host header carries a non-default port and brackets IPv6")
    func hostHeader() throws {
        #expect(try TargetURL(parsing: "http://a:8080/").hostHeader == "a:8080")
        #expect(try TargetURL(parsing: "http://a/").hostHeader == "a")
        #expect(try TargetURL(parsing: "http://[::1]:81/").hostHeader == "[::1]:81")
    }

    @Test(
        "durations accept ms, s, m, h and bare seconds",
        arguments: [
            ("200ms", Duration.milliseconds(200)), ("1s", .seconds(1)), ("1.5s", .milliseconds(1500)),
            ("2m", .seconds(120)), ("1h", .seconds(3600)), ("0", .zero), ("3", .seconds(3)), ("250us", .microseconds(250)),
        ])
    func durations(text: String, expected: Duration) throws {
        #expect(try DurationText.parse(text, option: "--x") == expected)
    }

    @Test("bad durations are rejected", arguments: ["", "-1s", "fast", "1d", "nan"])
    func badDurations(text: String) {
        #expect(throws: LoadTestError.self) { try DurationText.parse(text, option: "--x") }
    }

    @Test("headers parse as 'Name: value' and reject line breaks")
    func headers() throws {
        let header = try RequestTemplate.Header(parsing: "X-Amzn-SageMaker-Custom-Attributes:  a=1 ")
        #expect(header == .init(name: "X-Amzn-SageMaker-Custom-Attributes", value: "a=1"))
        #expect(throws: LoadTestError.self) { try RequestTemplate.Header(parsing: "no colon") }
        #expect(throws: LoadTestError.self) { try RequestTemplate.Header(parsing: "Bad Name: v") }
        #expect(throws: LoadTestError.self) { try RequestTemplate.Header(name: "X", value: "a\r\nb").validate() }
    }

    @Test("the content type is inferred from the first body when not given")
    func contentTypeInference() {
        let url = TargetURL(host: "h", port: 80)
        #expect(RequestTemplate(target: url, bodies: [Array(" {\"a\":1}".utf8)]).inferredContentType == "application/json")
        #expect(RequestTemplate(target: url, bodies: [Array("1,2,3".utf8)]).inferredContentType == "text/csv")
        #expect(RequestTemplate(target: url).method == "GET")
        #expect(RequestTemplate(target: url, bodies: [[1]]).method == "POST")
    }

    @Test("prepared requests are what NIO's encoder writes, with Content-Length per body")
    func preparedBytes() throws {
        let template = RequestTemplate(
            target: TargetURL(host: "h", port: 8080, pathAndQuery: "/invocations"), bodies: [Array("1,2".utf8), Array("10,20".utf8)],
            accept: "application/json", headers: [.init(name: "X-Trace", value: "t")]
        )
        let prepared = try template.prepare()
        #expect(prepared.count == 2)
        let first = String(buffer: prepared[0].bytes)
        #expect(first.hasPrefix("POST /invocations HTTP/1.1\r\n"))
        for line in ["Host: h:8080", "Content-Type: text/csv", "Accept: application/json", "X-Trace: t", "Content-Length: 3"] {
            #expect(first.contains(line + "\r\n"), "missing \(line)")
        }
        #expect(first.hasSuffix("\r\n\r\n1,2"))
        #expect(String(buffer: prepared[1].bytes).hasSuffix("Content-Length: 5\r\n\r\n10,20"))
    }

    @Test("limits reject runaway values")
    func limits() {
        let request = RequestTemplate(target: TargetURL(host: "h", port: 80))
        let bad: [LoadTestConfiguration] = [
            .init(request: request, workload: .closedLoop(users: 0, spawnRate: nil, pacing: .zero)),
            .init(request: request, workload: .closedLoop(users: 1_000_000, spawnRate: nil, pacing: .zero)),
            .init(request: request, workload: .openLoop(rate: 0, connections: 1)),
            .init(request: request, workload: .openLoop(rate: 10, connections: 0)),
            .init(request: request, workload: .openLoop(rate: 10, connections: 1), duration: .seconds(7200)),
            .init(request: request, workload: .openLoop(rate: 10, connections: 1), maxRequests: 0),
            .init(request: request, workload: .openLoop(rate: 10, connections: 1), timeout: .seconds(3600)),
        ]
        for configuration in bad { #expect(throws: LoadTestError.self) { try configuration.validate() } }
    }

    @Test("work is split across loops exactly")
    func splits() {
        #expect(RunPlan.split(10, into: 3) == [4, 3, 3])
        #expect(RunPlan.split(1, into: 2) == [1, 0])
        #expect(RunPlan.split(100_000_000, into: 7).reduce(0, +) == 100_000_000)
    }
}

@Suite("Charts")
struct ChartTests {
    @Test("axis ticks are round numbers from zero covering the maximum")
    func ticks() {
        #expect(SVGLineChart.ticks(upTo: 230) == [0, 50, 100, 150, 200, 250])
        #expect(SVGLineChart.ticks(upTo: 0.9) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0])
        #expect(SVGLineChart.ticks(upTo: 3, minimumStep: 1) == [0, 1, 2, 3])
        #expect(SVGLineChart.ticks(upTo: 0) == [0, 1])
        #expect(SVGLineChart.label(0.6000000000000001) == "0.6")
    }

    @Test("gaps in a series split its line")
    func runs() {
        #expect(SVGLineChart.runs(of: [1, 2, nil, 3, nil, nil, 4, 5]) == [[0, 1], [3], [6, 7]])
    }
}
