import ModelRuntimes
import NIOCore

/// Lets one large request spread over the worker pool: the `ParallelExecutor` handed to models.
///
/// The calling worker always works through the chunks itself; idle workers are lent as helpers
/// (they jump the request queue, since they serve a request that was already admitted). When every
/// worker is busy nothing is lent and the request runs serially: parallelism never queues behind
/// other requests, so it cannot deadlock the pool.
public struct PoolExecutor: ParallelExecutor {
    let pool: WorkerPool

    public init(pool: WorkerPool) { self.pool = pool }

    /// Chunks worth cutting: one per core this process may use, at most one per worker.
    public var parallelism: Int { max(1, min(pool.workerCount, AvailableCores.count)) }

    @discardableResult
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) -> UInt64 {
        guard count > 1 else {
            if count == 1 { body(0) }
            return 0
        }
        return withoutActuallyEscaping(body) { escapable in
            let batch = ChunkBatch(count: count, body: escapable)
            pool.lendIdleWorkers(upTo: count - 1) { worker in batch.help(on: worker) }
            batch.runChunks()
            return batch.finish()
        }
    }
}

/// The chunks of one `forEach`, shared by the caller and its helpers.
final class ChunkBatch: @unchecked Sendable {
    private let lock = ConditionLock()
    private var body: (@Sendable (Int) -> Void)?
    private let count: Int
    private var next = 0
    private var completed = 0
    private var helpersRunning = 0
    private var helperNanoseconds: UInt64 = 0

    init(count: Int, body: @escaping @Sendable (Int) -> Void) {
        self.count = count
        self.body = body
    }

    /// Takes chunks until none are left.
    func runChunks() {
        while let index = claim() {
            run(index)
            lock.withLock {
                completed += 1
                if completed == count { lock.broadcast() }
            }
        }
    }

    /// A lent worker's share: chunks, timed on its own CPU clock and kept out of the worker's
    /// own accounting (the caller charges it to its stage).
    func help(on worker: WorkerContext) {
        lock.withLock { helpersRunning += 1 }
        let used: UInt64
        if let accounting = worker.accounting {
            used = accounting.runAttributedElsewhere { runChunks() }
        } else {
            let start = CPUClock.threadNanoseconds()
            runChunks()
            used = CPUClock.threadNanoseconds() &- start
        }
        lock.withLock {
            helperNanoseconds &+= used
            helpersRunning -= 1
            if helpersRunning == 0 { lock.broadcast() }
        }
    }

    /// Waits until every chunk has run and every helper that took part has reported its CPU
    /// time, drops the body so nothing outlives the caller's closure, and returns that time.
    func finish() -> UInt64 {
        lock.lock()
        while completed < count || helpersRunning > 0 { lock.wait() }
        body = nil
        let used = helperNanoseconds
        lock.unlock()
        return used
    }

    private func claim() -> Int? {
        lock.withLock {
            guard body != nil, next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    private func run(_ index: Int) {
        let chunk = lock.withLock { body }
        chunk?(index)
    }
}
