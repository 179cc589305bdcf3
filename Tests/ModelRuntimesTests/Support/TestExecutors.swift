import Dispatch
import ModelRuntimes
import Synchronization

/// Runs chunks on several threads at once, like the server's pool lending idle workers.
struct ConcurrentTestExecutor: ParallelExecutor {
    var parallelism: Int { 4 }

    func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) -> UInt64 {
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
        return 1_000  // a token helper CPU time, so tests can see it reported
    }
}

/// Records which stages reported a latency, in order, and the helper CPU time added to each.
final class StageSpy: StageRecorder, Sendable {
    private let ended = Mutex<[Int]>([])
    private let added = Mutex<[Int: UInt64]>([:])

    var endedStages: [Int] { ended.withLock { $0 } }
    var helperCPU: [Int: UInt64] { added.withLock { $0 } }

    func stageStarted() -> StageStart { StageStart(wallNanoseconds: 0) }

    func stageEnded(_ stage: Int, since start: StageStart) { ended.withLock { $0.append(stage) } }

    func addCPUTime(_ stage: Int, nanoseconds: UInt64) { added.withLock { $0[stage, default: 0] += nanoseconds } }
}
