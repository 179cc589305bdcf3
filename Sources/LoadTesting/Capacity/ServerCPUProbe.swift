import NIOCore
import NIOPosix

/// Reads the server's CPU use from its Prometheus `/metrics`, as CloudWatch's `CPUUtilization`
/// counts it: percent of one core, summed over cores (a 4-core host at full load reads 400).
///
/// Exists so the capacity finder can respect a CPU limit without any agent on the server: a
/// process CPU counter (`process_cpu_seconds_total`) sampled before and after a step gives the
/// step's average; failing that, a utilization gauge (`swerve_cpu_utilization_percent`) is read
/// at the end of the step. A server without either simply has no CPU criterion.
public struct ServerCPUProbe: Sendable {
    /// A reading taken at one instant.
    public struct Reading: Sendable {
        var uptimeNanoseconds: UInt64
        var cpuSeconds: Double?
        var utilizationPercent: Double?
    }

    public static let counterName = "process_cpu_seconds_total"
    public static let gaugeName = "swerve_cpu_utilization_percent"

    public var metricsURL: TargetURL

    public init(metricsURL: TargetURL) {
        self.metricsURL = metricsURL
    }

    /// Reads the metrics once; nil when the endpoint is missing or has neither metric.
    public func read(group: EventLoopGroup) async -> Reading? {
        guard let response = try? await OneShotRequest.get(self.metricsURL, group: group, timeout: .seconds(2)),
            response.status == 200
        else { return nil }
        let reading = Reading(
            uptimeNanoseconds: NIODeadline.now().uptimeNanoseconds,
            cpuSeconds: PrometheusText.sum(of: Self.counterName, in: response.body),
            utilizationPercent: PrometheusText.sum(of: Self.gaugeName, in: response.body)
        )
        return reading.cpuSeconds == nil && reading.utilizationPercent == nil ? nil : reading
    }

    /// CPU percent between two readings: from the counter when both have it, else the later gauge.
    public static func utilization(from before: Reading?, to after: Reading?) -> (percent: Double, source: String)? {
        guard let after else { return nil }
        if let before, let start = before.cpuSeconds, let end = after.cpuSeconds, after.uptimeNanoseconds > before.uptimeNanoseconds {
            let wall = Double(after.uptimeNanoseconds - before.uptimeNanoseconds) / 1e9
            return (max(0, end - start) / wall * 100, Self.counterName)
        }
        return after.utilizationPercent.map { ($0, Self.gaugeName) }
    }
}

/// The few lines of the Prometheus text format the probe needs: `name{labels} value [timestamp]`.
enum PrometheusText {
    /// The sum of every sample of `metric` (all label sets), or nil when there is none.
    static func sum(of metric: String, in text: String) -> Double? {
        var total: Double?
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(metric) {
            var rest = line.dropFirst(metric.count)
            guard let next = rest.first, next == " " || next == "{" || next == "\t" else { continue }
            if next == "{" {
                guard let close = rest.lastIndex(of: "}") else { continue }
                rest = rest[rest.index(after: close)...]
            }
            guard let token = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).first,
                let value = Double(token), value.isFinite
            else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
