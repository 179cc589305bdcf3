import Histogram

/// wrk 4's coordinated-omission correction, applied to a closed-loop latency histogram.
///
/// Exists because wrk never prints the latencies it measured: before its report it runs
/// `stats_correct(latency, runtime_us / (complete / connections))`, which, for every response
/// that took at least twice that per-connection interval, adds the requests the connection would
/// have sent meanwhile at a steady pace, with latencies falling by one interval each. Those added
/// samples set wrk's upper percentiles whenever anything stalls (the server, or wrk itself), so
/// comparing `swerve load`'s measured percentiles with wrk's compares two different statistics.
/// This reproduces wrk's arithmetic exactly, so the two tools can be compared like with like;
/// the measured histogram stays the primary result (see docs/load.md, "Latency and wrk").
enum CoordinatedOmission {
    /// wrk's expected interval in microseconds: the run time divided by the requests per
    /// connection, both integer divisions as in wrk; nil when no connection finished a request.
    static func wrkExpectedInterval(elapsedMicroseconds: UInt64, requests: Int, connections: Int) -> UInt64? {
        guard connections > 0, requests / connections > 0 else { return nil }
        return elapsedMicroseconds / UInt64(requests / connections)
    }

    /// A copy of `histogram` (microseconds) with wrk's synthetic samples added: for each recorded
    /// value `n >= 2 * expected`, its count again at `n - expected`, `n - 2 * expected`, ... while
    /// the value stays above `expected`.
    static func wrkCorrected(_ histogram: Histogram<UInt64>, expectedInterval expected: UInt64) -> Histogram<UInt64> {
        var corrected = histogram
        guard expected > 0 else { return corrected }
        for bucket in histogram.recordedValues() where bucket.count > 0 {
            // The bucket's highest equivalent value: exact below 2,048 µs, within 0.1 % above.
            let value = bucket.value
            guard value >= 2 * expected else { continue }
            var missing = value - expected
            while missing > expected {
                _ = corrected.record(missing, count: bucket.count)
                missing -= expected
            }
        }
        return corrected
    }
}
