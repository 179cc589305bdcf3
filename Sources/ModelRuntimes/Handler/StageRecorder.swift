/// Where a model's stages ("containers") report how long they took and how much CPU they used.
///
/// The model runtimes know nothing about metrics backends; the server implements this protocol
/// and turns the readings into per-container histograms and CPU-second counters.
public protocol StageRecorder: Sendable {
    /// Takes the reading a stage starts from.
    func stageStarted() -> StageStart
    /// Reports stage `stage` as finished, measured from `start`.
    func stageEnded(_ stage: Int, since start: StageStart)
    /// Reports CPU time burnt for stage `stage` on another thread (a chunk run by the executor).
    func addCPUTime(_ stage: Int, nanoseconds: UInt64)
}

/// The reading taken when a stage starts: a monotonic clock reading in nanoseconds. (CPU time is
/// not read per stage; the recorder shares each accounting window's CPU time among stages.)
public struct StageStart: Sendable {
    public var wallNanoseconds: UInt64

    public init(wallNanoseconds: UInt64) {
        self.wallNanoseconds = wallNanoseconds
    }
}
