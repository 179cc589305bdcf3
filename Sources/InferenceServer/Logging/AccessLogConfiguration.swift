/// How access logs are written: off by default; when on, every response is a candidate, the
/// successful ones are sampled and capped per second, and errors can bypass both.
public struct AccessLogConfiguration: Sendable, Equatable {
    /// `SWERVE_ACCESS_LOG` (`on`/`off`, default off), or `--access-log`.
    public var enabled = false
    /// `SWERVE_ACCESS_LOG_SAMPLE` (0 to 1, default 1): the share of successful responses logged,
    /// as one line in every round(1 / rate).
    public var sampleRate = 1.0
    /// `SWERVE_ACCESS_LOG_MAX_PER_SECOND` (default 1000; 0 for no cap): successful lines written in
    /// one second at most, so that logging cannot take the server down under load.
    public var maxLinesPerSecond = 1000
    /// `SWERVE_ACCESS_LOG_ERRORS` (`all`, default, or `sampled`): with `all`, every 4xx and 5xx is
    /// logged whatever the sampling and the cap.
    public var logAllErrors = true

    public init() {}

    /// One line in every `sampleEvery` successful responses.
    var sampleEvery: UInt64 {
        sampleRate <= 0 ? 0 : UInt64(max(1, (1 / sampleRate).rounded()))
    }
}
