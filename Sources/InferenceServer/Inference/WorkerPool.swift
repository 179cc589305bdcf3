#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Atomics
import NIOCore

/// The fixed pool of model workers behind a bounded queue.
///
/// Inference never runs on an event loop, so `/ping` and other connections are never stuck behind
/// a model. The queue is bounded by count and by payload bytes: a request that does not fit is
/// refused at once (the endpoint answers 503 with Retry-After) instead of piling up memory.
///
/// It is built to cost little per request when requests are tiny: event loops enqueue without
/// waking anybody and wake workers once per loop tick (`scheduleWake`), and a worker hands its
/// results back to each event loop in one batch, so under load one context switch is shared by
/// many requests.
public final class WorkerPool: @unchecked Sendable {
    /// A unit of work; `run` executes on a worker thread.
    public struct Job: Sendable {
        /// Payload bytes the job holds while it waits (counts against `maxQueuedBytes`).
        public var bytes: Int
        public var run: @Sendable (WorkerContext) -> Void

        public init(bytes: Int, run: @escaping @Sendable (WorkerContext) -> Void) {
            self.bytes = bytes
            self.run = run
        }
    }

    public let workerCount: Int
    public let queueDepth: Int
    public let maxQueuedBytes: Int

    private let lock = ConditionLock()
    private var queue = CircularBuffer<Job>(initialCapacity: 64)
    private var helpers = CircularBuffer<Job>(initialCapacity: 8)
    private var queuedBytes = 0
    private var idleWorkers = 0
    private var busyWorkers = 0
    private var stopping = false
    private var hasStarted = false
    private var threadsRunning = 0
    private var stopped: [CheckedContinuation<Void, Never>] = []
    private let wakeScheduled = ManagedAtomic(false)
    /// Hands `work` to up to `limit` idle workers, ahead of the queue, and wakes them. Used to
    /// split an admitted request; returns how many workers were lent.
    @discardableResult
    func lendIdleWorkers(upTo limit: Int, _ work: @escaping @Sendable (WorkerContext) -> Void) -> Int {
        lock.lock()
        let lent = max(0, min(limit, idleWorkers - helpers.count))
        for _ in 0..<lent {
            helpers.append(Job(bytes: 0, run: work))
            lock.signal()
        }
        lock.unlock()
        return lent
    }

    /// Jobs waiting, readable without the lock (for metrics and for the executor's heuristics).
    private let waitingCount = ManagedAtomic(0)
    /// Per worker: monotonic nanoseconds when its current job started, 0 while idle. Atomic:
    /// written by the worker, read by health checks.
    private let busySince: [ManagedAtomic<UInt64>]

    /// Where workers account their CPU time per container; nil when metrics are off.
    private let metrics: ServerMetrics?
    private var threads: [pthread_t] = []

    public init(workerCount: Int, queueDepth: Int, maxQueuedBytes: Int, metrics: ServerMetrics? = nil) {
        precondition(workerCount > 0 && queueDepth > 0)
        self.workerCount = workerCount
        self.queueDepth = queueDepth
        self.maxQueuedBytes = maxQueuedBytes
        self.metrics = metrics
        self.busySince = (0..<workerCount).map { _ in ManagedAtomic(0) }
    }

    /// How many workers have been running their current job for longer than `nanoseconds`.
    public func workersBusy(longerThan nanoseconds: UInt64) -> Int {
        let now = CPUClock.monotonicNanoseconds()
        return busySince.reduce(0) { count, since in
            let started = since.load(ordering: .relaxed)
            return started != 0 && now &- started > nanoseconds ? count + 1 : count
        }
    }

    /// Starts the worker threads; later calls do nothing.
    public func start() {
        let first = lock.withLock {
            defer { hasStarted = true }
            return !hasStarted
        }
        guard first else { return }
        lock.withLock { threadsRunning = workerCount }
        let started = (0..<workerCount).map { index in
            startThread { [self] in workLoop(WorkerContext(index: index, accounting: metrics.map { StageAccounting(metrics: $0) })) }
        }
        lock.withLock { threads = started }
    }

    /// The worker threads, for reading their CPU clocks.
    public var workerThreads: [pthread_t] { lock.withLock { threads } }

    /// Enqueues `job` without waking a worker; returns false when the queue is full (or closed).
    ///
    /// The caller must make sure `scheduleWake(on:)` or `wake()` follows.
    public func enqueue(_ job: Job) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping, queue.count < queueDepth,
            queue.isEmpty || queuedBytes + job.bytes <= maxQueuedBytes
        else { return false }
        queue.append(job)
        queuedBytes += job.bytes
        waitingCount.wrappingIncrement(ordering: .relaxed)
        return true
    }

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

    /// Jobs waiting for a worker.
    public var waiting: Int { waitingCount.load(ordering: .relaxed) }

    /// Stops taking jobs, lets the queued ones finish, and returns when every worker has exited.
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
    }

    private func workLoop(_ worker: WorkerContext) {
        lock.lock()
        while true {
            if let job = helpers.popFirst() ?? takeQueued() {
                busyWorkers += 1
                lock.unlock()
                busySince[worker.index].store(CPUClock.monotonicNanoseconds(), ordering: .relaxed)
                worker.accounting?.beginWork()
                job.run(worker)
                busySince[worker.index].store(0, ordering: .relaxed)
                worker.accounting?.endWork(idle: false)
                worker.flushIfDue()
                lock.lock()
                busyWorkers -= 1
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
            if stopping { break }
            idleWorkers += 1
            lock.wait()
            idleWorkers -= 1
        }
        threadsRunning -= 1
        let waiters = threadsRunning == 0 ? stopped : []
        lock.unlock()
        for waiter in waiters { waiter.resume() }
    }

    private func takeQueued() -> Job? {
        guard let job = queue.popFirst() else { return nil }
        queuedBytes -= job.bytes
        waitingCount.wrappingDecrement(ordering: .relaxed)
        return job
    }
}
