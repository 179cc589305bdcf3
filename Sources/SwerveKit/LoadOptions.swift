import ArgumentParser
import LoadTesting

/// What each request carries.
struct LoadRequestOptions: ParsableArguments {
    @Option(help: "HTTP method (default: POST with a body, GET without).")
    var method: String?

    @Option(help: "Request body; '@FILE' sends a whole file as one body.")
    var body: String?

    @Option(help: "A file of request bodies, one per line, sent in turn (cycled; blank lines skipped).")
    var bodyFile: String?

    @Option(help: "Content-Type of the body (default: application/json if it starts with { or [, else text/csv).")
    var contentType: String?

    @Option(help: "Accept header.")
    var accept: String?

    @Option(help: "Extra header 'Name: value' (repeatable).")
    var header: [String] = []
}

/// Closed-loop users or an open-loop rate, and the bounds of the run.
struct LoadWorkloadOptions: ParsableArguments {
    @Option(help: "Closed loop: number of users (default 1).")
    var users: Int?

    @Option(help: "Closed loop: users started per second (default: all at once).")
    var spawnRate: Double?

    @Option(help: "Closed loop: time from one request's send to the user's next (e.g. 1s; 0 = back to back).")
    var pacing = "0"

    @Option(help: "Open loop: constant arrival rate in requests/s; latency counts from when each was due.")
    var rate: Double?

    @Option(help: "Open loop: most connections to open (default \(Workload.defaultOpenLoopConnections)).")
    var connections: Int?

    @Option(help: "How long to start requests (max 1h).")
    var duration = "10s"

    @Option(help: "Stop after this many requests.")
    var maxRequests: Int?

    @Option(help: "Per-request timeout (open loop: from when the request was due).")
    var timeout = "10s"

    @Option(help: "Event-loop threads generating load.")
    var threads = 1

    func workload() throws -> Workload {
        if let rate {
            guard self.users == nil, self.spawnRate == nil, self.pacing == "0" else {
                throw ValidationError("--rate (open loop) cannot be combined with --users, --spawn-rate or --pacing")
            }
            return .openLoop(rate: rate, connections: self.connections ?? Workload.defaultOpenLoopConnections)
        }
        guard self.connections == nil else { throw ValidationError("--connections applies to --rate; closed loop uses one per user") }
        return .closedLoop(
            users: self.users ?? 1, spawnRate: self.spawnRate,
            pacing: try DurationText.parse(self.pacing, option: "--pacing")
        )
    }
}

/// Where results go.
struct LoadOutputOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout instead of the table (fields in docs/load.md).")
    var json = false

    @Option(help: "Also write a self-contained HTML report with charts to this file.")
    var report: String?

    @Flag(help: "No live progress line (it is shown only on a terminal anyway).")
    var quiet = false
}

/// `--find-capacity` and its criteria.
struct LoadCapacityOptions: ParsableArguments {
    @Flag(help: "Find the highest arrival rate meeting --p90, --max-cpu and --max-failure-ratio.")
    var findCapacity = false

    @Option(help: "p90 latency bound for --find-capacity.")
    var p90 = "200ms"

    @Option(help: "Server CPU bound, percent of one core summed over cores like CloudWatch (0 = no bound).")
    var maxCpu: Double = 80

    @Option(help: "Tolerated failed fraction.")
    var maxFailureRatio = 0.01

    @Option(help: "First rate tried (requests/s); doubled, then bisected.")
    var startRate: Double = 10

    @Option(help: "Highest rate tried (requests/s).")
    var maxRate: Double = 100_000

    @Option(help: "Length of each step.")
    var stepDuration = "5s"

    @Option(help: "Most steps.")
    var maxSteps = 16

    @Option(help: "Autoscaling target = rate x 60 x this (AWS suggests 0.5).")
    var safetyFactor = 0.5

    @Option(help: "Prometheus metrics URL (default: /metrics on the target's host and port).")
    var metricsURL: String?

    @Option(help: "SageMaker endpoint named in the printed scaling policy.")
    var endpointName = "swerve"

    @Option(help: "SageMaker production variant named in the printed scaling policy.")
    var variantName = "AllTraffic"

    @Option(help: "Scaling policy: seconds after a scale-in before another may start.")
    var scaleInCooldown = 300

    @Option(help: "Scaling policy: seconds after a scale-out before its effect is assessed.")
    var scaleOutCooldown = 60

    @Option(help: "Also write the scaling policy JSON to this file (for put-scaling-policy --cli-input-json).")
    var scalingPolicy: String?

    /// The endpoint variant the policy scales, checked against SageMaker's naming rule.
    func variant() throws -> SageMakerScalingPolicy.Variant {
        let variant = SageMakerScalingPolicy.Variant(endpointName: self.endpointName, variantName: self.variantName)
        try variant.validate()
        guard self.scaleInCooldown >= 0, self.scaleOutCooldown >= 0 else {
            throw LoadTestError(option: "--scale-in-cooldown/--scale-out-cooldown", "must not be negative")
        }
        return variant
    }

    func criteria() throws -> CapacityCriteria {
        CapacityCriteria(
            p90: try DurationText.parse(self.p90, option: "--p90"), maxCPUPercent: self.maxCpu > 0 ? self.maxCpu : nil,
            maxFailureRatio: self.maxFailureRatio, startRate: self.startRate, maxRate: self.maxRate,
            stepDuration: try DurationText.parse(self.stepDuration, option: "--step-duration"),
            maxSteps: self.maxSteps, safetyFactor: self.safetyFactor
        )
    }
}
