import NIOCore

/// One closed-loop user: a keep-alive connection and the loop send, await, pace, repeat.
///
/// Exists to keep the per-user state machine in one place. Pacing is locust's `constant_pacing`:
/// the next request starts `pacing` after the previous one started, or at once if the response
/// took longer. Latency runs from the actual send; connecting is not counted in it.
final class VirtualUser: LoadConnectionDelegate {
    private enum State {
        case notStarted
        case connecting(PreparedRequest)
        case inFlight
        case waiting(Scheduled<Void>?)
        case finished
    }

    /// The least time between a connection failure and the next attempt, so a dead server is not
    /// hammered in a tight loop when pacing is zero.
    static let failureBackoff = TimeAmount.milliseconds(10)

    private let worker: LoadWorker
    weak var driver: ClosedLoopDriver?
    private let pacing: TimeAmount
    private var state = State.notStarted
    private var connection: LoadConnection?
    private var iterationStart = NIODeadline.uptimeNanoseconds(0)

    init(worker: LoadWorker, pacing: TimeAmount) {
        self.worker = worker
        self.pacing = pacing
    }

    /// Starts the loop (the user has spawned).
    func run() {
        guard case .notStarted = self.state else { return }
        self.iterate()
    }

    /// No more requests: finishes now if idle, else after the request in flight ends.
    func stop() {
        switch self.state {
        case .notStarted:
            self.finish(wasRunning: false)
        case .waiting(let timer):
            timer?.cancel()
            self.finish(wasRunning: true)
        case .connecting, .inFlight, .finished:
            break
        }
    }

    private func iterate() {
        let now = NIODeadline.now()
        guard self.worker.claim(due: now) else { return self.finish(wasRunning: true) }
        let request = self.worker.nextRequest()
        self.iterationStart = now
        if let connection = self.connection, connection.isUsable {
            self.send(request, on: connection)
            return
        }
        self.state = .connecting(request)
        self.worker.connect(delegate: self) { result in
            switch result {
            case .success(let connection):
                self.connection = connection
                self.send(request, on: connection)
            case .failure:
                let now = NIODeadline.now()
                self.worker.record(.connectionError, origin: now, now: now)
                self.next(now: now, failed: true)
            }
        }
    }

    private func send(_ request: PreparedRequest, on connection: LoadConnection) {
        let now = NIODeadline.now()
        self.state = .inFlight
        connection.send(request, origin: now, deadline: now + self.worker.plan.timeout)
    }

    func connection(_ connection: LoadConnection, didFinish outcome: RequestOutcome, origin: NIODeadline, now: NIODeadline) {
        self.worker.record(outcome, origin: origin, now: now)
        if case .response = outcome { self.next(now: now, failed: false) } else { self.next(now: now, failed: true) }
    }

    func connectionDidClose(_ connection: LoadConnection) {
        self.worker.connectionDidClose(connection)
        if self.connection === connection { self.connection = nil }
    }

    /// Waits out the pacing (or the failure back-off), then starts the next request.
    private func next(now: NIODeadline, failed: Bool) {
        guard !self.worker.isStopping, self.worker.canStartMore else { return self.finish(wasRunning: true) }
        var due = self.iterationStart + self.pacing
        if failed { due = max(due, now + Self.failureBackoff) }
        guard due > now else { return self.iterate() }
        self.state = .waiting(nil)
        let timer = self.worker.eventLoop.assumeIsolated().scheduleTask(deadline: due) { self.iterate() }
        self.state = .waiting(timer)
    }

    private func finish(wasRunning: Bool) {
        if case .finished = self.state { return }
        self.state = .finished
        self.connection?.close()
        self.connection = nil
        self.driver?.userDidFinish(wasRunning: wasRunning)
    }
}
