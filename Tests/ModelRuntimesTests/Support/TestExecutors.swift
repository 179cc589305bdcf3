import Dispatch
import ModelRuntimes
import Synchronization

/// Runs chunks on several threads at once, like the server's pool lending idle workers.
struct ConcurrentTestExecutor: ParallelExecutor {
    var parallelism: Int { 4 }

    func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}

/// Records which stages reported a latency, in order.
final class StageSpy: StageRecorder, Sendable {
    private let ended = Mutex<[Int]>([])

    var endedStages: [Int] { ended.withLock { $0 } }

    func stageStarted() -> StageStart { StageStart(wallNanoseconds: 0, cpuNanoseconds: 0) }

    func stageEnded(_ stage: Int, since start: StageStart) { ended.withLock { $0.append(stage) } }

    func addCPUTime(_ stage: Int, nanoseconds: UInt64) {}
}
