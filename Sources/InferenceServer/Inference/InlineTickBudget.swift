import NIOCore
import NIOPosix

/// How many small requests one event-loop tick may run inline before the rest go to the workers.
///
/// Below saturation a tick holds one request, and running it inline saves the thread hop. At
/// saturation a tick holds many: run inline, the loop alternates HTTP and model code request by
/// request; handed on, the loop does only HTTP and a worker drains the batch with the model's code
/// and data warm. The first requests of a tick run inline, the rest are queued.
///
/// Each event-loop thread counts its own tick's inline runs (a thread-specific counter, reset by a
/// task that runs at the end of the tick), so taking the budget costs no lock.
final class InlineTickBudget: Sendable {
    /// Inline runs allowed per tick; 0: no limit.
    let perTick: Int
    private let used = ThreadSpecificVariable<Counter>()

    /// A tick's count. `@unchecked Sendable`: confined to its event-loop thread, which alone
    /// reads and writes `count` (the reset runs on that loop too).
    private final class Counter: @unchecked Sendable { var count = 0 }

    init(perTick: Int) { self.perTick = perTick }

    /// True when the calling event loop's tick may run one more request inline (and counts it);
    /// `eventLoop` must be the caller's.
    func take(on eventLoop: any EventLoop) -> Bool {
        guard perTick > 0 else { return true }
        let counter: Counter
        if let existing = used.currentValue {
            counter = existing
        } else {
            counter = Counter()
            used.currentValue = counter
        }
        guard counter.count < perTick else { return false }
        if counter.count == 0 {
            let bound = NIOLoopBound(counter, eventLoop: eventLoop)
            eventLoop.execute { bound.value.count = 0 }
        }
        counter.count += 1
        return true
    }
}
