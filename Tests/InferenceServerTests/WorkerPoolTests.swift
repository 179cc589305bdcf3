import Atomics
import Foundation
@testable import InferenceServer
import ModelRuntimes
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
import Testing

@Suite("Worker pool: concurrency bound, admission, drain, parallel chunks")
struct WorkerPoolTests {
    private func runAll(_ pool: WorkerPool, jobs: Int, body: @escaping @Sendable () -> Void) async throws -> Int {
        let done = ManagedAtomic(0)
        var accepted = 0
        for _ in 0..<jobs where pool.enqueue(.init(bytes: 1) { _ in body(); done.wrappingIncrement(ordering: .relaxed) }) {
            accepted += 1
        }
        pool.wake()
        while done.load(ordering: .relaxed) < accepted { try await Task.sleep(for: .milliseconds(2)) }
        return accepted
    }

    @Test("never more jobs run at once than there are workers")
    func concurrencyBound() async throws {
        let pool = WorkerPool(workerCount: 3, queueDepth: 100, maxQueuedBytes: 1 << 20)
        pool.start()
        let running = ManagedAtomic(0), peak = ManagedAtomic(0)
        let accepted = try await runAll(pool, jobs: 40) {
            let now = running.wrappingIncrementThenLoad(ordering: .relaxed)
            var seen = peak.load(ordering: .relaxed)
            while now > seen, !peak.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged {
                seen = peak.load(ordering: .relaxed)
            }
            usleep(2000)
            running.wrappingDecrement(ordering: .relaxed)
        }
        #expect(accepted == 40)
        #expect(peak.load(ordering: .relaxed) == 3)
        await pool.shutdownGracefully()
    }

    @Test("admission is bounded by count and by queued bytes")
    func admission() async throws {
        let pool = WorkerPool(workerCount: 1, queueDepth: 2, maxQueuedBytes: 100)
        #expect(pool.enqueue(.init(bytes: 60) { _ in }))
        #expect(!pool.enqueue(.init(bytes: 60) { _ in }), "bytes over the limit")
        #expect(pool.enqueue(.init(bytes: 40) { _ in }))
        #expect(!pool.enqueue(.init(bytes: 0) { _ in }), "count over the limit")
        #expect(pool.waiting == 2)
        pool.start()
        pool.wake()
        await pool.shutdownGracefully()
        #expect(pool.waiting == 0)
        #expect(!pool.enqueue(.init(bytes: 0) { _ in }), "a stopped pool takes nothing")
    }

    @Test("graceful shutdown runs every queued job first")
    func drain() async throws {
        let pool = WorkerPool(workerCount: 2, queueDepth: 100, maxQueuedBytes: 1 << 20)
        let done = ManagedAtomic(0)
        for _ in 0..<30 { #expect(pool.enqueue(.init(bytes: 0) { _ in usleep(1000); done.wrappingIncrement(ordering: .relaxed) })) }
        pool.start()
        pool.wake()
        await pool.shutdownGracefully()
        #expect(done.load(ordering: .relaxed) == 30)
    }

    @Test("results are delivered to the event loop that asked")
    func delivery() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pool = WorkerPool(workerCount: 2, queueDepth: 100, maxQueuedBytes: 1 << 20)
        pool.start()
        let loop = group.next()
        let promise = loop.makePromise(of: Bool.self)
        #expect(pool.enqueue(.init(bytes: 0) { worker in worker.deliver(on: loop) { promise.succeed(loop.inEventLoop) } }))
        pool.wake()
        #expect(try await promise.futureResult.get())
        await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }

    @Test("an executor runs every chunk once, on idle workers too, and reports their CPU time")
    func parallelChunks() async throws {
        let pool = WorkerPool(workerCount: 3, queueDepth: 10, maxQueuedBytes: 1 << 20)
        pool.start()
        try await Task.sleep(for: .milliseconds(20))
        let executor = PoolExecutor(pool: pool)
        let hits = (0..<64).map { _ in ManagedAtomic(0) }
        let threads = NIOLockedValueBox(Set<UInt>())
        let helperCPU = executor.forEach(64) { index in
            hits[index].wrappingIncrement(ordering: .relaxed)
            threads.withLockedValue { _ = $0.insert(pthread_self()) }
            var x = 0.0
            for i in 0..<200_000 { x += Double(i).squareRoot() }
            precondition(x > 0)
        }
        #expect(hits.allSatisfy { $0.load(ordering: .relaxed) == 1 })
        #expect(threads.withLockedValue { $0.count } > 1, "idle workers were lent")
        #expect(helperCPU > 0)
        #expect(executor.forEach(1) { _ in } == 0)
        await pool.shutdownGracefully()
    }
}
