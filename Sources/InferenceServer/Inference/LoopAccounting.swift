import NIOCore
import NIOPosix

/// The per-container accounting of small requests run inline on event loops: one
/// `StageAccounting` per event-loop thread, whose window spans the inline runs of one loop tick.
///
/// The window opens at the tick's first inline run and closes in a task scheduled on the loop,
/// which runs at the end of the same tick: two CPU-clock readings per tick, however many requests
/// the tick ran.
final class LoopAccounting: Sendable {
    private let metrics: ServerMetrics
    /// Each event-loop thread's accounting, made on first use there.
    private let perThread = ThreadSpecificVariable<StageAccounting>()

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    /// The calling event loop's accounting, with its window open; `eventLoop` must be the caller's.
    func openWindow(on eventLoop: any EventLoop) -> StageAccounting {
        let accounting: StageAccounting
        if let existing = perThread.currentValue {
            accounting = existing
        } else {
            accounting = StageAccounting(metrics: metrics, role: .eventLoop)
            perThread.currentValue = accounting
        }
        if !accounting.isWindowOpen {
            accounting.beginWork()
            let bound = NIOLoopBound(accounting, eventLoop: eventLoop)
            eventLoop.execute { bound.value.endWork(idle: true) }
        }
        return accounting
    }
}
