import NIOCore

/// Locust-style users on one event loop: spawned at the spawn rate, each looping send, wait for
/// the response, wait out the pacing.
///
/// Exists to answer "what do N users experience?"; the server's speed sets the request rate,
/// which is why this model cannot, on its own, reveal queueing (see ``OpenLoopDriver``).
final class ClosedLoopDriver: LoadDriver {
    private unowned let worker: LoadWorker
    private let population: [VirtualUser]
    private let spawnTimes: [NIODeadline]
    private var spawnTimers: [Scheduled<Void>] = []
    private var running = 0
    private var unfinished = 0

    /// - Parameter spawnTimes: when each of this loop's users starts.
    init(worker: LoadWorker, spawnTimes: [NIODeadline], pacing: TimeAmount) {
        self.worker = worker
        self.population = spawnTimes.map { _ in VirtualUser(worker: worker, pacing: pacing) }
        self.spawnTimes = spawnTimes
        self.unfinished = self.population.count
        for user in self.population { user.driver = self }
    }

    var users: Int { self.running }

    func start() {
        guard !self.population.isEmpty else { return self.worker.driverDidFinish() }
        let isolated = self.worker.eventLoop.assumeIsolated()
        for (user, time) in zip(self.population, self.spawnTimes) {
            self.spawnTimers.append(
                isolated.scheduleTask(deadline: time) {
                    self.running += 1
                    user.run()
                })
        }
    }

    func stop() {
        for timer in self.spawnTimers { timer.cancel() }
        self.spawnTimers.removeAll()
        for user in self.population { user.stop() }
    }

    func expireQueued(now: NIODeadline) {}

    /// A user will send no more requests and has nothing in flight.
    func userDidFinish(wasRunning: Bool) {
        if wasRunning { self.running -= 1 }
        self.unfinished -= 1
        if self.unfinished == 0 { self.worker.driverDidFinish() }
    }
}
