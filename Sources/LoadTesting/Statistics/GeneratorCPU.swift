#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The load generator's own CPU use over a run, to tell when it, not the server, was the limit.
///
/// Exists because a saturated generator quietly lowers the request rate and inflates latency
/// (responses wait to be read); like locust's "CPU usage above 90%" warning, the report then says
/// that its numbers describe the generator, and how to get more headroom.
enum GeneratorCPU {
    /// A thread busier than this is treated as saturated.
    static let saturationPercent = 90.0

    /// CPU seconds used by this process so far, all threads.
    static func processSeconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The warning for a run that used `percent` of one core on `threads` event loops, if any.
    static func warning(percent: Double, threads: Int) -> String? {
        guard percent / Double(max(1, threads)) > Self.saturationPercent else { return nil }
        return "the load generator was saturated (CPU \(fixed(percent, 0))% on \(threads) thread\(threads == 1 ? "" : "s")): "
            + "requests/s and latency describe it, not the server; add --threads or run it on another machine"
    }
}
