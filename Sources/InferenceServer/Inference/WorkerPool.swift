import Atomics
import CMallocControl
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fixed pool of model workers: at most `workerCount` model executions at once, and a queue
/// in front of them that admits a request by the wait it would see.
///
/// - **Permits.** Every execution holds one of `workerCount` permits: a worker running a queued
///   job, a worker lent to a large request, or a small request run inline on its event loop
///   (`tryRunInline`), which saves the hand-off to a worker and back. Inline runs are allowed only
///   for requests estimated to take microseconds, only when nothing is queued, and not after an
///   inline run has been slow, so an event loop never waits long behind a model.
/// - **Admission.** A request is refused (503 with Retry-After) when its expected wait exceeds
///   the budget (`AdmissionControl`), when the queue's payload bytes would exceed
///   `maxQueuedBytes`, or, as a last safety bound, when `queueDepth` requests already wait.
/// - **Cheap hand-offs.** Event loops enqueue without waking anybody and wake workers once per
///   loop tick (`scheduleWake`), and a worker hands its results back to each event loop in one
///   batch, so under load one context switch is shared by many requests.
///
/// Thread-safety: every `var` below is guarded by `lock`, except `busySince` and `waitingCount`
/// (atomics, read without the lock by health checks and metrics) and the inline policy's
/// thresholds (`let`).
public final class WorkerPool: @unchecked Sendable {
    /// A unit of work; `run` executes on a worker thread.
    public struct Job: Sendable {
        /// Payload bytes the job holds while it waits (counts against `maxQueuedBytes`).
        public var bytes: Int
        public var run: @Sendable (WorkerContext) -> Void
        /// Estimated service time, set when queued.
        var estimate = 0.0

        public init(bytes: Int, run: @escaping @Sendable (WorkerContext) -> Void) {
            self.bytes = bytes
            self.run = run
        }
    }

    /// An inline run at least this long suspends inline runs for a second.
    static let inlineSuspensionNanoseconds: UInt64 = 1_000_000_000

    /// Why a job was not queued.
    public enum Refusal: Error, Sendable {
        /// Its expected wait, in nanoseconds, exceeds the budget.
        case waitTooLong(expected: Double, budget: Double)
        /// The queued payloads would exceed the byte bound.
        case tooManyBytes(limit: Int)
        /// `queueDepth` requests already wait.
        case queueFull(depth: Int)
        /// The pool is shutting down.
        case stopping
    }

    public let workerCount: Int
    public let queueDepth: Int
    public let maxQueuedBytes: Int
    /// Inline runs: requests estimated to take at most this long may run on their event loop
    /// (0 disables inline runs).
    public let inlineMaxNanoseconds: UInt64
    /// Small requests one event-loop tick may run inline (0: no limit); `InvocationService` keeps
    /// the count per loop.
    public let inlinePerTick: Int
    /// How much lower than the event loops the workers run (Linux nice levels): when models keep
    /// every core busy, the kernel still runs an event loop as soon as a socket is ready, so
    /// `/ping` and small requests do not wait behind batches for a time slice.
    public let workerNice: Int32

    private let lock = ConditionLock()
    private var queue = CircularBuffer<Job>(initialCapacity: 64)
    private var helpers = CircularBuffer<Job>(initialCapacity: 8)
    private var queuedBytes = 0
    private var queuedWork = 0.0
    private var admission: AdmissionControl
    /// Permits in use: executions running now (worker jobs, lent helpers, inline runs).
    private var executing = 0
    private var idleWorkers = 0
    /// Workers that have a job but wait for a permit held by an inline run.
    private var permitWaiters = 0
    /// Monotonic nanoseconds before which no request runs inline (set after a slow inline run).
    private var inlineSuspendedUntil: UInt64 = 0
    private var stopping = false
    private var hasStarted = false
    private var threadsRunning = 0
    private var stopped: [CheckedContinuation<Void, Never>] = []
    private var threads: [pthread_t] = []
    private let wakeScheduled = ManagedAtomic(false)
    /// Jobs waiting, readable without the lock (for metrics and for the executor's heuristics).
    private let waitingCount = ManagedAtomic(0)
    /// Per worker: monotonic nanoseconds when its current job started, 0 while idle.
    private let busySince: [ManagedAtomic<UInt64>]
    /// Where workers account their CPU time per container; nil when metrics are off.
    private let metrics: ServerMetrics?

    /// - Parameters:
    ///   - workerCount: the worker threads, and the permits every model execution needs.
    ///   - queueDepth: a last bound on the jobs waiting.
    ///   - maxQueuedBytes: the payload bytes that may wait.
    ///   - maxQueueWait: the longest expected wait a request is admitted with.
    ///   - inlineMaxMicroseconds: requests estimated under this run on their event loop; 0 never.
    ///   - inlinePerTick: how many of them one event-loop tick may run inline; 0 no limit.
    ///   - workerNice: nice levels the workers run below the event loops.
    ///   - metrics: where workers account their CPU per container; nil when metrics are off.
    public init(
        workerCount: Int, queueDepth: Int, maxQueuedBytes: Int, maxQueueWait: TimeAmount = .seconds(1),
        inlineMaxMicroseconds: Int = 0, inlinePerTick: Int = 0, workerNice: Int32 = 0, metrics: ServerMetrics? = nil
    ) {
        precondition(workerCount > 0 && queueDepth > 0)
        self.workerCount = workerCount
        self.queueDepth = queueDepth
        self.maxQueuedBytes = maxQueuedBytes
        self.inlineMaxNanoseconds = UInt64(max(0, inlineMaxMicroseconds)) * 1000
        self.inlinePerTick = max(0, inlinePerTick)
        self.metrics = metrics
        self.workerNice = workerNice
        self.admission = AdmissionControl(
            maxWaitNanoseconds: Double(maxQueueWait.nanoseconds), parallelism: min(workerCount, AvailableCores.count))
        self.busySince = (0..<workerCount).map { _ in ManagedAtomic(0) }
    }

    /// Starts the worker threads; later calls do nothing.
    public func start() {
        let first = lock.withLock {
            defer { hasStarted = true }
            return !hasStarted
        }
        guard first else { return }
        lock.withLock { threadsRunning = workerCount }
        let nice = workerNice
        let started = (0..<workerCount).map { index in
            startThread { [self] in
                ThreadPriority.lower(by: nice)
                workLoop(WorkerContext(index: index, accounting: metrics.map { StageAccounting(metrics: $0, role: .worker) }))
            }
        }
        lock.withLock { threads = started }
    }

    /// The worker threads, for reading their CPU clocks.
    public var workerThreads: [pthread_t] { lock.withLock { threads } }

    // MARK: Admission

    /// Queues `job` without waking a worker, or says why not.
    ///
    /// The caller must make sure `scheduleWake(on:)` or `wake()` follows.
    public func enqueue(_ job: Job) -> Result<Void, Refusal> {
        lock.lock()
        defer { lock.unlock() }
        if stopping { return .failure(.stopping) }
        if queue.count >= queueDepth { return .failure(.queueFull(depth: queueDepth)) }
        if !queue.isEmpty, queuedBytes + job.bytes > maxQueuedBytes { return .failure(.tooManyBytes(limit: maxQueuedBytes)) }
        // The work ahead counts only once every permit is taken: until then a worker is free.
        let ahead = executing < workerCount && queue.isEmpty ? 0 : queuedWork
        if !admission.admits(queuedWork: ahead) {
            return .failure(.waitTooLong(expected: admission.expectedWait(queuedWork: ahead), budget: admission.maxWaitNanoseconds))
        }
        var queued = job
        queued.estimate = admission.estimate(bytes: job.bytes)
        queue.append(queued)
        queuedBytes += job.bytes
        queuedWork += queued.estimate
        waitingCount.wrappingIncrement(ordering: .relaxed)
        return .success(())
    }

    /// Jobs waiting for a worker.
    public var waiting: Int { waitingCount.load(ordering: .relaxed) }

    /// Teaches the admission estimates a service time, as a finished job does (for tests).
    func learn(bytes: Int, nanoseconds: UInt64) {
        lock.withLock { admission.observe(bytes: bytes, nanoseconds: nanoseconds) }
    }

    // MARK: Inline runs

    /// Takes a permit for running a request of `bytes` on the caller's event loop: true when the
    /// request is estimated to be short and a permit is free. The caller runs it and then calls
    /// `finishInline`.
    ///
    /// A short request may pass longer ones waiting in the queue (shortest job first): queued
    /// requests are the long ones, and making a 10 µs request wait for a worker behind them is
    /// what inline runs exist to avoid. With every core busy, a worker (which runs at a lower
    /// priority than the event loops) would otherwise wait for the loop to go idle.
    public func tryRunInline(bytes: Int) -> Bool {
        guard inlineMaxNanoseconds > 0 else { return false }
        lock.lock()
        defer { lock.unlock() }
        guard !stopping, executing < workerCount,
            let estimate = admission.knownEstimate(bytes: bytes), estimate <= Double(inlineMaxNanoseconds),
            inlineSuspendedUntil == 0 || CPUClock.monotonicNanoseconds() >= inlineSuspendedUntil
        else { return false }
        executing += 1
        return true
    }

    /// Returns an inline run's permit. Its duration feeds the estimate (a model that slows down
    /// stops being run inline once the average passes the limit); a run of a second or more (a
    /// hung model, which no descheduling of a busy machine explains) suspends inline runs for a
    /// second at once.
    public func finishInline(bytes: Int, nanoseconds: UInt64) {
        lock.lock()
        executing -= 1
        admission.observe(bytes: bytes, nanoseconds: nanoseconds)
        if nanoseconds >= Self.inlineSuspensionNanoseconds { inlineSuspendedUntil = CPUClock.monotonicNanoseconds() + 1_000_000_000 }
        if permitWaiters > 0 { lock.broadcast() }
        lock.unlock()
    }

    // MARK: Waking and lending

    /// Wakes workers at the end of the current tick of `eventLoop` (which must be the caller's),
    /// so that every job enqueued during the tick is announced by one wake-up.
    public func scheduleWake(on eventLoop: any EventLoop) {
        if wakeScheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            eventLoop.execute { self.wake() }
        }
    }

    /// Wakes as many idle workers as there are waiting jobs, but no more than there are cores:
    /// a woken worker drains the queue, and waking more than can run at once only costs context
    /// switches.
    public func wake() {
        wakeScheduled.store(false, ordering: .releasing)
        lock.lock()
        let wanted = min(idleWorkers, queue.count + helpers.count, AvailableCores.count)
        for _ in 0..<wanted { lock.signal() }
        lock.unlock()
    }

    /// Hands `work` to up to `limit` idle workers, ahead of the queue, and wakes them. Used to
    /// split an admitted request; returns how many workers were lent.
    @discardableResult
    func lendIdleWorkers(upTo limit: Int, _ work: @escaping @Sendable (WorkerContext) -> Void) -> Int {
        lock.lock()
        let lent = max(0, min(limit, idleWorkers - helpers.count, workerCount - executing - helpers.count))
        for _ in 0..<lent {
            helpers.append(Job(bytes: 0, run: work))
            lock.signal()
        }
        lock.unlock()
        return lent
    }

    // MARK: Health

    /// How many workers have been running their current job for longer than `nanoseconds`.
    public func workersBusy(longerThan nanoseconds: UInt64) -> Int {
        let now = CPUClock.monotonicNanoseconds()
        return busySince.reduce(0) { count, since in
            let started = since.load(ordering: .relaxed)
            return started != 0 && now &- started > nanoseconds ? count + 1 : count
        }
    }

    // MARK: Shutdown and the workers' loop

    /// Stops taking jobs, lets the queued ones finish, and returns when every worker has exited
    /// (and been joined: its thread's stack is freed).
    public func shutdownGracefully() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            stopping = true
            if threadsRunning == 0 {
                lock.unlock()
                continuation.resume()
                return
            }
            stopped.append(continuation)
            lock.broadcast()
            lock.unlock()
        }
        // Every worker has left its loop; each returns right after, so the joins do not wait.
        // `workerThreads` is empty from here on (a joined thread's handle is no longer valid).
        let exited = lock.withLock {
            defer { threads = [] }
            return threads
        }
        for thread in exited { pthread_join(thread, nil) }
    }

    /// A worker that ran a request with a body at least this large returns the allocator's free
    /// memory to the system (`malloc_trim`) when it next finds nothing to do. A 10,000-row batch
    /// frees a few megabytes in the workers' malloc arenas, which glibc keeps: with the trim the
    /// resident set after 100 batches is about 3 MB lower (BENCHMARKS.md, "The Aurora batch,
    /// fifth pass"), and under a steady stream of batches no worker is idle, so none trims.
    static let trimAfterBytes = 256 * 1024

    private func workLoop(_ worker: WorkerContext) {
        lock.lock()
        var trimWhenIdle = false
        while true {
            if let job = takeJob() {
                trimWhenIdle = trimWhenIdle || job.bytes >= Self.trimAfterBytes
                lock.unlock()
                let started = CPUClock.monotonicNanoseconds()
                busySince[worker.index].store(started, ordering: .relaxed)
                worker.accounting?.beginWork()
                job.run(worker)
                let finished = CPUClock.monotonicNanoseconds()
                busySince[worker.index].store(0, ordering: .relaxed)
                worker.accounting?.endWork(idle: false)
                worker.flushIfDue()
                lock.lock()
                executing -= 1
                if job.estimate >= 0 { admission.observe(bytes: job.bytes, nanoseconds: finished &- started) }
                continue
            }
            if let accounting = worker.accounting {
                lock.unlock()
                accounting.endWork(idle: true)
                lock.lock()
            }
            if worker.hasDeliveries {
                lock.unlock()
                worker.flush()
                lock.lock()
                continue
            }
            if stopping && queue.isEmpty && helpers.isEmpty { break }
            if trimWhenIdle {
                // Nothing to do after a large request: give its freed memory back before sleeping.
                trimWhenIdle = false
                lock.unlock()
                _ = swerve_trim_heap()
                lock.lock()
                continue
            }
            idleWorkers += 1
            lock.wait()
            idleWorkers -= 1
        }
        threadsRunning -= 1
        let waiters = threadsRunning == 0 ? stopped : []
        lock.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// The next job and its permit: lent work first (its request is already running), then the
    /// queue. Waits while every permit is held by inline runs. Called with the lock held.
    private func takeJob() -> Job? {
        if var helper = helpers.popFirst() {
            executing += 1
            helper.estimate = -1  // a chunk of another request: not a service time
            return helper
        }
        guard !queue.isEmpty else { return nil }
        while executing >= workerCount, !queue.isEmpty {
            permitWaiters += 1
            lock.wait()
            permitWaiters -= 1
        }
        guard let job = queue.popFirst() else { return nil }
        executing += 1
        queuedBytes -= job.bytes
        queuedWork -= job.estimate
        if queue.isEmpty { queuedWork = 0 }
        waitingCount.wrappingDecrement(ordering: .relaxed)
        return job
    }
}
