import ModelRuntimes

/// Claims four threads' worth of parallelism, so a large CSV body is cut into chunks as on the
/// server, but runs the chunks on the calling thread, last first: the chunk path is reached
/// deterministically (a fuzzer's finding must replay), and any dependence of one chunk on
/// another's order shows up. Races are ThreadSanitizer's business, not the fuzzers'.
public struct ChunkingExecutor: ParallelExecutor {
    public init() {}
    public var parallelism: Int { 4 }

    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) -> UInt64 {
        for index in (0..<count).reversed() { body(index) }
        return 0
    }
}
