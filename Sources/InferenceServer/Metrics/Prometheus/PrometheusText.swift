/// Writes Prometheus's text exposition format (version 0.0.4): `# HELP`, `# TYPE`, samples with
/// escaped label values, and histograms as cumulative `_bucket` series with `_sum` and `_count`.
struct PrometheusText {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(16 * 1024) }

    mutating func familyHeader(_ name: String, help: String, type: String) {
        if !help.isEmpty { line("# HELP \(name) \(Self.escapeHelp(help))") }
        line("# TYPE \(name) \(type)")
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        line("\(name)\(Self.labelSet(labels)) \(Self.number(value))")
    }

    mutating func histogram(_ name: String, _ labels: [(String, String)], _ histogram: ShardedHistogram) {
        let snapshot = histogram.snapshot
        for (bound, count) in zip(histogram.bounds, snapshot.cumulative) {
            line("\(name)_bucket\(Self.labelSet(labels + [("le", Self.number(bound))])) \(count)")
        }
        line("\(name)_bucket\(Self.labelSet(labels + [("le", "+Inf")])) \(snapshot.count)")
        line("\(name)_sum\(Self.labelSet(labels)) \(Self.number(snapshot.sum))")
        line("\(name)_count\(Self.labelSet(labels)) \(snapshot.count)")
    }

    private mutating func line(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\n"))
    }

    static func labelSet(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// A sample value: integers without a fraction, the rest as Swift's shortest round-trip text.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func escapeHelp(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
