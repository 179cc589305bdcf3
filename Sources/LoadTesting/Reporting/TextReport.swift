/// The final table printed after a run, for people.
///
/// Exists so the summary reads the same everywhere (the CLI, the capacity finder's steps, the
/// benchmark scripts that grep it): one fact per line, latency as one row of percentiles.
public enum TextReport {
    public static func render(_ report: LoadReport) -> String {
        var lines: [String] = []
        lines.append("target      \(report.method) \(report.target)")
        var limits = "duration \(DurationText.format(report.duration)), timeout \(DurationText.format(report.timeout))"
        if let maxRequests = report.maxRequests { limits += ", max \(maxRequests) requests" }
        lines.append("workload    \(report.workload.summary); \(limits)")
        lines.append("elapsed     \(fixed(report.elapsed.seconds, 2))s")
        lines.append("requests    \(report.requests)  (\(fixed(report.requestsPerSecond, 1)) req/s)")
        var failures = "failures    \(report.failures)  (\(fixed(report.failureRatio * 100, 2))%)"
        for (kind, count) in report.sortedFailures { failures += "  \(kind): \(count)" }
        lines.append(failures)
        lines.append("latency     " + ["min", "p50", "p90", "p99", "p99.9", "max", "mean"].map { pad($0, 10) }.joined())
        lines.append("            " + Self.latencyValues(report.latency))
        if let corrected = report.wrkCorrectedLatency, report.latency.count > 0 {
            // wrk's statistic, for comparisons with wrk only: measured values plus the requests
            // each user would have sent during long responses (see docs/load.md).
            lines.append("wrk-style   " + Self.latencyValues(corrected) + "(coordinated-omission corrected like wrk 4)")
        }
        lines.append(
            "generator   cpu \(fixed(report.generatorCPUPercent, 0))% of one core, \(report.threads) thread\(report.threads == 1 ? "" : "s")")
        for warning in report.warnings { lines.append("warning     " + warning) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The one-line live view: time, totals, the last second's rate, failures, users and latency.
    public static func progressLine(_ progress: LoadProgress) -> String {
        let point = progress.latest
        var line = "\(fixed(point.elapsedSeconds, 0))s/\(DurationText.format(progress.duration))"
        line += "  \(progress.requests) req  \(fixed(point.requestsPerSecond, 1)) req/s"
        line += "  \(progress.failures) failed (\(fixed(point.failuresPerSecond, 1))/s)  users \(point.users)"
        if let latency = point.latency {
            line += "  p50 \(DurationText.formatMilliseconds(latency.p50))"
            line += "  p90 \(DurationText.formatMilliseconds(latency.p90))"
            line += "  p99 \(DurationText.formatMilliseconds(latency.p99))"
        }
        return line
    }

    /// One row of the latency table: min, p50, p90, p99, p99.9, max and mean.
    static func latencyValues(_ latency: LatencySummary) -> String {
        guard latency.count > 0 else { return "no responses" }
        return [latency.min, latency.p50, latency.p90, latency.p99, latency.p99_9, latency.max, latency.mean]
            .map { pad(DurationText.formatMilliseconds($0), 10) }.joined()
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
