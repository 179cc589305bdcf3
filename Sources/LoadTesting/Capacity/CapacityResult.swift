/// One rate tried by the capacity finder and whether it held: the evidence behind the answer,
/// kept so a reader can see where latency, failures or CPU gave way.
public struct CapacityStep: Codable, Sendable, Equatable {
    public var rate: Double
    public var requests: Int
    public var failureRatio: Double
    public var p90Ms: Double
    public var p99Ms: Double
    /// Server CPU during the step (percent of one core, summed over cores); nil when unknown.
    public var cpuPercent: Double?
    public var passed: Bool
    /// Why it failed: `"p90"`, `"cpu"`, `"failures"`, or several joined by `+`; nil when passed.
    public var failedOn: String?
}

/// The answer of `--find-capacity`: the highest sustainable arrival rate and the SageMaker
/// autoscaling target it suggests.
///
/// Exists as a value so the text output, `--json` and the HTML report give the same answer with
/// the same evidence (every step tried).
public struct CapacityResult: Codable, Sendable, Equatable {
    /// Highest rate tried that met every criterion, requests per second; 0 when none did.
    public var sustainableRate: Double
    public var p90LimitMs: Double
    public var maxCPUPercent: Double?
    public var maxFailureRatio: Double
    /// Metric the CPU figures came from, nil when the server exposes none.
    public var cpuSource: String?
    public var safetyFactor: Double
    /// Suggested `SageMakerVariantInvocationsPerInstance` target: invocations per instance per
    /// minute = sustainable rate × 60 × safety factor.
    public var invocationsPerInstancePerMinute: Double
    /// What stopped the rate from going higher: `"p90"`, `"cpu"`, `"failures"` (or several joined
    /// by `+`), `"max rate"`, `"max steps"`, or `"interrupted"` (Ctrl-C).
    public var limitedBy: String
    public var steps: [CapacityStep]
    /// A step run after the search at the autoscaling target (sustainable rate × safety factor):
    /// the server's CPU there is the Kubernetes HorizontalPodAutoscaler's CPU target. Nil when
    /// no rate passed or the search was interrupted.
    public var targetStep: CapacityStep?
    /// The SageMaker target-tracking policy for the suggested target; set by the command line,
    /// which knows the endpoint and variant names.
    public var scalingPolicy: SageMakerScalingPolicy?

    /// The lines printed after the search.
    public var summary: String {
        var lines: [String] = []
        for step in self.steps {
            var line = "  \(TextReport.pad(fixed(step.rate, 1) + " req/s", 16))p90 \(TextReport.pad(DurationText.formatMilliseconds(step.p90Ms), 9))"
            line += "failures \(TextReport.pad(fixed(step.failureRatio * 100, 2) + "%", 8))"
            line += "cpu " + TextReport.pad(step.cpuPercent.map { fixed($0, 0) + "%" } ?? "n/a", 6)
            line += step.passed ? "ok" : "over (\(step.failedOn ?? "?"))"
            lines.append(line)
        }
        if self.cpuSource == nil && self.maxCPUPercent != nil {
            lines.append("note: the server's /metrics has no \(ServerCPUProbe.counterName) or \(ServerCPUProbe.gaugeName); CPU not checked")
        }
        guard self.sustainableRate > 0 else {
            lines.append("no rate tried met the criteria; lower --start-rate or relax --p90 / --max-cpu")
            return lines.joined(separator: "\n") + "\n"
        }
        let why = self.limitedBy == "interrupted" ? "search interrupted; it may be higher" : "limited by \(self.limitedBy)"
        lines.append("sustainable rate: \(fixed(self.sustainableRate, 1)) req/s per instance (\(why))")
        lines.append("suggested SageMakerVariantInvocationsPerInstance target: \(Int(self.invocationsPerInstancePerMinute.rounded())) per minute")
        lines.append("  = \(fixed(self.sustainableRate, 1)) req/s × 60 × safety factor \(fixed(self.safetyFactor, 2))")
        if let target = self.targetStep {
            var line = "at that target (\(fixed(target.rate, 1)) req/s): p90 \(DurationText.formatMilliseconds(target.p90Ms))"
            if let cpu = target.cpuPercent {
                line +=
                    ", server cpu \(fixed(cpu, 0))% of one core: Kubernetes HPA averageUtilization \(fixed(cpu, 0))% ÷ the pod's CPU request in cores"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
