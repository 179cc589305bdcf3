import NIOCore

/// What a job knows about the worker running it: where to hand results back to event loops.
///
/// Results are batched per event loop and handed over when the worker runs out of queued work,
/// or after half a millisecond, whichever comes first.
///
/// `@unchecked Sendable`: confined to its worker thread, the only one that touches `deliveries`
/// and `oldestDelivery` (jobs receive it as a parameter and use it on that thread).
public final class WorkerContext: @unchecked Sendable {
    /// The worker's index in the pool.
    public let index: Int
    /// This worker's per-container CPU and latency accounting; nil when metrics are off.
    public let accounting: StageAccounting?
    private var deliveries: [(loop: any EventLoop, tasks: [@Sendable () -> Void])] = []
    private var oldestDelivery = NIODeadline.uptimeNanoseconds(0)

    init(index: Int, accounting: StageAccounting?) {
        self.index = index
        self.accounting = accounting
    }

    var hasDeliveries: Bool { !deliveries.isEmpty }

    /// Runs `task` on `eventLoop` soon, batched with the worker's other results for that loop.
    public func deliver(on eventLoop: any EventLoop, _ task: @escaping @Sendable () -> Void) {
        if deliveries.isEmpty { oldestDelivery = .now() }
        for index in deliveries.indices where deliveries[index].loop === eventLoop {
            deliveries[index].tasks.append(task)
            return
        }
        deliveries.append((eventLoop, [task]))
    }

    /// Hands results over if they have waited long enough.
    func flushIfDue() {
        if !deliveries.isEmpty && NIODeadline.now() - oldestDelivery > .microseconds(500) { flush() }
    }

    /// Hands every pending result to its event loop.
    func flush() {
        let batches = deliveries
        deliveries.removeAll(keepingCapacity: true)
        for batch in batches {
            let tasks = batch.tasks
            if tasks.count == 1 {
                batch.loop.execute(tasks[0])
            } else {
                batch.loop.execute { for task in tasks { task() } }
            }
        }
    }
}
