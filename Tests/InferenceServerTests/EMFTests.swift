import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import InferenceServer

@Suite("CloudWatch Embedded Metric Format")
struct EMFTests {
    @Test("one aggregated endpoint document and one per container, with CloudWatch names and units")
    func documents() throws {
        let factory = EMFMetricsFactory()
        let metrics = ServerMetrics(factory: factory, model: "churn", stageNames: ["xgboost"])
        for _ in 0..<7 { metrics.responded(route: .invocations, status: 200, nanoseconds: 1_000) }
        metrics.responded(route: .invocations, status: 400, nanoseconds: 1_000)
        metrics.responded(route: .invocations, status: 503, nanoseconds: 1_000)
        metrics.responded(route: .ping, status: 200, nanoseconds: 1_000)
        for microseconds in [100, 200, 300, 400] { metrics.modelLatency.recordNanoseconds(Int64(microseconds * 1000)) }
        metrics.containerLatency[1].recordNanoseconds(50_000)
        metrics.containerCPU[1].increment(by: 0.125)
        metrics.cpuUtilization.record(150.0)
        let lines = NIOLockedValueBox([String]())
        var configuration = EMFConfiguration()
        configuration.endpointName = "churn-endpoint"
        let reporter = EMFReporter(factory: factory, configuration: configuration) { line in lines.withLockedValue { $0.append(line) } }
        reporter.report()
        let documents = try lines.withLockedValue { $0 }.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(documents.count == 4, "the endpoint, then input_fn, output_fn and xgboost")

        let endpoint = documents[0]
        let aws = try #require(endpoint["_aws"] as? [String: Any])
        #expect(aws["Timestamp"] is Int)
        let directive = try #require((aws["CloudWatchMetrics"] as? [[String: Any]])?.first)
        #expect(directive["Namespace"] as? String == "Swerve")
        #expect(directive["Dimensions"] as? [[String]] == [["EndpointName", "VariantName"]])
        let units = Dictionary(uniqueKeysWithValues: (directive["Metrics"] as! [[String: String]]).map { ($0["Name"]!, $0["Unit"]!) })
        #expect(units["ModelLatency"] == "Microseconds")
        #expect(units["CPUUtilization"] == "Percent")
        #expect(endpoint["EndpointName"] as? String == "churn-endpoint")
        #expect(endpoint["Invocations"] as? Double == 9)
        #expect(endpoint["Invocation4XXErrors"] as? Double == 1)
        #expect(endpoint["Invocation5XXErrors"] as? Double == 1)
        #expect(endpoint["CPUUtilization"] as? Double == 150)
        let latencies = try #require(endpoint["ModelLatency"] as? [Double])
        #expect(latencies.count == 4)
        for (value, expected) in zip(latencies, [100.0, 200, 300, 400]) { #expect(abs(value - expected) / expected < 0.03) }

        let xgboost = try #require(documents.first { $0["ContainerName"] as? String == "xgboost" })
        #expect(xgboost["ModelName"] as? String == "churn")
        #expect(xgboost["ContainerCPUTime"] as? Double == 0.125)
        #expect(
            ((xgboost["_aws"] as! [String: Any])["CloudWatchMetrics"] as! [[String: Any]])[0]["Dimensions"] as? [[String]]
                == [["EndpointName", "VariantName", "ContainerName"]])

        lines.withLockedValue { $0.removeAll() }
        reporter.report()
        let next = try JSONSerialization.jsonObject(with: Data(lines.withLockedValue { $0 }[0].utf8)) as! [String: Any]
        #expect(next["Invocations"] as? Double == 0, "values are per interval")
        #expect(next["ModelLatency"] == nil)
    }

    @Test("a thousand samples become 100 quantiles whose mean is the samples' mean")
    func quantiles() {
        let timer = EMFTimer(key: EMFKey(label: "t", dimensions: []))
        for value in 1...1000 { timer.recordNanoseconds(Int64(value) * 1000) }
        let (values, count) = timer.drainQuantiles()
        #expect(count == 1000)
        #expect(values.count == 100)
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 500.5) / 500.5 < 0.02, "\(mean)")
        #expect(values == values.sorted())
    }
}
