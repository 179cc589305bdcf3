import Foundation

/// `--report FILE.html`: one self-contained page (inline CSS and SVG, no JavaScript, nothing
/// fetched) with the summary tables and the charts people look at in locust: requests/s with
/// failures/s, response-time percentiles, and users, all over time.
///
/// Exists so a run can be attached to a ticket or a pull request and read anywhere, offline.
/// The markup is well-formed XML (every tag closed, attributes quoted, only XML entities), so
/// tests, and any XML tool, can parse it.
public enum HTMLReport {
    public static func render(_ report: LoadReport, capacity: CapacityResult? = nil) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
        html += "<title>swerve load: \(HTML.escape(report.target.description))</title>"
        html += "<style>\(Self.style)</style></head><body>"
        html += "<h1>swerve load</h1>"
        html += "<p class=\"meta\">\(HTML.escape(report.method)) \(HTML.escape(report.target.description))<br/>"
        html += "\(HTML.escape(report.workload.summary)); duration \(DurationText.format(report.duration)), "
        html += "timeout \(DurationText.format(report.timeout)); started \(ISO8601DateFormatter().string(from: report.startedAt))</p>"
        for warning in report.warnings { html += "<p class=\"warning\">\(HTML.escape(warning))</p>" }
        html += Self.summaryTable(report)
        html += Self.charts(report)
        if let capacity { html += Self.capacitySection(capacity) }
        html += "<p class=\"meta\">Latency is measured per request from its send (closed loop) or from when it was due "
        html += "(open loop, so waiting for a free connection counts). Percentiles over time are per one-second interval.</p>"
        return html + "</body></html>\n"
    }

    private static func summaryTable(_ report: LoadReport) -> String {
        var html = "<h2>Summary</h2><table><tr><th>requests</th><th>req/s</th><th>failures</th><th>failure %</th><th>elapsed</th></tr>"
        html += "<tr><td>\(report.requests)</td><td>\(fixed(report.requestsPerSecond, 1))</td><td>\(report.failures)</td>"
        html += "<td>\(fixed(report.failureRatio * 100, 2))</td><td>\(fixed(report.elapsed.seconds, 2)) s</td></tr></table>"
        let latency = report.latency
        html += "<h2>Latency (ms)</h2><table><tr><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th></tr><tr>"
        for value in [latency.min, latency.p50, latency.p90, latency.p99, latency.p99_9, latency.max, latency.mean] {
            html += "<td>\(fixed(value, 3))</td>"
        }
        html += "</tr></table>"
        if !report.failuresByKind.isEmpty {
            html += "<h2>Failures</h2><table><tr><th>kind</th><th>count</th></tr>"
            for (kind, count) in report.sortedFailures {
                html += "<tr><td>\(HTML.escape(kind.description))</td><td>\(count)</td></tr>"
            }
            html += "</table>"
        }
        return html
    }

    private static func charts(_ report: LoadReport) -> String {
        let points = report.timeSeries
        let times = points.map(\.elapsedSeconds)
        let throughput = SVGLineChart(
            title: "Requests per second", unit: "per s", times: times,
            series: [
                .init(name: "requests/s", color: "#2e7d32", values: points.map(\.requestsPerSecond)),
                .init(name: "failures/s", color: "#c62828", values: points.map(\.failuresPerSecond)),
            ])
        let latency = SVGLineChart(
            title: "Response times (ms)", unit: "ms", times: times,
            series: [
                .init(name: "p50", color: "#1565c0", values: points.map { $0.latency?.p50 }),
                .init(name: "p90", color: "#ef6c00", values: points.map { $0.latency?.p90 }),
                .init(name: "p99", color: "#6a1b9a", values: points.map { $0.latency?.p99 }),
            ])
        let isClosed = if case .closedLoop = report.workload { true } else { false }
        let users = SVGLineChart(
            title: isClosed ? "Number of users" : "Connections open", unit: isClosed ? "users" : "connections",
            times: times, series: [.init(name: isClosed ? "users" : "connections", color: "#455a64", values: points.map { Double($0.users) })],
            integerValued: true
        )
        return "<h2>Over time</h2>" + [throughput, latency, users].map { "<div>\($0.render())</div>" }.joined()
    }

    private static func capacitySection(_ capacity: CapacityResult) -> String {
        var html = "<h2>Capacity</h2><table><tr><th>rate (req/s)</th><th>requests</th><th>p90 (ms)</th><th>p99 (ms)</th>"
        html += "<th>failure %</th><th>cpu %</th><th>verdict</th></tr>"
        for step in capacity.steps {
            html += "<tr><td>\(fixed(step.rate, 1))</td><td>\(step.requests)</td><td>\(fixed(step.p90Ms, 2))</td><td>\(fixed(step.p99Ms, 2))</td>"
            html += "<td>\(fixed(step.failureRatio * 100, 2))</td><td>\(step.cpuPercent.map { fixed($0, 0) } ?? "n/a")</td>"
            html += "<td>\(step.passed ? "ok" : "over (\(HTML.escape(step.failedOn ?? "")))")</td></tr>"
        }
        html += "</table><pre>\(HTML.escape(capacity.summary))</pre>"
        return html
    }

    private static let style = """
        body { font-family: system-ui, sans-serif; margin: 24px; color: #212121; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
        .meta { color: #616161; font-size: 13px; }
        .warning { color: #b71c1c; font-weight: 600; }
        table { border-collapse: collapse; font-size: 14px; }
        th, td { border: 1px solid #e0e0e0; padding: 4px 10px; text-align: right; }
        th { background: #f5f5f5; }
        svg.chart { margin: 8px 0; }
        """
}
