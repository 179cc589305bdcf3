import NIOCore
import NIOPosix

/// `--find-capacity`: finds the highest open-loop arrival rate the server sustains under the
/// ``CapacityCriteria``, by doubling the rate until a step fails, then bisecting between the last
/// passing and the first failing rate.
///
/// Exists because "how many invocations per instance?" is the number SageMaker autoscaling needs
/// and the one people guess. Steps are open loop so queueing shows up as latency; each step is a
/// full, bounded ``LoadRunner`` run, with the server's CPU read from its `/metrics` around it.
public struct CapacityFinder: Sendable {
    /// The request, connection cap and threads; its workload and duration are replaced per step.
    public var base: LoadTestConfiguration
    public var criteria: CapacityCriteria
    public var cpuProbe: ServerCPUProbe?

    public init(base: LoadTestConfiguration, criteria: CapacityCriteria, cpuProbe: ServerCPUProbe?) {
        self.base = base
        self.criteria = criteria
        self.cpuProbe = cpuProbe
    }

    /// Runs the search; `onStep` hears each step as it finishes. Returns the result and the report
    /// of the best passing step (or the last step, when none passed). Cancelling the task ends the
    /// search after the steps completed so far (the interrupted step is discarded).
    public func run(onStep: (@Sendable (CapacityStep) -> Void)? = nil) async throws -> (CapacityResult, LoadReport) {
        try self.criteria.validate()
        let probeGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { probeGroup.shutdownGracefully { _ in } }
        var search = RateSearch(criteria: self.criteria)
        var steps: [CapacityStep] = []
        var cpuSource: String?
        var best: LoadReport?
        var last: LoadReport?
        var interrupted = false
        while let rate = search.nextRate {
            let before = await self.cpuProbe?.read(group: probeGroup)
            let report = try await LoadRunner(configuration: self.stepConfiguration(rate: rate)).run()
            if Task.isCancelled {
                interrupted = true
                last = last ?? report
                break
            }
            let cpu = ServerCPUProbe.utilization(from: before, to: await self.cpuProbe?.read(group: probeGroup))
            cpuSource = cpuSource ?? cpu?.source
            let step = self.judge(rate: rate, report: report, cpuPercent: cpu?.percent)
            steps.append(step)
            onStep?(step)
            search.record(step)
            if step.passed { best = report }
            last = report
            // Let the server drain its queues and close sockets before the next step.
            try? await Task.sleep(for: .milliseconds(500))
        }
        let rate = search.bestRate ?? 0
        var targetStep: CapacityStep?
        if rate > 0 && !interrupted && !Task.isCancelled {
            // Measure the server at the rate autoscaling will hold it to: its CPU there is what a
            // CPU-based autoscaler (Kubernetes' HPA) should target.
            let targetRate = rate * self.criteria.safetyFactor
            let before = await self.cpuProbe?.read(group: probeGroup)
            let report = try await LoadRunner(configuration: self.stepConfiguration(rate: targetRate)).run()
            if !Task.isCancelled {
                let cpu = ServerCPUProbe.utilization(from: before, to: await self.cpuProbe?.read(group: probeGroup))
                targetStep = self.judge(rate: targetRate, report: report, cpuPercent: cpu?.percent)
            }
        }
        let result = CapacityResult(
            sustainableRate: rate, p90LimitMs: self.criteria.p90.seconds * 1000,
            maxCPUPercent: self.criteria.maxCPUPercent, maxFailureRatio: self.criteria.maxFailureRatio,
            cpuSource: cpuSource, safetyFactor: self.criteria.safetyFactor,
            invocationsPerInstancePerMinute: rate * 60 * self.criteria.safetyFactor,
            limitedBy: interrupted ? "interrupted" : search.limitedBy, steps: steps, targetStep: targetStep
        )
        guard let report = best ?? last else { throw LoadTestError(option: "--find-capacity", "no step ran") }
        return (result, report)
    }

    /// One step: open loop at `rate` for the step duration. The per-request timeout is capped at
    /// ten times the p90 bound (at least 1 s): a request that slow fails the step anyway, and the
    /// cap keeps an overloaded step from draining for the full `--timeout`.
    func stepConfiguration(rate: Double) -> LoadTestConfiguration {
        var configuration = self.base
        let connections: Int
        if case .openLoop(_, let cap) = self.base.workload { connections = cap } else { connections = Workload.defaultOpenLoopConnections }
        configuration.workload = .openLoop(rate: rate, connections: connections)
        configuration.duration = self.criteria.stepDuration
        configuration.maxRequests = nil
        configuration.timeout = min(self.base.timeout, max(.seconds(1), self.criteria.p90 * 10))
        return configuration
    }

    func judge(rate: Double, report: LoadReport, cpuPercent: Double?) -> CapacityStep {
        var failedOn: [String] = []
        let p90Limit = self.criteria.p90.seconds * 1000
        if report.latency.count == 0 || report.latency.p90 > p90Limit { failedOn.append("p90") }
        if report.failureRatio > self.criteria.maxFailureRatio { failedOn.append("failures") }
        if let limit = self.criteria.maxCPUPercent, let cpuPercent, cpuPercent > limit { failedOn.append("cpu") }
        return CapacityStep(
            rate: rate, requests: report.requests, failureRatio: report.failureRatio,
            p90Ms: report.latency.p90, p99Ms: report.latency.p99, cpuPercent: cpuPercent,
            passed: failedOn.isEmpty, failedOn: failedOn.isEmpty ? nil : failedOn.joined(separator: "+")
        )
    }
}
