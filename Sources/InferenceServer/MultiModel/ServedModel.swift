import Atomics
import NIOConcurrencyHelpers

/// One model loaded in multi-model mode: its pipeline, where it came from, what it measured, and
/// the counts that unloading and eviction go by.
///
/// Requests reach it only through `ModelStore.acquire`, which counts it in flight under the
/// store's lock; once the store has dropped it (unload, eviction) no request can start, and the
/// last request to finish (or the unload itself, if none was running) hands it to the loader,
/// exactly once, to release its memory.
///
/// Thread-safety: `pipeline`, `lastUsed`, `recentInvocations` and `series` are guarded by the
/// store's lock (`@unchecked Sendable` for them); the in-flight count and the unload flags are
/// atomics; the drain callback is behind its own lock.
final class ServedModel: @unchecked Sendable {
    let name: String
    let url: String
    /// Measured size (see `HeapMeter`).
    let memoryBytes: Int
    let loadSeconds: Double
    /// Requests of this model admitted and not yet finished.
    private let inFlight = ManagedAtomic(0)
    private let unloading = ManagedAtomic(false)
    private let drainClaimed = ManagedAtomic(false)
    private let onDrained = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)
    /// Whether the `X-Amzn-SageMaker-Target-Model` behind this name has been logged at info level.
    let targetModelLogged = ManagedAtomic(false)

    /// Guarded by the store's lock: the pipeline, until the loader releases the model's memory.
    var pipeline: InferencePipeline?
    /// Guarded by the store's lock: monotonic nanoseconds of the last request (or of the load).
    var lastUsed: UInt64
    /// Guarded by the store's lock: requests since the labels were last ranked.
    var recentInvocations = 0
    /// Guarded by the store's lock: the series its requests record into (nil: metrics off).
    var series: ModelSeries?

    init(name: String, url: String, pipeline: InferencePipeline, memoryBytes: Int, loadSeconds: Double, series: ModelSeries?) {
        self.name = name
        self.url = url
        self.memoryBytes = memoryBytes
        self.loadSeconds = loadSeconds
        self.series = series
        self.pipeline = pipeline
        lastUsed = CPUClock.monotonicNanoseconds()
    }

    /// Requests running now.
    var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Called by the store, under its lock, when a request is admitted.
    func admitted(now: UInt64) {
        inFlight.wrappingIncrement(ordering: .relaxed)
        lastUsed = now
        recentInvocations += 1
    }

    /// Called once per admitted request when it has ended.
    func finished() {
        if inFlight.wrappingDecrementThenLoad(ordering: .sequentiallyConsistent) == 0, unloading.load(ordering: .sequentiallyConsistent) {
            drained()
        }
    }

    /// Called once the store has dropped the model (no request can start any more): `onDrained`
    /// runs, once, when the requests in flight have finished (now, if there are none).
    func unload(onDrained callback: @escaping @Sendable () -> Void) {
        onDrained.withLockedValue { $0 = callback }
        unloading.store(true, ordering: .sequentiallyConsistent)
        if inFlight.load(ordering: .sequentiallyConsistent) == 0 { drained() }
    }

    private func drained() {
        guard drainClaimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let callback = onDrained.withLockedValue { callback in
            defer { callback = nil }
            return callback
        }
        callback?()
    }
}

/// The `InvocationTracker` of one admitted request of a served model: records the request in the
/// model's series and lets an unload proceed once the model's last request has ended.
struct ModelLease: InvocationTracker {
    let model: ServedModel
    let series: ModelSeries?

    func finished(status: UInt, modelNanoseconds: UInt64) {
        series?.invoked(status: status, modelNanoseconds: modelNanoseconds)
        model.finished()
    }
}
