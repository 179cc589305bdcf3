import NIOCore

/// A constant arrival rate on one event loop over a pool of keep-alive connections, with latency
/// measured from each request's due time.
///
/// Exists to avoid coordinated omission: when every connection is busy, a due request waits in
/// ``ArrivalQueue`` and the wait counts in its latency, so an overloaded server shows up as the
/// latency users would see instead of as a quietly lower request rate. Connections open lazily, up
/// to the cap, only when a request is waiting.
final class OpenLoopDriver: LoadDriver, LoadConnectionDelegate {
    private unowned let worker: LoadWorker
    private let interval: Int64
    private var nextDue: NIODeadline
    private let maxConnections: Int
    private var idle: [LoadConnection] = []
    private var queue = ArrivalQueue()
    private var open = 0
    private var connecting = 0
    private var inFlight = 0
    private var arrivalsStopped = false
    private var tick: Scheduled<Void>?

    /// - Parameters:
    ///   - interval: nanoseconds between this loop's arrivals.
    ///   - firstDue: this loop's first arrival (loops are phase-shifted so arrivals interleave).
    init(worker: LoadWorker, interval: Int64, firstDue: NIODeadline, maxConnections: Int) {
        self.worker = worker
        self.interval = max(1, interval)
        self.nextDue = firstDue
        self.maxConnections = max(1, maxConnections)
    }

    /// Connections open: the pool grows when the server slows down, so this is the open-loop
    /// counterpart of a user count.
    var users: Int { self.open }

    func start() { self.scheduleTick() }

    func stop() {
        self.arrivalsStopped = true
        self.tick?.cancel()
        self.finishIfDone()
    }

    /// Sends every request that has come due, then sleeps until the next one.
    private func arrive() {
        let now = NIODeadline.now()
        while self.nextDue <= now {
            guard self.worker.claim(due: self.nextDue) else { return self.stop() }
            self.dispatch(due: self.nextDue)
            self.nextDue = self.nextDue + .nanoseconds(self.interval)
        }
        self.scheduleTick()
    }

    private func scheduleTick() {
        guard !self.arrivalsStopped else { return }
        self.tick = self.worker.eventLoop.assumeIsolated().scheduleTask(deadline: self.nextDue) { self.arrive() }
    }

    private func dispatch(due: NIODeadline) {
        // The most recently used connection first; one that broke while idle is closing already.
        while let connection = self.idle.popLast() {
            if connection.isUsable { return self.send(due: due, on: connection) }
        }
        self.queue.append(due)
        self.openIfNeeded()
    }

    private func send(due: NIODeadline, on connection: LoadConnection) {
        self.inFlight += 1
        connection.send(self.worker.nextRequest(), origin: due, deadline: due + self.worker.plan.timeout)
    }

    /// Opens one more connection while requests wait and the cap allows.
    private func openIfNeeded() {
        while self.queue.count > self.connecting, self.open + self.connecting < self.maxConnections {
            self.connecting += 1
            self.worker.connect(delegate: self) { result in
                self.connecting -= 1
                switch result {
                case .success(let connection):
                    self.open += 1
                    self.becameIdle(connection)
                case .failure:
                    let now = NIODeadline.now()
                    if let due = self.queue.popFirst() { self.worker.record(.connectionError, origin: due, now: now) }
                    // Retry for the rest of the queue on the next tick (a connect can fail synchronously).
                    self.worker.eventLoop.assumeIsolated().execute { self.openIfNeeded() }
                    self.finishIfDone()
                }
            }
        }
    }

    /// Gives a free connection the oldest waiting request, or parks it.
    private func becameIdle(_ connection: LoadConnection) {
        self.expireQueued(now: .now())
        if let due = self.queue.popFirst() {
            self.send(due: due, on: connection)
        } else {
            self.idle.append(connection)
            self.finishIfDone()
        }
    }

    func expireQueued(now: NIODeadline) {
        let timeout = self.worker.plan.timeout
        while let due = self.queue.first, now >= due + timeout {
            _ = self.queue.popFirst()
            self.worker.record(.timeout, origin: due, now: now)
        }
        self.finishIfDone()
    }

    func connection(_ connection: LoadConnection, didFinish outcome: RequestOutcome, origin: NIODeadline, now: NIODeadline) {
        self.inFlight -= 1
        self.worker.record(outcome, origin: origin, now: now)
        if connection.isUsable { self.becameIdle(connection) } else { self.finishIfDone() }
    }

    func connectionDidClose(_ connection: LoadConnection) {
        self.worker.connectionDidClose(connection)
        self.open -= 1
        if let index = self.idle.firstIndex(where: { $0 === connection }) { self.idle.remove(at: index) }
        self.openIfNeeded()
        self.finishIfDone()
    }

    private func finishIfDone() {
        guard self.arrivalsStopped, self.queue.isEmpty, self.inFlight == 0, self.connecting == 0 else { return }
        self.worker.driverDidFinish()
    }
}
