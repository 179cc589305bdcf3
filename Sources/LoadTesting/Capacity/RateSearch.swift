/// The rate schedule of the capacity finder: double while steps pass, then bisect.
///
/// Exists apart from the finder so the search is a pure state machine that tests drive with
/// made-up verdicts, without a server.
struct RateSearch {
    let criteria: CapacityCriteria
    /// Highest passing and lowest failing rates so far.
    private(set) var bestRate: Double?
    private(set) var lowestFailing: Double?
    private(set) var limitedBy = "max steps"
    private var steps = 0
    private var done = false
    private var candidate: Double

    init(criteria: CapacityCriteria) {
        self.criteria = criteria
        self.candidate = criteria.startRate
    }

    /// The next rate to try, or nil when the search is over.
    var nextRate: Double? { self.done || self.steps >= self.criteria.maxSteps ? nil : self.candidate }

    mutating func record(_ step: CapacityStep) {
        self.steps += 1
        if step.passed {
            self.bestRate = max(self.bestRate ?? 0, step.rate)
        } else {
            self.lowestFailing = min(self.lowestFailing ?? .infinity, step.rate)
            self.limitedBy = step.failedOn ?? "p90"
        }
        switch (self.bestRate, self.lowestFailing) {
        case (let good?, nil):
            guard good < self.criteria.maxRate else {
                self.limitedBy = "max rate"
                self.done = true
                return
            }
            self.candidate = min(good * 2, self.criteria.maxRate)
        case (nil, let bad?):
            // Even the start rate failed: halve until something passes (down to 1 request/s).
            self.candidate = bad / 2
            self.done = self.candidate < 1
        case (let good?, let bad?):
            self.candidate = (good + bad) / 2
            self.done = (bad - good) / good <= self.criteria.precision
        case (nil, nil):
            self.done = true
        }
    }
}
