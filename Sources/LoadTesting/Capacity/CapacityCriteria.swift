/// What "sustainable" means for `--find-capacity`, and how hard to look for it.
///
/// Exists to keep the question explicit ("the highest arrival rate with p90 under 200 ms, CPU
/// under 80 % and at most 1 % failures") and the search bounded (each step a few seconds, a
/// fixed number of steps), so the finder always ends and says which limit it hit.
public struct CapacityCriteria: Sendable {
    /// The p90 latency a sustainable rate must stay under.
    public var p90: Duration
    /// Server CPU, percent of one core summed over cores (CloudWatch's scale); nil for no limit.
    public var maxCPUPercent: Double?
    /// The failed fraction tolerated (timeouts, connection errors, status ≥ 400).
    public var maxFailureRatio: Double
    /// First arrival rate tried, in requests per second; the search doubles from here.
    public var startRate: Double
    /// The search never goes above this rate.
    public var maxRate: Double
    /// Length of each step.
    public var stepDuration: Duration
    /// Most steps in total (doubling plus bisection).
    public var maxSteps: Int
    /// Bisection stops once the gap between passing and failing rates is below this fraction.
    public var precision: Double
    /// `SageMakerVariantInvocationsPerInstance` = sustainable rate × 60 × this. AWS suggests 0.5
    /// so an instance is scaled out well before it saturates.
    public var safetyFactor: Double

    public init(
        p90: Duration = .milliseconds(200), maxCPUPercent: Double? = 80, maxFailureRatio: Double = 0.01,
        startRate: Double = 10, maxRate: Double = 100_000, stepDuration: Duration = .seconds(5),
        maxSteps: Int = 16, precision: Double = 0.1, safetyFactor: Double = 0.5
    ) {
        self.p90 = p90
        self.maxCPUPercent = maxCPUPercent
        self.maxFailureRatio = maxFailureRatio
        self.startRate = startRate
        self.maxRate = maxRate
        self.stepDuration = stepDuration
        self.maxSteps = maxSteps
        self.precision = precision
        self.safetyFactor = safetyFactor
    }

    public func validate() throws(LoadTestError) {
        func check(_ ok: Bool, _ option: String, _ message: String) throws(LoadTestError) {
            if !ok { throw LoadTestError(option: option, message) }
        }
        try check(self.p90 > .zero, "--p90", "must be positive")
        try check(self.maxCPUPercent.map { $0 > 0 } ?? true, "--max-cpu", "must be positive (percent of one core, summed over cores)")
        try check((0..<1).contains(self.maxFailureRatio), "--max-failure-ratio", "must be in [0, 1)")
        try check(self.startRate > 0 && self.startRate <= self.maxRate, "--start-rate", "must be in (0, max rate]")
        try check(self.maxRate <= LoadTestConfiguration.Limits.rate, "--max-rate", "must be at most \(Int(LoadTestConfiguration.Limits.rate))")
        try check(self.stepDuration >= .seconds(1) && self.stepDuration <= .seconds(60), "--step-duration", "must be 1s...60s")
        try check((1...40).contains(self.maxSteps), "--max-steps", "must be 1...40")
        try check(self.precision > 0 && self.precision < 1, "precision", "must be in (0, 1)")
        try check(self.safetyFactor > 0 && self.safetyFactor <= 1, "--safety-factor", "must be in (0, 1]")
    }
}
