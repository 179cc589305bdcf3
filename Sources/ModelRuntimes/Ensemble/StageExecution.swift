/// Runs one stage ("container") of a composite model over a whole batch.
///
/// The stage is measured as a unit with `InvocationContext.measure(stage:)`, so its latency is
/// the wall time of the whole batch in that container. A large batch (≥ `minimumRowsToSplit`
/// rows) is cut into contiguous chunks run through the context's executor; the CPU time helper
/// threads burn on them (which the executor returns) is reported to the stage too. Chunks write disjoint row ranges, so results
/// stay in order; when chunks fail, the error of the earliest chunk is thrown, so the reported
/// row is the first bad one.
enum StageExecution {
    /// Batches smaller than this run on the calling thread in one piece.
    static let minimumRowsToSplit = 1024
    /// No chunk is made smaller than this.
    static let minimumChunkRows = 512

    /// The row ranges a batch of `rowCount` rows is cut into for `parallelism` threads.
    static func chunks(rowCount: Int, parallelism: Int) -> [Range<Int>] {
        guard rowCount >= minimumRowsToSplit, parallelism > 1 else { return [0..<rowCount] }
        let count = max(1, min(parallelism * 2, rowCount / minimumChunkRows))
        return (0..<count).map { index in (rowCount * index / count)..<(rowCount * (index + 1) / count) }
    }

    /// Runs `body` over every row of a `rowCount`-row batch as stage `stage`.
    static func run(
        stage: Int, rowCount: Int, context: InvocationContext, _ body: @Sendable (Range<Int>) throws -> Void
    ) throws {
        try context.measure(stage: stage) {
            let ranges = chunks(rowCount: rowCount, parallelism: context.executor.parallelism)
            if ranges.count == 1 {
                try body(0..<rowCount)
                return
            }
            let failures = ChunkFailures(count: ranges.count)
            let helperNanoseconds = context.executor.forEach(ranges.count) { index in
                do {
                    try body(ranges[index])
                } catch {
                    failures.record(error, at: index)
                }
            }
            context.stageRecorder?.addCPUTime(stage, nanoseconds: helperNanoseconds)
            if let error = failures.first { throw error }
        }
    }
}

/// The error, if any, of each chunk. Each chunk writes only its own slot, and the slots are
/// read only after the executor has returned, which is what makes the unchecked Sendable safe.
final class ChunkFailures: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<(any Error)?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func record(_ error: any Error, at index: Int) { slots[index] = error }

    /// The error of the earliest failed chunk.
    var first: (any Error)? { slots.lazy.compactMap { $0 }.first }
}

/// A pointer into a buffer that chunks on several threads fill at disjoint offsets.
///
/// The buffer outlives the executor call that uses it, and no two chunks touch the same element.
struct SharedBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
}
