import Histogram

/// The latency figures people read off a load test: min, mean, p50, p90, p99, p99.9 and max, in
/// milliseconds.
///
/// Exists so the text table, the JSON, the HTML report and the capacity finder quote the same
/// numbers, computed once from an HdrHistogram (3 significant digits, so ±0.1 %).
public struct LatencySummary: Sendable, Equatable, Codable {
    /// Responses the figures are computed from.
    public var count: Int
    public var min: Double
    public var mean: Double
    public var p50: Double
    public var p90: Double
    public var p99: Double
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The JSON report's field name.
    public var p99_9: Double
    public var max: Double

    init(microseconds histogram: Histogram<UInt64>) {
        let ms = { (value: UInt64) in Double(value) / 1000 }
        self.count = Int(histogram.totalCount)
        guard histogram.totalCount > 0 else {
            (self.min, self.mean, self.p50, self.p90, self.p99, self.p99_9, self.max) = (0, 0, 0, 0, 0, 0, 0)
            return
        }
        self.min = ms(histogram.min)
        self.mean = histogram.mean / 1000
        self.p50 = ms(histogram.valueAtPercentile(50))
        self.p90 = ms(histogram.valueAtPercentile(90))
        self.p99 = ms(histogram.valueAtPercentile(99))
        self.p99_9 = ms(histogram.valueAtPercentile(99.9))
        self.max = ms(histogram.max)
    }
}
