import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Samples process-wide figures once a second: CPU seconds and utilization (percent summed over
/// cores, as CloudWatch's CPUUtilization), CPU seconds by thread role (event loops, workers),
/// resident memory and memory utilization (of the cgroup limit, else of the machine).
///
/// `sample()` may also be called at any time (a `/metrics` scrape does, so counters are exact at
/// scrape time); calls are serialised.
///
/// `@unchecked Sendable`: the `last*` fields are guarded by `lock` (every `sample()` holds it); the
/// rest are `let`.
public final class ProcessSampler: Service, @unchecked Sendable {
    private let lock = ConditionLock()
    /// Threads whose CPU clocks are read, by role (asked for at each sample: pools start late).
    public struct ThreadGroup: Sendable {
        public var role: String
        public var threads: @Sendable () -> [pthread_t]

        public init(role: String, threads: @escaping @Sendable () -> [pthread_t]) {
            self.role = role
            self.threads = threads
        }
    }

    private let metrics: ServerMetrics
    private let interval: Duration
    private let groups: [ThreadGroup]
    private var lastProcessCPU: UInt64 = 0
    private var lastWall: UInt64 = 0
    private var lastThreadCPU: [[UInt64]] = []
    private let memoryLimit: Double

    public init(metrics: ServerMetrics, threads: [ThreadGroup], interval: Duration = .seconds(1)) {
        self.metrics = metrics
        self.groups = threads
        self.interval = interval
        memoryLimit = Self.memoryLimitBytes()
    }

    public func run() async throws {
        sample()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            sample()
        }
    }

    /// Takes one sample now.
    public func sample() {
        lock.lock()
        defer { lock.unlock() }
        let wall = CPUClock.monotonicNanoseconds()
        let cpu = CPUClock.processNanoseconds()
        if lastWall > 0 {
            let cpuDelta = cpu &- lastProcessCPU
            metrics.processCPU.increment(by: Double(cpuDelta) / 1e9)
            metrics.cpuUtilization.record(Double(cpuDelta) / Double(max(1, wall &- lastWall)) * 100)
        } else {
            metrics.processCPU.increment(by: Double(cpu) / 1e9)
        }
        lastWall = wall
        lastProcessCPU = cpu
        if lastThreadCPU.count != groups.count { lastThreadCPU = groups.map { _ in [] } }
        for (groupIndex, group) in groups.enumerated() {
            let threads = group.threads()
            if lastThreadCPU[groupIndex].count != threads.count { lastThreadCPU[groupIndex] = Array(repeating: 0, count: threads.count) }
            var delta: UInt64 = 0
            for (threadIndex, thread) in threads.enumerated() {
                let now = Self.threadCPU(thread)
                delta &+= now &- lastThreadCPU[groupIndex][threadIndex]
                lastThreadCPU[groupIndex][threadIndex] = now
            }
            let counter = group.role == "worker" ? metrics.workerCPU : metrics.eventLoopCPU
            counter.increment(by: Double(delta) / 1e9)
        }
        let resident = Self.residentBytes()
        metrics.residentMemory.record(resident)
        if memoryLimit > 0 { metrics.memoryUtilization.record(resident / memoryLimit * 100) }
    }

    static func threadCPU(_ thread: pthread_t) -> UInt64 {
        var clock = clockid_t()
        guard pthread_getcpuclockid(thread, &clock) == 0 else { return 0 }
        var spec = timespec()
        guard clock_gettime(clock, &spec) == 0 else { return 0 }
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Resident set size, from /proc/self/statm.
    static func residentBytes() -> Double {
        guard let text = readSmallFile("/proc/self/statm") else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The cgroup v2 memory limit if one is set, else the machine's memory.
    static func memoryLimitBytes() -> Double {
        if let text = readSmallFile("/sys/fs/cgroup/memory.max"), let limit = Double(text.trimmingCharacters()), limit > 0 {
            return limit
        }
        guard let meminfo = readSmallFile("/proc/meminfo") else { return 0 }
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kilobytes = Double(parts[1]) { return kilobytes * 1024 }
        }
        return 0
    }

    static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
