import CSwerveMemory
import CoreMetrics
import Logging
import ModelRuntimes
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one thread that loads and unloads models in multi-model mode, so that loading never runs
/// on an event loop (which would stall every connection on it) nor on a model worker (which
/// serves other models' requests).
///
/// - Commands queue here from the event loops (a load, bounded by `maxPendingLoads`) and from
///   whichever thread ends an unloaded model's last request (a release); each completes the
///   request's `PendingResponse` on its event loop when done.
/// - Loads run one at a time, which is what lets `HeapMeter` attribute the allocator's growth to
///   the model being loaded, under Linux's SCHED_IDLE policy (else nice 10), so that the
///   scheduler always favours the threads serving requests (a load takes longer; traffic keeps
///   its latency).
/// - Between commands it ranks the per-model metric labels (`ModelLabels`) every
///   `labelRankInterval`.
///
/// A `Service`: the thread starts when the service group runs and stops at shutdown, after the
/// listener has closed and the connections have drained (loads still queued then get 503).
///
/// Thread-safety: the queue and flags are guarded by `lock`; `labels` is confined to the thread.
public final class ModelLoader: Service, @unchecked Sendable {
    private enum Command {
        case load(name: String, url: String, pending: PendingResponse)
        case release(ServedModel, pending: PendingResponse?)
    }

    private let store: ModelStore
    private let registry: HandlerRegistry
    private let defaultAccept: String?
    private let configuration: MultiModelConfiguration
    private let metrics: MultiModelMetrics?
    private let logger: Logger
    private let lock = ConditionLock()
    private var queue: [Command] = []
    private var pendingLoads = 0
    private var stopping = false
    private var running = false
    private var exited: [CheckedContinuation<Void, Never>] = []
    /// Confined to the loader thread.
    private var labels: ModelLabels?

    init(
        store: ModelStore, registry: HandlerRegistry, defaultAccept: String?, configuration: MultiModelConfiguration,
        metricsFactory: (any MetricsFactory)?, logger: Logger
    ) {
        self.store = store
        self.registry = registry
        self.defaultAccept = defaultAccept
        self.configuration = configuration
        self.logger = logger
        metrics = metricsFactory.map { MultiModelMetrics(factory: $0, budgetBytes: store.budget.bytes) }
        labels = metricsFactory.map { ModelLabels(capacity: configuration.metricLabels, factory: $0) }
    }

    // MARK: Commands (any thread)

    /// Queues a load of `url` as `name` (already reserved in the store); false when too many
    /// loads wait or the loader has stopped.
    func enqueueLoad(name: String, url: String, pending: PendingResponse) -> Bool {
        lock.withLock {
            guard !stopping, pendingLoads < configuration.maxPendingLoads else { return false }
            pendingLoads += 1
            queue.append(.load(name: name, url: url, pending: pending))
            lock.signal()
            return true
        }
    }

    /// Queues the release of an unloaded model whose requests have all ended.
    func enqueueRelease(_ model: ServedModel, pending: PendingResponse?) {
        lock.withLock {
            queue.append(.release(model, pending: pending))
            lock.signal()
        }
    }

    // MARK: Service

    public func run() async throws {
        lock.withLock { running = true }
        startDetachedThread { [self] in loop() }
        try? await gracefulShutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            stopping = true
            if !running {
                lock.unlock()
                continuation.resume()
                return
            }
            exited.append(continuation)
            lock.signal()
            lock.unlock()
        }
    }

    // MARK: The thread

    private func loop() {
        // SCHED_IDLE: the loader runs only on CPU time no request thread wants, and a waking event
        // loop or worker preempts it at once (nice 10 alone still took CPU from them: the p99 of
        // traffic rose 1.6x while models loaded back to back). Nice 10 stays as the fallback.
        if swerve_set_current_thread_nice(10) != 0 { logger.debug("model loader: cannot lower its priority") }
        if swerve_set_current_thread_idle_policy() != 0 { logger.debug("model loader: cannot use SCHED_IDLE") }
        let interval = UInt64(max(1, configuration.labelRankInterval.nanoseconds))
        var nextRank = CPUClock.monotonicNanoseconds() + interval
        lock.lock()
        while true {
            if !queue.isEmpty {
                let command = queue.removeFirst()
                if case .load = command { pendingLoads -= 1 }
                let refuse = stopping
                lock.unlock()
                execute(command, refuse: refuse)
                lock.lock()
                continue
            }
            if stopping { break }
            let now = CPUClock.monotonicNanoseconds()
            if now >= nextRank {
                lock.unlock()
                rankLabels()
                lock.lock()
                nextRank = CPUClock.monotonicNanoseconds() + interval
                continue
            }
            lock.wait(nanoseconds: nextRank - now)
        }
        running = false
        let waiters = exited
        exited = []
        lock.unlock()
        for waiter in waiters { waiter.resume() }
    }

    private func execute(_ command: Command, refuse: Bool) {
        switch command {
        case .load(let name, let url, let pending):
            if refuse {
                store.cancelLoad(name)
                complete(pending, Response(error: .loaderUnavailable("the server is shutting down")).labelled(.models))
            } else {
                load(name: name, url: url, pending: pending)
            }
        case .release(let model, let pending):
            release(model, pending: pending)
        }
    }

    private func load(name: String, url: String, pending: PendingResponse) {
        guard pending.start() else {
            // The client gave up (timed out or left) before the load started: nothing is loaded.
            store.cancelLoad(name)
            return
        }
        if store.isBudgetExhausted() {
            store.cancelLoad(name)
            let usage = store.usage
            let error = ServingError.modelMemoryExhausted(name, needed: nil, used: usage.bytes, budget: store.budget.bytes, models: usage.models)
            return complete(pending, Response(error: error).labelled(.models))
        }
        if let problem = Self.directoryProblem(url, name: name) {
            store.cancelLoad(name)
            return complete(pending, Response(error: problem).labelled(.models))
        }
        let started = CPUClock.monotonicNanoseconds()
        let measured: (value: InferencePipeline, bytes: Int)
        do {
            measured = try HeapMeter.measure {
                let loaded = try registry.load(ModelDirectory(path: url))
                return try InferencePipeline(handler: loaded.handler, defaultAccept: defaultAccept)
            }
        } catch {
            store.cancelLoad(name)
            logger.info("model load failed", metadata: ["model": "\(name)", "url": "\(url)", "error": "\(error)"])
            return complete(pending, Response(error: .modelUnloadable(name, problem: "\(error)")).labelled(.models))
        }
        let seconds = Double(CPUClock.monotonicNanoseconds() &- started) / 1e9
        var series: ModelSeries? = nil
        if labels != nil {
            series = store.withLoadedModels { loaded in labels!.seriesForLoad(of: name, isLoaded: { loaded[$0[...]] != nil }) }
        }
        let model = ServedModel(name: name, url: url, pipeline: measured.value, memoryBytes: measured.bytes, loadSeconds: seconds, series: series)
        switch store.admit(model) {
        case .refused(let usedBytes, let models):
            let error = ServingError.modelMemoryExhausted(name, needed: measured.bytes, used: usedBytes, budget: store.budget.bytes, models: models)
            logger.info("model refused: over the memory budget", metadata: ["model": "\(name)", "bytes": "\(measured.bytes)"])
            complete(pending, Response(error: error).labelled(.models))
        case .admitted(let evicted):
            if let series { labels?.loaded(model, into: series) }
            for victim in evicted {
                logger.info("evicting the least recently used model", metadata: ["model": "\(victim.name)", "for": "\(name)"])
                metrics?.evictions.increment()
                victim.unload { [self] in enqueueRelease(victim, pending: nil) }
            }
            updateMetrics()
            logger.info(
                "model loaded",
                metadata: [
                    "model": "\(name)", "url": "\(url)", "bytes": "\(measured.bytes)", "seconds": "\(seconds)",
                ])
            complete(pending, ModelResponses.loaded(model))
        }
    }

    /// Frees an unloaded model's memory: drops the store's hold on its pipeline, waits until the
    /// last request has let go of it, then gives its bytes back to the budget.
    private func release(_ model: ServedModel, pending: PendingResponse?) {
        let before = HeapMeter.allocatedBytes()
        let weak = store.dropPipeline(of: model)
        // The last request's job lets go of the pipeline microseconds after it counted itself out.
        let deadline = CPUClock.monotonicNanoseconds() + 1_000_000_000
        while !weak.isReleased && CPUClock.monotonicNanoseconds() < deadline { usleep(100) }
        if !weak.isReleased { logger.warning("model still referenced after its unload", metadata: ["model": "\(model.name)"]) }
        let freed = max(0, before - HeapMeter.allocatedBytes())
        store.released(model)
        if labels != nil, let series = store.withLoadedModels({ _ in model.series }) { labels!.unloaded(model, from: series) }
        updateMetrics()
        logger.info("model unloaded", metadata: ["model": "\(model.name)", "freedBytes": "\(freed)", "evicted": "\(pending == nil)"])
        if let pending { complete(pending, ModelResponses.unloaded(model.name, freedBytes: freed)) }
    }

    /// Ranks and moves the labels under the store's lock, from the traffic snapshot to the models'
    /// new series: once a label shows in `/metrics`, every request admitted records into it. (With
    /// the lock taken twice, this thread, at SCHED_IDLE, could be preempted between the two for as
    /// long as the machine stayed busy, and requests went on counting under `other`.)
    private func rankLabels() {
        guard labels != nil else { return }
        store.withLoadedModels { loaded in
            let other = labels!.other
            let traffic = loaded.values.map { model in
                defer { model.recentInvocations = 0 }
                return (model: model, requests: model.recentInvocations, series: model.series ?? other)
            }
            for (model, series) in labels!.rank(traffic) { model.series = series }
        }
    }

    private func updateMetrics() {
        guard let metrics else { return }
        let usage = store.usage
        metrics.update(models: usage.models, bytes: usage.bytes)
    }

    private func complete(_ pending: PendingResponse, _ response: Response) {
        pending.eventLoop.execute { pending.complete(response) }
    }

    /// 404 when `url` names nothing, 400 when it is not a directory; nil when it is one.
    static func directoryProblem(_ url: String, name: String) -> ServingError? {
        var info = stat()
        guard stat(url, &info) == 0 else { return .modelDirectoryMissing(url, name: name) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            return .modelUnloadable(name, problem: "url \"\(url)\" is not a directory (SageMaker unpacks model.tar.gz into one)")
        }
        return nil
    }
}
