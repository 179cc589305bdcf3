import Tracing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the server's monotonic clock readings into the wall-clock instants spans carry.
///
/// Every duration in Swerve (request, queue wait, stages) is a difference of monotonic readings
/// (`CPUClock.monotonicNanoseconds`, NIO's deadlines). Spans are made from those same readings,
/// shifted by one offset taken at start-up, so a child span lies exactly inside its parent and
/// the stages of a request add up as they do in the metrics; a wall-clock step (NTP) moves no
/// span relative to another.
enum TraceClock {
    /// Wall-clock minus monotonic nanoseconds, read once.
    static let epochOffset: UInt64 = {
        var wall = timespec()
        var monotonic = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        let wallNanoseconds = UInt64(wall.tv_sec) &* 1_000_000_000 &+ UInt64(wall.tv_nsec)
        let monotonicNanoseconds = UInt64(monotonic.tv_sec) &* 1_000_000_000 &+ UInt64(monotonic.tv_nsec)
        return wallNanoseconds &- monotonicNanoseconds
    }()

    /// The instant of a monotonic reading.
    @inline(__always)
    static func instant(_ monotonicNanoseconds: UInt64) -> DefaultTracerClock.Timestamp {
        DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: monotonicNanoseconds &+ epochOffset)
    }
}
