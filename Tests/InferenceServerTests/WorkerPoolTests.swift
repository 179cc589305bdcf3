import Atomics
import Foundation
import ModelRuntimes
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import InferenceServer

@Suite("Worker pool: concurrency bound, admission, drain, parallel chunks")
struct WorkerPoolTests {
    /// RELIABILITY.md section 2, finding 1: the workers were never joined, so each kept its stack
    /// until the process exited (the thread sanitizer reports every such thread as a leak, and
    /// fails the run). A second shutdown finds nothing left to join.
    @Test("shutdown joins the worker threads: none is left to read a CPU clock from")
    func shutdownJoinsWorkers() async {
        let pool = WorkerPool(workerCount: 3, queueDepth: 10, maxQueuedBytes: 1 << 20)
        pool.start()
        #expect(pool.workerThreads.count == 3)
        await pool.shutdownGracefully()
        #expect(pool.workerThreads.isEmpty)
        await pool.shutdownGracefully()
        #expect(pool.workerThreads.isEmpty)
    }

    private func runAll(_ pool: WorkerPool, jobs: Int, body: @escaping @Sendable () -> Void) async throws -> Int {
        let done = ManagedAtomic(0)
        var accepted = 0
        for _ in 0..<jobs
        where pool.admits(
            .init(bytes: 1) { _ in
                body()
                done.wrappingIncrement(ordering: .relaxed)
            })
        {
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
        let running = ManagedAtomic(0)
        let peak = ManagedAtomic(0)
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
        #expect((1...3).contains(peak.load(ordering: .relaxed)), "never more than the 3 workers at once")
        await pool.shutdownGracefully()
    }

    @Test("admission is bounded by count and by queued bytes")
    func admission() async throws {
        let pool = WorkerPool(workerCount: 1, queueDepth: 2, maxQueuedBytes: 100)
        #expect(pool.admits(.init(bytes: 60) { _ in }))
        #expect(!pool.admits(.init(bytes: 60) { _ in }), "bytes over the limit")
        #expect(pool.admits(.init(bytes: 40) { _ in }))
        #expect(!pool.admits(.init(bytes: 0) { _ in }), "count over the limit")
        #expect(pool.waiting == 2)
        pool.start()
        pool.wake()
        await pool.shutdownGracefully()
        #expect(pool.waiting == 0)
        #expect(!pool.admits(.init(bytes: 0) { _ in }), "a stopped pool takes nothing")
    }

    @Test("graceful shutdown runs every queued job first")
    func drain() async throws {
        let pool = WorkerPool(workerCount: 2, queueDepth: 100, maxQueuedBytes: 1 << 20)
        let done = ManagedAtomic(0)
        for _ in 0..<30 {
            #expect(
                pool.admits(
                    .init(bytes: 0) { _ in
                        usleep(1000)
                        done.wrappingIncrement(ordering: .relaxed)
                    }))
        }
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
        #expect(pool.admits(.init(bytes: 0) { worker in worker.deliver(on: loop) { promise.succeed(loop.inEventLoop) } }))
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

    @Test("admission by expected wait: refused once the work ahead, over the workers that run at once, exceeds the budget")
    func admissionByWait() async throws {
        let pool = WorkerPool(workerCount: 1, queueDepth: 1000, maxQueuedBytes: 1 << 30, maxQueueWait: .milliseconds(2500))
        for _ in 0..<AdmissionControl.warmUp { pool.learn(bytes: 100, nanoseconds: 1_000_000_000) }  // 1 s a job
        let gate = "admission-\(UUID())"
        #expect(pool.admits(.init(bytes: 100) { _ in _ = Gates.shared.wait(gate) }), "a free worker: no wait")
        pool.start()
        pool.wake()
        while pool.waiting > 0 { try await Task.sleep(for: .milliseconds(2)) }
        var outcomes: [Bool] = []
        for _ in 0..<4 { outcomes.append(pool.admits(.init(bytes: 100) { _ in })) }
        #expect(outcomes == [true, true, true, false], "0 s, 1 s, 2 s ahead are within 2.5 s; 3 s is not")
        guard case .failure(.waitTooLong(let expected, let budget)) = pool.enqueue(.init(bytes: 100) { _ in }) else {
            Issue.record("not refused for its wait")
            return
        }
        #expect(expected == 3e9 && budget == 2.5e9)
        Gates.shared.open(gate)
        await pool.shutdownGracefully()
    }

    @Test("500 single-row requests waiting behind fast workers are all admitted")
    func manySmallRequests() async throws {
        let pool = WorkerPool(workerCount: 2, queueDepth: 4096, maxQueuedBytes: 1 << 30)
        for _ in 0..<AdmissionControl.warmUp { pool.learn(bytes: 90, nanoseconds: 20_000) }  // 20 µs a row
        let admitted = (0..<500).filter { _ in pool.admits(.init(bytes: 90) { _ in }) }.count
        #expect(admitted == 500)
        pool.start()
        pool.wake()
        await pool.shutdownGracefully()
    }

    @Test("inline runs: only after warm-up, only when short and a permit is free; a very slow one suspends them")
    func inlineRuns() async throws {
        let pool = WorkerPool(workerCount: 1, queueDepth: 10, maxQueuedBytes: 1 << 20, inlineMaxMicroseconds: 100)
        #expect(!pool.tryRunInline(bytes: 10), "no estimate yet")
        for _ in 0..<AdmissionControl.warmUp { pool.learn(bytes: 10, nanoseconds: 20_000) }
        #expect(pool.tryRunInline(bytes: 10))
        #expect(!pool.tryRunInline(bytes: 10), "the only permit is taken")
        pool.finishInline(bytes: 10, nanoseconds: 20_000)
        #expect(!pool.tryRunInline(bytes: 1 << 20), "a large request is estimated to take too long")
        #expect(pool.tryRunInline(bytes: 10))
        pool.finishInline(bytes: 10, nanoseconds: 3_000_000)
        #expect(pool.tryRunInline(bytes: 10), "one run of 3 ms (a descheduled thread) moves the average, no more")
        pool.finishInline(bytes: 10, nanoseconds: WorkerPool.inlineSuspensionNanoseconds)
        #expect(!pool.tryRunInline(bytes: 10), "a run of a second suspends inline runs")
        pool.start()
        await pool.shutdownGracefully()
    }

    @Test("a model that slows down stops running inline once its average passes the limit")
    func slowModelLeavesTheEventLoop() {
        let pool = WorkerPool(workerCount: 2, queueDepth: 10, maxQueuedBytes: 1 << 20, inlineMaxMicroseconds: 100)
        for _ in 0..<AdmissionControl.warmUp { pool.learn(bytes: 10, nanoseconds: 20_000) }
        var runs = 0
        while pool.tryRunInline(bytes: 10), runs < 1000 {
            pool.finishInline(bytes: 10, nanoseconds: 400_000)
            runs += 1
        }
        #expect(runs > 1 && runs < 100, "\(runs) runs of 400 µs before the average passed 100 µs")
    }

    @Test("inline runs and worker jobs together never exceed the permits")
    func inlineRespectsTheBound() async throws {
        let pool = WorkerPool(workerCount: 2, queueDepth: 1000, maxQueuedBytes: 1 << 30, inlineMaxMicroseconds: 100_000)
        for _ in 0..<AdmissionControl.warmUp { pool.learn(bytes: 1, nanoseconds: 1_000) }
        pool.start()
        let running = ManagedAtomic(0)
        let peak = ManagedAtomic(0)
        @Sendable func work() {
            let now = running.wrappingIncrementThenLoad(ordering: .relaxed)
            var seen = peak.load(ordering: .relaxed)
            while now > seen, !peak.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged {
                seen = peak.load(ordering: .relaxed)
            }
            usleep(300)
            running.wrappingDecrement(ordering: .relaxed)
        }
        let inlineRuns = ManagedAtomic(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<200 {
                        if pool.tryRunInline(bytes: 1) {
                            work()
                            inlineRuns.wrappingIncrement(ordering: .relaxed)
                            pool.finishInline(bytes: 1, nanoseconds: 1_000)
                        } else if pool.admits(.init(bytes: 1) { _ in work() }) {
                            pool.wake()
                        }
                    }
                }
            }
        }
        await pool.shutdownGracefully()
        #expect(peak.load(ordering: .relaxed) <= 2)
        #expect(inlineRuns.load(ordering: .relaxed) > 0)
    }
}

extension WorkerPool {
    /// Whether `job` was queued.
    func admits(_ job: Job) -> Bool {
        if case .success = enqueue(job) { return true }
        return false
    }
}
