/// Where a model's stages ("containers") report how long they took and how much CPU they used.
///
/// The model runtimes know nothing about metrics backends; the server implements this protocol
/// and turns the readings into per-container histograms and CPU-second counters.
public protocol StageRecorder: Sendable {
    /// Takes the readings a stage starts from (clock and thread CPU time).
    func stageStarted() -> StageStart
    /// Reports stage `stage` as finished, measured from `start`.
    func stageEnded(_ stage: Int, since start: StageStart)
    /// Reports CPU time burnt for stage `stage` on another thread (a chunk run by the executor).
    func addCPUTime(_ stage: Int, nanoseconds: UInt64)
}

/// The opaque readings taken when a stage starts.
public struct StageStart: Sendable {
    public var wallNanoseconds: UInt64
    public var cpuNanoseconds: UInt64

    public init(wallNanoseconds: UInt64, cpuNanoseconds: UInt64) {
        self.wallNanoseconds = wallNanoseconds
        self.cpuNanoseconds = cpuNanoseconds
    }
}
