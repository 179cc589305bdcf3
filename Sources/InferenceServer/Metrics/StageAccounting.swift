import ModelRuntimes

/// One worker thread's account of where its CPU time went: which container (`input_fn`, each
/// model stage, `output_fn`) and how much was the pool's own overhead.
///
/// Reading a thread's CPU clock is a system call (about 0.2 µs here), too dear for every stage
/// boundary of a 10 µs request. So stages are timed on the monotonic clock (vDSO, about 25 ns),
/// and the worker reads its CPU clock once per accounting window: a run of work of at most 10 ms,
/// closed early when the worker runs out of work. The window's CPU time, which is exact, is shared
/// among the containers that ran in it in proportion to their wall time; what is left is the
/// worker's overhead. The sum over containers plus overhead is therefore exactly the worker
/// threads' CPU time; the split between containers is exact as long as a thread is not
/// descheduled more in one stage than in another within a window.
///
/// On an event loop (small requests run inline there) a window spans the inline runs of one loop
/// tick, which also holds the loop's HTTP work: the stages get their share of the window's CPU by
/// wall time, counted also as `swerve_inline_model_cpu_seconds_total`, and the rest is the event
/// loop's own, not worker overhead.
///
/// Latency histograms record every stage's wall time directly. `@unchecked Sendable`: confined
/// to the one thread that owns it (a worker, or an event loop), which alone reads and writes its
/// fields.
public final class StageAccounting: StageRecorder, @unchecked Sendable {
    /// Which kind of thread owns the accounting.
    public enum Role: Sendable { case worker, eventLoop }

    private let metrics: ServerMetrics
    let role: Role
    /// Wall nanoseconds per container in the open window. A buffer this object owns rather than
    /// an array `var`: it is written at every stage boundary, and a `let` needs no dynamic
    /// exclusivity check (a class's `var` array costs one per write; see BENCHMARKS.md).
    private let wall: UnsafeMutableBufferPointer<UInt64>
    private var windowOpen = false
    private var windowStartWall: UInt64 = 0
    private var windowStartCPU: UInt64 = 0
    private var excludedWall: UInt64 = 0
    private var excludedCPU: UInt64 = 0
    /// The clock reading that ended the last timed step: the next stage starts there, so stages
    /// are contiguous and a request costs one reading per container.
    private var lastMark: UInt64 = 0
    static let windowNanoseconds: UInt64 = 10_000_000
    /// The span of the request this thread is running, while tracing is on: every container
    /// timed here becomes a child span of it, from the same clock readings.
    var trace: RequestTrace?

    init(metrics: ServerMetrics, role: Role) {
        self.metrics = metrics
        self.role = role
        wall = .allocate(capacity: metrics.containerNames.count)
        wall.initialize(repeating: 0)
    }

    deinit { wall.deallocate() }

    /// Container index of the model's stage `stage` (0 is `input_fn`).
    @inline(__always) private func container(_ stage: Int) -> Int { stage + 1 }
    var inputContainer: Int { 0 }
    var outputContainer: Int { wall.count - 1 }

    // MARK: StageRecorder (the model's own stages)

    /// The stage starts where the previous timed step ended (time between two stages counts
    /// to the next one).
    public func stageStarted() -> StageStart {
        StageStart(wallNanoseconds: lastMark)
    }

    public func stageEnded(_ stage: Int, since start: StageStart) {
        let index = container(stage)
        guard index > 0, index < outputContainer else { return }
        record(index, since: start.wallNanoseconds)
    }

    public func addCPUTime(_ stage: Int, nanoseconds: UInt64) {
        let index = container(stage)  // InvocationContext.inputStage (-1) is input_fn
        guard index >= 0, index < outputContainer else { return }
        metrics.containerCPU[index].increment(by: Double(nanoseconds) / 1e9)
    }

    // MARK: Server side

    /// Times `body` as container `index` (`inputContainer` or `outputContainer`), from the clock
    /// reading `mark`, which it then moves to the end: consecutive steps share one reading.
    @inline(__always)
    func measure<T>(container index: Int, from mark: inout UInt64, _ body: () throws -> T) rethrows -> T {
        let start = mark
        lastMark = start
        defer { mark = record(index, since: start) }
        return try body()
    }

    /// The reading that ended the last timed step.
    var latestMark: UInt64 { lastMark }

    /// Records container `index` as running from `start` until now; returns now.
    @inline(__always)
    @discardableResult
    private func record(_ index: Int, since start: UInt64) -> UInt64 {
        let now = CPUClock.monotonicNanoseconds()
        let elapsed = now &- start
        wall[index] &+= elapsed
        metrics.containerLatency[index].recordNanoseconds(Int64(elapsed))
        lastMark = now
        if let trace { trace.child(metrics.containerNames[index], from: start, to: now) }
        return now
    }

    /// True while a window is open.
    var isWindowOpen: Bool { windowOpen }

    /// Opens a window if none is open (the worker is about to run a job).
    @inline(__always)
    func beginWork() {
        guard !windowOpen else { return }
        windowOpen = true
        windowStartWall = CPUClock.monotonicNanoseconds()
        windowStartCPU = CPUClock.threadNanoseconds()
    }

    /// Closes the window if it is old enough, or always when `idle` (the worker will sleep).
    func endWork(idle: Bool) {
        guard windowOpen else { return }
        // Between jobs the last stage's reading is recent enough to judge the window's age.
        if !idle && lastMark &- windowStartWall < Self.windowNanoseconds { return }
        let now = CPUClock.monotonicNanoseconds()
        let cpu = CPUClock.threadNanoseconds() &- windowStartCPU
        windowOpen = false
        let windowWall = now &- windowStartWall
        let cpuLeft = cpu > excludedCPU ? cpu - excludedCPU : 0
        let wallLeft = windowWall > excludedWall ? windowWall - excludedWall : 0
        excludedCPU = 0
        excludedWall = 0
        let stageWall = wall.reduce(0, &+)
        let scale = wallLeft > 0 ? min(1, Double(cpuLeft) / Double(max(wallLeft, stageWall))) : 0
        var attributed = 0.0
        for index in wall.indices where wall[index] > 0 {
            let seconds = Double(wall[index]) * scale / 1e9
            metrics.containerCPU[index].increment(by: seconds)
            attributed += seconds
            wall[index] = 0
        }
        switch role {
        case .worker:
            let overhead = Double(cpuLeft) / 1e9 - attributed
            if overhead > 0 { metrics.workerOverheadCPU.increment(by: overhead) }
        case .eventLoop:
            if attributed > 0 { metrics.inlineModelCPU.increment(by: attributed) }
        }
    }

    /// Runs `body` (a chunk of another request's stage, whose CPU time the executor charges to
    /// that stage) and keeps its time out of this window. Returns the CPU time it used.
    func runAttributedElsewhere(_ body: () -> Void) -> UInt64 {
        let startWall = CPUClock.monotonicNanoseconds()
        let startCPU = CPUClock.threadNanoseconds()
        body()
        let cpu = CPUClock.threadNanoseconds() &- startCPU
        excludedCPU &+= cpu
        excludedWall &+= CPUClock.monotonicNanoseconds() &- startWall
        return cpu
    }
}
