import NIOCore
import NIOPosix

/// What each event-loop thread keeps per tick for the small requests it runs inline: how many it
/// has run (the tick's inline budget) and, with metrics on, its `StageAccounting`, whose window
/// spans the inline runs of one tick. One task, scheduled on the loop at the tick's first inline
/// request, runs at the tick's end: it gives the next tick a full budget and closes the window.
///
/// The budget: below saturation a tick holds one request, and running it inline saves the thread
/// hop. At saturation a tick holds many: run inline, the loop alternates HTTP and model code
/// request by request; handed on, the loop does only HTTP and a worker drains the batch with the
/// model's code and data warm. The first `perTick` requests of a tick run inline, the rest are
/// queued.
///
/// The window: two CPU-clock readings per tick (a system call each), however many requests the
/// tick ran. Both live in one thread-specific object, so neither taking the budget nor opening
/// the window costs a lock, and a tick schedules one task for both, not one each.
final class EventLoopTicks: Sendable {
    /// Inline runs allowed per tick; 0: no limit (and no task per tick unless metrics are on).
    let perTick: Int
    private let metrics: ServerMetrics?
    private let perThread = ThreadSpecificVariable<Tick>()

    /// One event-loop thread's state. `@unchecked Sendable`: confined to its thread, which alone
    /// reads and writes it (the end-of-tick task runs on that loop too).
    private final class Tick: @unchecked Sendable {
        var inlineRuns = 0
        var endScheduled = false
        let accounting: StageAccounting?

        init(accounting: StageAccounting?) { self.accounting = accounting }

        func end() {
            inlineRuns = 0
            endScheduled = false
            accounting?.endWork(idle: true)
        }
    }

    /// - Parameters:
    ///   - perTick: inline runs allowed per tick; 0: no limit.
    ///   - metrics: where the inline runs' per-container figures go; nil: no accounting.
    init(perTick: Int, metrics: ServerMetrics?) {
        self.perTick = perTick
        self.metrics = metrics
    }

    /// True when the calling event loop's tick may run one more request inline (and counts it);
    /// `eventLoop` must be the caller's.
    func takeInlineRun(on eventLoop: any EventLoop) -> Bool {
        guard perTick > 0 else { return true }
        let tick = current()
        guard tick.inlineRuns < perTick else { return false }
        tick.inlineRuns += 1
        scheduleEnd(of: tick, on: eventLoop)
        return true
    }

    /// The calling event loop's accounting, with its window open until the tick ends; nil with
    /// metrics off. `eventLoop` must be the caller's.
    func openWindow(on eventLoop: any EventLoop) -> StageAccounting? {
        guard metrics != nil else { return nil }
        let tick = current()
        guard let accounting = tick.accounting else { return nil }
        accounting.beginWork()  // does nothing while the window is open
        scheduleEnd(of: tick, on: eventLoop)
        return accounting
    }

    private func current() -> Tick {
        if let existing = perThread.currentValue { return existing }
        let tick = Tick(accounting: metrics.map { StageAccounting(metrics: $0, role: .eventLoop) })
        perThread.currentValue = tick
        return tick
    }

    private func scheduleEnd(of tick: Tick, on eventLoop: any EventLoop) {
        guard !tick.endScheduled else { return }
        tick.endScheduled = true
        let bound = NIOLoopBound(tick, eventLoop: eventLoop)
        eventLoop.execute { bound.value.end() }
    }
}
