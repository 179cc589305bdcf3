import Foundation
import LoadTesting
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension LiveTests {
    @Suite("Reports")
    struct ReportTests {
        /// One short run with some failures, shared by the checks below.
        static func sampleReport() async throws -> LoadReport {
            try await withTestServer(TestServerBehavior(status: 503, delay: .milliseconds(2))) { server in
                let run = configuration(server, users(2, pacing: .milliseconds(20)), duration: .milliseconds(2200))
                return try await LoadRunner(configuration: run).run()
            }
        }

        @Test("the HTML report is well-formed XML with three SVG charts and no external resources")
        func htmlReportIsWellFormed() async throws {
            let html = HTMLReport.render(try await Self.sampleReport())
            let parser = XMLParser(data: Data(html.utf8))
            let collector = ElementCollector()
            parser.delegate = collector
            #expect(parser.parse(), "parse error: \(String(describing: parser.parserError))")
            #expect(collector.count(of: "svg") == 3)
            #expect(collector.count(of: "polyline") >= 3)
            #expect(collector.count(of: "table") >= 2)
            #expect(!html.contains("<script"))
            #expect(!html.contains("href=\"http"))
            #expect(!html.contains("src="))
            #expect(html.contains("Requests per second") && html.contains("Response times (ms)") && html.contains("Number of users"))
            #expect(html.contains("503"))
        }

        @Test("--json parses and carries the documented fields")
        func jsonParses() async throws {
            let report = try await Self.sampleReport()
            let text = try JSONReport(report).encoded()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["schemaVersion"] as? Int == 1)
            #expect(object["mode"] as? String == "closed")
            #expect(object["requests"] as? Int == report.requests)
            #expect(object["failures"] as? Int == report.requests)
            #expect((object["failuresByKind"] as? [String: Int])?["503"] == report.requests)
            let latency = try #require(object["latencyMs"] as? [String: Any])
            for key in ["count", "min", "mean", "p50", "p90", "p99", "p99_9", "max"] { #expect(latency[key] != nil, "latencyMs.\(key)") }
            let series = try #require(object["timeSeries"] as? [[String: Any]])
            #expect(series.count >= 2)
            for key in ["elapsedSeconds", "requestsPerSecond", "failuresPerSecond", "users", "latencyMs"] {
                #expect(series[0][key] != nil, "timeSeries[].\(key)")
            }
            let decoded = try JSONDecoder().decode(JSONReport.self, from: Data(text.utf8))
            #expect(decoded.requests == report.requests)
        }

        @Test("the text table names requests, failures by kind and the percentiles")
        func textTable() async throws {
            let text = TextReport.render(try await Self.sampleReport())
            #expect(text.contains("requests"))
            #expect(text.contains("503: "))
            for column in ["p50", "p90", "p99", "p99.9", "max"] { #expect(text.contains(column)) }
        }
    }
}

/// Counts elements by name while `XMLParser` checks well-formedness.
final class ElementCollector: NSObject, XMLParserDelegate {
    private var counts: [String: Int] = [:]

    func count(of name: String) -> Int { self.counts[name, default: 0] }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        self.counts[elementName, default: 0] += 1
    }
}
