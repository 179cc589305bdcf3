/// Decides whether a request may wait for a worker, by the wait it would see rather than by how
/// many requests are ahead of it: 500 single-row requests queued behind a 50,000-a-second model
/// wait 10 ms, which is harmless; 50 10,000-row batches may wait seconds, which is not.
///
/// The wait a request would see is the work queued ahead of it, divided by the number of jobs
/// that run at once (workers, but no more than there are cores). Work is estimated from measured
/// service times: a moving average of the wall time of small jobs, and of nanoseconds per byte
/// for large ones. Until enough jobs have been measured every request is admitted (the count and
/// byte bounds of the queue still hold). A pure value: the pool keeps it under its lock, and tests
/// drive it with numbers instead of a clock.
struct AdmissionControl: Sendable {
    /// The longest expected wait admitted, in nanoseconds (`SWERVE_MAX_QUEUE_WAIT`).
    let maxWaitNanoseconds: Double
    /// Jobs that run at the same time.
    let parallelism: Int
    /// Jobs up to this many payload bytes (a few rows) are "small": their cost is one average;
    /// larger ones cost a measured number of nanoseconds per byte.
    static let smallJobBytes = 1024
    /// Weight of the newest observation in the moving averages.
    static let weight = 0.05
    /// Observations needed before estimates are trusted.
    static let warmUp = 8

    private(set) var smallJobNanoseconds = 0.0
    private(set) var nanosecondsPerByte = 0.0
    private(set) var smallObservations = 0
    private(set) var largeObservations = 0

    init(maxWaitNanoseconds: Double, parallelism: Int) {
        self.maxWaitNanoseconds = maxWaitNanoseconds
        self.parallelism = max(1, parallelism)
    }

    /// True once small jobs have been measured often enough to be estimated.
    var knowsSmallJobs: Bool { smallObservations >= Self.warmUp }

    /// The estimated service time of a job with `bytes` of payload, in nanoseconds; a lower bound
    /// (possibly 0) while its size class is not measured yet.
    func estimate(bytes: Int) -> Double {
        knownEstimate(bytes: bytes) ?? (knowsSmallJobs ? smallJobNanoseconds : 0)
    }

    /// The estimated service time once its size class has been measured, else nil.
    func knownEstimate(bytes: Int) -> Double? {
        guard knowsSmallJobs else { return nil }
        guard bytes > Self.smallJobBytes else { return smallJobNanoseconds }
        guard largeObservations >= Self.warmUp else { return nil }
        return max(smallJobNanoseconds, nanosecondsPerByte * Double(bytes))
    }

    /// An observation counts as at most this many times the current average: a thread descheduled
    /// in the middle of one job does not triple the estimate, while a model that really slows
    /// down still raises it by 15% a job.
    static let outlierFactor = 4.0

    /// Learns from a finished job.
    mutating func observe(bytes: Int, nanoseconds: UInt64) {
        let duration = Double(nanoseconds)
        if bytes <= Self.smallJobBytes {
            let counted = knowsSmallJobs ? min(duration, Self.outlierFactor * smallJobNanoseconds) : duration
            smallJobNanoseconds = smallObservations == 0 ? counted : smallJobNanoseconds + Self.weight * (counted - smallJobNanoseconds)
            smallObservations += 1
        } else {
            let perByte = duration / Double(bytes)
            nanosecondsPerByte = largeObservations == 0 ? perByte : nanosecondsPerByte + Self.weight * (perByte - nanosecondsPerByte)
            largeObservations += 1
        }
    }

    /// The wait a request arriving now would see, with `queuedWork` nanoseconds of work ahead.
    func expectedWait(queuedWork: Double) -> Double { queuedWork / Double(parallelism) }

    /// Whether a request arriving with `queuedWork` ahead of it is admitted.
    func admits(queuedWork: Double) -> Bool { expectedWait(queuedWork: queuedWork) <= maxWaitNanoseconds }
}
