/// Durations as people type them on a command line: `200ms`, `1s`, `1.5s`, `2m`, `1h`, `0`.
///
/// Exists because every time-valued flag (`--duration`, `--pacing`, `--timeout`, `--p90`) should
/// accept the same spellings and reject the same mistakes with the same message.
public enum DurationText {
    /// Parses a non-negative duration; a bare number means seconds.
    public static func parse(_ text: String, option: String) throws(LoadTestError) -> Duration {
        let trimmed = text.trimmingSpaces()
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var number = Substring(trimmed)
        var scale = 1e9
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            // Two-letter suffixes are listed before "s" and "m", so the first match is the right one.
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.nanoseconds
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw LoadTestError(option: option, "expected a duration like 200ms, 1s, 1.5s or 2m, got '\(text)'")
        }
        let nanoseconds = value * scale
        guard nanoseconds < 1e18 else { throw LoadTestError(option: option, "duration too large: '\(text)'") }
        return .nanoseconds(Int64(nanoseconds.rounded()))
    }

    /// Formats a configured duration the way it was probably typed (`10s`, `200ms`, `1.5s`).
    public static func format(_ duration: Duration) -> String {
        let nanoseconds = duration.nanoseconds
        if nanoseconds == 0 { return "0" }
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 && nanoseconds < 1_000_000_000 { return "\(nanoseconds / 1_000_000)ms" }
        return formatMilliseconds(Double(nanoseconds) / 1e6)
    }

    /// Formats a latency given in milliseconds with three significant figures.
    public static func formatMilliseconds(_ ms: Double) -> String {
        if ms < 1 { return "\(Int((ms * 1000).rounded()))µs" }
        if ms < 10 { return fixed(ms, 2) + "ms" }
        if ms < 1000 { return fixed(ms, 1) + "ms" }
        return fixed(ms / 1000, 2) + "s"
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating far beyond any load test's length).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The duration in seconds as a floating-point number.
    var seconds: Double { Double(self.nanoseconds) / 1e9 }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first?.isWhitespace == true { view = view.dropFirst() }
        while view.last?.isWhitespace == true { view = view.dropLast() }
        return String(view)
    }
}

/// `value` with exactly `digits` digits after the point, without Foundation's formatter.
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard digits > 0 else { return "\(sign)\(whole)" }
    var fractionText = String(fraction)
    while fractionText.count < digits { fractionText = "0" + fractionText }
    return "\(sign)\(whole).\(fractionText)"
}
