import ModelRuntimes
import NIOCore
import ServiceLifecycle

/// The opt-in deep health check: a background thread that sends the model's sample request
/// through the whole pipeline (decode, predict, encode) every few seconds and keeps the last
/// result for `/ping` to report.
///
/// It runs on a thread of its own, outside the worker pool and the event loops, so that a model
/// that hangs in the probe is seen as "probe running too long" instead of blocking anything.
/// A ping never runs the model; it reads the last result. `@unchecked Sendable`: every `var` is
/// guarded by `lock`.
public final class HealthProbe: Service, @unchecked Sendable {
    private let pipeline: InferencePipeline
    private let sample: SampleRequest
    private let contentType: MediaType
    private let accept: MediaType
    private let interval: TimeAmount
    /// Guards every field below.
    private let lock = ConditionLock()
    private var lastFailure: ServingError?
    private var completed = 0
    /// Monotonic nanoseconds when the running probe started; 0 while none runs.
    private var runningSince: UInt64 = 0
    private var stopping = false
    private var started = false

    /// Fails when the model cannot read the sample's content type.
    public init(pipeline: InferencePipeline, sample: SampleRequest, interval: TimeAmount) throws {
        self.pipeline = pipeline
        self.sample = sample
        self.interval = interval
        do {
            contentType = try pipeline.negotiator.contentType(for: sample.contentType)
            accept = try pipeline.negotiator.accept(for: nil, requestType: contentType)
        } catch {
            throw ConfigurationError(name: "sample", problem: "the model cannot read its sample request: \(error)")
        }
    }

    /// Starts the probe's thread: it probes at once, then every `interval`, until stopped.
    /// Later calls do nothing.
    public func start() {
        let first = lock.withLock {
            defer { started = true }
            return !started
        }
        if first { startDetachedThread { [self] in probeLoop() } }
    }

    /// Starts the probe (if `start` has not) and stops it on graceful shutdown.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
    }

    /// Why the model is unhealthy by the last probe, or nil. A probe still running after
    /// `stuckAfter` counts as a failure.
    func problem(stuckAfter: TimeAmount) -> String? {
        lock.withLock {
            if runningSince != 0, CPUClock.monotonicNanoseconds() &- runningSince > UInt64(stuckAfter.nanoseconds) {
                return "the health probe's sample request has run for more than \(Double(stuckAfter.nanoseconds) / 1e9) s (a hung model?)"
            }
            guard let lastFailure else { return nil }
            return "the model's sample request failed: \(lastFailure.status) \(lastFailure.code): \(lastFailure.message)"
        }
    }

    /// Probes completed so far (for tests).
    var completedProbes: Int { lock.withLock { completed } }

    private func probeLoop() {
        while true {
            probeOnce()
            let stop = lock.withLock {
                if !stopping { lock.wait(nanoseconds: UInt64(interval.nanoseconds)) }
                return stopping
            }
            if stop { return }
        }
    }

    func probeOnce() {
        lock.withLock { runningSince = CPUClock.monotonicNanoseconds() }
        let outcome = pipeline.run(ByteBuffer(bytes: sample.body), contentType: contentType, accept: accept, context: InvocationContext())
        lock.withLock {
            runningSince = 0
            completed += 1
            if case .failure(let error) = outcome.result { lastFailure = error } else { lastFailure = nil }
        }
    }
}
