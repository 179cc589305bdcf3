/// Samples read from Prometheus text exposition format, for tests: `name{labels} value` lines.
public struct PrometheusText: Sendable {
    public struct Sample: Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public private(set) var samples: [Sample] = []

    /// Parses the text; throws on a line that is neither a comment nor a sample.
    public init(_ text: String) throws {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw ParseError(line: String(line))
            }
            let series = line[..<space]
            var labels: [String: String] = [:]
            let name: Substring
            if let brace = series.firstIndex(of: "{") {
                name = series[..<brace]
                let inner = series[series.index(after: brace)..<series.index(before: series.endIndex)]
                for pair in inner.split(separator: ",") {
                    guard let equals = pair.firstIndex(of: "=") else { throw ParseError(line: String(line)) }
                    labels[String(pair[..<equals])] = String(pair[pair.index(equals, offsetBy: 2)..<pair.index(before: pair.endIndex)])
                }
            } else {
                name = series
            }
            samples.append(Sample(name: String(name), labels: labels, value: value))
        }
    }

    /// The value of the one sample with `name` and at least these labels; 0 when absent.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.first { Self.matches($0, name, labels) }?.value ?? 0
    }

    /// The sum over all samples with `name` and at least these labels.
    public func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { Self.matches($0, name, labels) }.map(\.value).reduce(0, +)
    }

    private static func matches(_ sample: Sample, _ name: String, _ labels: [String: String]) -> Bool {
        sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
    }

    public struct ParseError: Error { public var line: String }
}
