/// How much memory the loaded models of a multi-model server may take together, and whether a
/// load that would exceed it evicts the least recently used idle models or is refused with 507.
public struct MemoryBudget: Sendable, Equatable {
    /// The share of the container's memory limit (the cgroup limit, else the machine's memory)
    /// models get by default: the rest is the server itself, request buffers (up to
    /// `SWERVE_QUEUE_MAX_MB`), and the allocator's overhead, which model sizes do not include.
    public static let defaultShare = 0.7

    /// Bytes the models' measured sizes may add up to.
    public var bytes: Int
    /// Evict idle models, least recently used first, to make room (`--evict-lru`), instead of
    /// answering 507. Off by default: SageMaker evicts itself when it receives a 507.
    public var evictsLeastRecentlyUsed: Bool

    public init(bytes: Int, evictsLeastRecentlyUsed: Bool = false) {
        self.bytes = bytes
        self.evictsLeastRecentlyUsed = evictsLeastRecentlyUsed
    }

    /// `defaultShare` of the container's memory limit.
    public static var containerDefault: MemoryBudget {
        MemoryBudget(bytes: Int(ProcessSampler.memoryLimitBytes() * defaultShare))
    }
}
