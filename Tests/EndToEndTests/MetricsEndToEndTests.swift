import Foundation
import HTTPTestSupport
import Testing

@Suite("/metrics of the real process under churn traffic", .serialized)
struct MetricsEndToEndTests {
    static let row = "AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"

    private func scrape(_ port: Int) async throws -> (text: String, metrics: PrometheusText) {
        let response = try await LoopbackClient.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(response.status == 200)
        #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return (response.body, try PrometheusText(response.body))
    }

    @Test("counters rise by exactly the requests made; container CPU is positive and adds up")
    func churnTraffic() async throws {
        let server = try await SwerveProcess.serve(model: "churn")
        let (_, before) = try await scrape(server.port)
        let client = try LoopbackClient(port: server.port)
        let batch = Array(repeating: Self.row, count: 2000).joined(separator: "\n")
        for index in 0..<40 {
            try await client.send(invocationRequest(index % 4 == 0 ? batch : Self.row, contentType: "text/csv"))
            #expect(try await client.response().status == 200)
        }
        for bad in ["AK,55", "AK,x55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4", "{"] {
            try await client.send(invocationRequest(bad, contentType: "text/csv"))
            #expect(try await client.response().status == 400)
        }
        for _ in 0..<5 {
            try await client.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try await client.response()
        }
        let (text, after) = try await scrape(server.port)

        func delta(_ name: String, _ labels: [String: String] = [:]) -> Double { after.sum(name, labels) - before.sum(name, labels) }
        #expect(delta("swerve_requests_total", ["route": "/invocations", "status": "2xx"]) == 40)
        #expect(delta("swerve_requests_total", ["route": "/invocations", "status": "4xx"]) == 3)
        #expect(delta("swerve_requests_total", ["route": "/ping", "status": "2xx"]) == 5)
        #expect(delta("swerve_requests_total", ["route": "/metrics", "status": "2xx"]) == 1, "the first scrape")
        #expect(delta("swerve_model_latency_seconds_count") == 43)
        #expect(delta("swerve_overhead_latency_seconds_count") == 43)
        #expect(delta("swerve_queue_wait_seconds_count") == 43)
        #expect(after.value("swerve_requests_in_flight") == 0)

        let containers = ["input_fn", "transform", "xgboost", "logistic_regression", "random_forest", "label", "output_fn"]
        let cpu = containers.map { after.value("swerve_container_cpu_seconds_total", ["model": "churn", "container": $0]) }
        for (name, seconds) in zip(containers, cpu) { #expect(seconds > 0, "\(name) burnt no CPU") }
        #expect(cpu[2] > cpu[3], "the 150-tree booster costs more than the logistic regression")
        #expect(delta("swerve_container_latency_seconds_count", ["container": "xgboost"]) == 40)
        // Containers + worker overhead = the worker threads' CPU + the model CPU of requests run
        // inline on event loops (none in a debug build, where no request is estimated that short).
        let attributed = cpu.reduce(0, +) + after.value("swerve_worker_overhead_cpu_seconds_total")
        let workers = after.value("swerve_thread_cpu_seconds_total", ["role": "worker"]) + after.value("swerve_inline_model_cpu_seconds_total")
        #expect(
            abs(attributed - workers) <= max(0.01, 0.03 * workers), "containers + overhead \(attributed) s vs worker threads + inline \(workers) s")
        #expect(cpu.reduce(0, +) <= after.value("process_cpu_seconds_total"))
        #expect(after.value("process_resident_memory_bytes") > 1_000_000)

        if let python = PrometheusParser.python {
            #expect(try await PrometheusParser.validateOffThePool(text, python: python), "the official Python parser accepts the exposition")
        }
    }

    @Test("--no-metrics serves without /metrics")
    func metricsOff() async throws {
        let server = try await SwerveProcess.serve(model: "real-estate", extraArguments: ["--no-metrics"])
        #expect(try await LoopbackClient.exchange(port: server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").status == 404)
        #expect(try await LoopbackClient.exchange(port: server.port, invocationRequest(#"{"distance": 150}"#)).body == #"{"cost":50.3}"#)
    }

    @Test("--emf writes aggregated EMF documents to stdout", .timeLimit(.minutes(1)))
    func emf() async throws {
        let server = try await SwerveProcess.serve(
            model: "churn", extraArguments: ["--emf", "--emf-interval", "0.5"],
            environment: ["SWERVE_ENDPOINT_NAME": "churn-endpoint"])
        for _ in 0..<10 {
            #expect(try await LoopbackClient.exchange(port: server.port, invocationRequest(Self.row, contentType: "text/csv")).body == "1\n")
        }
        var documents: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            documents = server.standardOutput.split(separator: "\n").filter { $0.hasPrefix("{\"_aws\"") }
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            // Requests may fall into several intervals: wait until every one has been reported.
            let reported = documents.compactMap { $0["Invocations"] as? Double }.reduce(0, +)
            // A container's CPU time is flushed with its worker's accounting window, so it may
            // land in another interval than its latencies: wait for both.
            let xgboost = documents.filter { $0["ContainerName"] as? String == "xgboost" }
            if reported >= 10 && xgboost.contains(where: { $0["ContainerLatency"] != nil })
                && xgboost.contains(where: { $0["ContainerCPUTime"] != nil })
            {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let invocations = documents.compactMap { $0["Invocations"] as? Double }.reduce(0, +)
        #expect(invocations == 10, "every request counted once across the intervals")
        #expect(documents.allSatisfy { $0["EndpointName"] as? String == "churn-endpoint" })
        let xgboost = documents.filter { $0["ContainerName"] as? String == "xgboost" }
        let latencies = xgboost.compactMap { $0["ContainerLatency"] as? [Double] }.joined()
        #expect(!latencies.isEmpty, "xgboost's container latency is reported, in whichever intervals")
        #expect(xgboost.contains { $0["ContainerCPUTime"] != nil }, "and its CPU time")
    }
}

/// The official Python client's parser (`prometheus_client`): the Python named by
/// `SWERVE_TEST_PYTHON` (CI sets it, and then the check is required), else a system Python that
/// happens to have it.
enum PrometheusParser {
    static let python: String? = {
        if let required = ProcessInfo.processInfo.environment["SWERVE_TEST_PYTHON"] { return required }
        return ["/usr/bin/python3", "/usr/local/bin/python3"].first { run($0, ["-c", "import prometheus_client"], input: "") == 0 }
    }()

    static func validate(_ text: String, python: String) throws -> Bool {
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            families = list(text_string_to_metric_families(sys.stdin.read()))
            assert any(f.name == "swerve_requests" for f in families), [f.name for f in families]
            """
        return run(python, ["-c", script], input: text) == 0
    }

    /// `validate`, off the cooperative pool (it waits for Python).
    static func validateOffThePool(_ text: String, python: String) async throws -> Bool {
        try await offThePool { try validate(text, python: python) }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: String) -> Int32 {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return -1 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
