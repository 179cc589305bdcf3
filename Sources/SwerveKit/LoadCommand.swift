import ArgumentParser
import Foundation
import LoadTesting

/// `swerve load`: the built-in load generator (closed-loop users or an open-loop arrival rate,
/// latency percentiles, `--json`, an HTML report, and `--find-capacity` for SageMaker autoscaling).
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test an endpoint.",
        discussion: """
            Closed loop (default): --users N each send a request, wait for the response, then wait out \
            --pacing (measured from the send, like locust's constant_pacing; 0 = back to back). \
            Open loop: --rate R requests/s, latency measured from when each request was due. \
            Every run stops after --duration (then waits at most --timeout for requests in flight) \
            or --max-requests, whichever comes first. See docs/load.md.
            """
    )

    @Argument(help: "An http:// URL.")
    var url = "http://127.0.0.1:8080/invocations"

    @OptionGroup(title: "Request") var request: LoadRequestOptions
    @OptionGroup(title: "Workload") var workload: LoadWorkloadOptions
    @OptionGroup(title: "Output") var output: LoadOutputOptions
    @OptionGroup(title: "Capacity") var capacity: LoadCapacityOptions

    func run() async throws {
        let configuration = try self.makeConfiguration()
        let terminal = LoadTerminal(showProgress: !self.output.quiet)
        if self.capacity.findCapacity {
            try await self.findCapacity(configuration, terminal: terminal)
            return
        }
        let report = try await LoadInterruption.run {
            try await LoadRunner(configuration: configuration).run { terminal.progress($0) }
        }
        terminal.endProgress()
        try self.output.emit(report, capacity: nil, terminal: terminal)
        if report.requests > 0 && report.successes == 0 { throw ExitCode(1) }
    }

    private func findCapacity(_ configuration: LoadTestConfiguration, terminal: LoadTerminal) async throws {
        let target = configuration.request.target
        let variant = try self.capacity.variant()
        let metricsURL = try self.capacity.metricsURL.map { try TargetURL(parsing: $0, option: "--metrics-url") }
        let finder = CapacityFinder(
            base: configuration, criteria: try self.capacity.criteria(),
            cpuProbe: ServerCPUProbe(metricsURL: metricsURL ?? target.withPath("/metrics"))
        )
        terminal.note("finding capacity of \(target): steps of \(self.capacity.stepDuration), p90 at most \(self.capacity.p90)")
        let (result, report) = try await LoadInterruption.run {
            try await finder.run { step in
                let cpu = step.cpuPercent.map { String(format: ", cpu %.0f%%", $0) } ?? ""
                let verdict = step.passed ? "ok" : "over (\(step.failedOn ?? ""))"
                terminal.note(
                    String(format: "  %.1f req/s: p90 %.2f ms, failures %.2f%%", step.rate, step.p90Ms, step.failureRatio * 100) + cpu + ": "
                        + verdict)
            }
        }
        var capacity = result
        if capacity.sustainableRate > 0 {
            let policy = SageMakerScalingPolicy(
                variant: variant, invocationsPerInstancePerMinute: capacity.invocationsPerInstancePerMinute,
                scaleInCooldown: self.capacity.scaleInCooldown, scaleOutCooldown: self.capacity.scaleOutCooldown
            )
            capacity.scalingPolicy = policy
            if let path = self.capacity.scalingPolicy {
                try policy.encoded().write(toFile: path, atomically: true, encoding: .utf8)
                terminal.note("scaling policy written to \(path)")
            }
        } else if let path = self.capacity.scalingPolicy {
            terminal.note("no rate passed, so no scaling policy was written to \(path)")
        }
        try self.output.emit(report, capacity: capacity, terminal: terminal)
        if capacity.sustainableRate == 0 && self.capacity.scalingPolicy != nil { throw ExitCode(1) }
    }

    func makeConfiguration() throws -> LoadTestConfiguration {
        let target = try TargetURL(parsing: self.url)
        let template = RequestTemplate(
            method: self.request.method?.uppercased(), target: target,
            bodies: try BodySource.load(body: self.request.body, bodyFile: self.request.bodyFile),
            contentType: self.request.contentType, accept: self.request.accept,
            headers: try self.request.header.map { try RequestTemplate.Header(parsing: $0) }
        )
        let configuration = LoadTestConfiguration(
            request: template, workload: try self.workload.workload(),
            duration: try DurationText.parse(self.workload.duration, option: "--duration"),
            maxRequests: self.workload.maxRequests,
            timeout: try DurationText.parse(self.workload.timeout, option: "--timeout"),
            threads: self.workload.threads
        )
        try configuration.validate()
        return configuration
    }
}
