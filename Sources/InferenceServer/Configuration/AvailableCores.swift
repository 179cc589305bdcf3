import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How many CPUs this process may actually use: the smallest of the CPU affinity mask
/// (`taskset`, Kubernetes CPU manager), the cgroup CPU quota and cpuset (what NIO's
/// `System.coreCount` reads), so that a container pinned to one core starts one event loop
/// and (2 x 1) + 1 workers, not the machine's count.
public enum AvailableCores {
    public static let count: Int = {
        var cores = System.coreCount
        #if os(Linux)
            if let affinity = affinityCount() { cores = min(cores, affinity) }
        #endif
        return max(1, cores)
    }()

    #if os(Linux)
        /// CPUs in the affinity mask, from the `Cpus_allowed` line of /proc/self/status (a hex mask
        /// in comma-separated 32-bit groups); Glibc's `sched_getaffinity` is not visible to Swift.
        static func affinityCount() -> Int? {
            guard let status = ProcessSampler.readSmallFile("/proc/self/status") else { return nil }
            for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
                let mask = line.dropFirst("Cpus_allowed:".count)
                let bits = mask.reduce(0) { count, character in count + (character.hexDigitValue?.nonzeroBitCount ?? 0) }
                return bits > 0 ? bits : nil
            }
            return nil
        }
    #endif
}
