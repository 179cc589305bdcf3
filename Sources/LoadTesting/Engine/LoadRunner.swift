import Foundation
import NIOCore
import NIOPosix

/// Runs one load test: starts a worker per event loop, samples them once a second into the time
/// series, and returns the ``LoadReport`` when every request started has been accounted for.
///
/// Exists as the one entry point the command line, the capacity finder and tests share. A run is
/// always bounded: by `duration` plus at most one `timeout` to drain, and by the request budget.
/// Cancelling the calling task stops it early and still returns what was measured.
public struct LoadRunner: Sendable {
    public var configuration: LoadTestConfiguration

    public init(configuration: LoadTestConfiguration) {
        self.configuration = configuration
    }

    /// Runs the test; `progress` is called once a second with the totals so far and the last second.
    public func run(progress: (@Sendable (LoadProgress) -> Void)? = nil) async throws -> LoadReport {
        try self.configuration.validate()
        let target = self.configuration.request.target
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
        } catch {
            throw LoadTestError(option: "url", "cannot resolve '\(target.host)': \(error)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.configuration.threads)
        do {
            let report = try await self.run(on: group, address: address, progress: progress)
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(
        on group: MultiThreadedEventLoopGroup, address: SocketAddress, progress: (@Sendable (LoadProgress) -> Void)?
    ) async throws -> LoadReport {
        let startedAt = Date()
        let cpuAtStart = GeneratorCPU.processSeconds()
        let start = NIODeadline.now() + .milliseconds(20)
        let shares = RunPlan.shares(for: self.configuration, requests: try self.configuration.request.prepare(), start: start)
        var started: [WorkerHandle] = []
        for (share, loop) in zip(shares, group.makeIterator()) {
            started.append(try await WorkerHandle.start(share, on: loop, address: address))
        }
        let workers = started
        let sampler = IntervalSampler(workers: workers, start: start)
        let allFinished = EventLoopFuture.andAllComplete(workers.map(\.finished), on: workers[0].eventLoop)
        let (events, continuation) = AsyncStream<Bool>.makeStream()
        allFinished.whenComplete { _ in continuation.yield(true) }
        let ticker = workers[0].eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1) + (start - .now()), delay: .seconds(1)) { _ in
            continuation.yield(false)
        }
        await withTaskCancellationHandler {
            for await finished in events {
                if finished { break }
                let point = try? await sampler.sample()
                if let progress, let point {
                    progress(LoadProgress(duration: self.configuration.duration, totals: sampler.totals, latest: point))
                }
            }
        } onCancel: {
            for worker in workers { worker.stop() }
        }
        // Finished, or cancelled (the stream ends early then): either way wait until every request
        // started is accounted for, which the timeout sweep bounds, then take the last partial second.
        for worker in workers { worker.stop() }
        try await allFinished.get()
        ticker.cancel()
        continuation.finish()
        _ = try await sampler.sample(final: true)
        let elapsed = Duration.nanoseconds(sampler.lastSample.uptimeNanoseconds - start.uptimeNanoseconds)
        var wrkCorrectedLatency: LatencySummary?
        if case .closedLoop(let users, _, _) = self.configuration.workload,
            let interval = CoordinatedOmission.wrkExpectedInterval(
                elapsedMicroseconds: UInt64(max(0, elapsed.nanoseconds / 1000)), requests: Int(sampler.totals.histogram.totalCount),
                connections: users
            )
        {
            wrkCorrectedLatency = LatencySummary(microseconds: CoordinatedOmission.wrkCorrected(sampler.totals.histogram, expectedInterval: interval))
        }
        return LoadReport(
            target: self.configuration.request.target, method: self.configuration.request.method,
            workload: self.configuration.workload, duration: self.configuration.duration,
            maxRequests: self.configuration.maxRequests, timeout: self.configuration.timeout,
            startedAt: startedAt, elapsed: elapsed,
            requests: sampler.totals.requests, failures: sampler.totals.failures,
            failuresByKind: sampler.totals.failuresByKind,
            latency: LatencySummary(microseconds: sampler.totals.histogram), wrkCorrectedLatency: wrkCorrectedLatency,
            timeSeries: sampler.points,
            threads: self.configuration.threads,
            generatorCPUPercent: elapsed > .zero ? (GeneratorCPU.processSeconds() - cpuAtStart) / elapsed.seconds * 100 : 0
        )
    }
}

/// A worker as seen from outside its event loop.
struct WorkerHandle: Sendable {
    let eventLoop: EventLoop
    let worker: NIOLoopBound<LoadWorker>
    let finished: EventLoopFuture<Void>

    static func start(_ share: RunPlan.Share, on loop: EventLoop, address: SocketAddress) async throws -> WorkerHandle {
        try await loop.submit {
            let worker = LoadWorker(eventLoop: loop, address: address, plan: share.worker)
            let driver: LoadDriver
            switch share.driver {
            case .closed(let spawnTimes, let pacing):
                driver = ClosedLoopDriver(worker: worker, spawnTimes: spawnTimes, pacing: pacing)
            case .open(let interval, let firstDue, let maxConnections):
                driver = OpenLoopDriver(worker: worker, interval: interval, firstDue: firstDue, maxConnections: maxConnections)
            }
            worker.start(driver: driver)
            return WorkerHandle(eventLoop: loop, worker: NIOLoopBound(worker, eventLoop: loop), finished: worker.finished)
        }.get()
    }

    func stop() {
        self.eventLoop.execute { self.worker.value.stop() }
    }

    func takeInterval() async throws -> IntervalStatistics {
        try await self.eventLoop.submit { self.worker.value.takeInterval() }.get()
    }
}
