import Histogram
import Testing

@testable import LoadTesting

@Suite("wrk's coordinated-omission correction")
struct CoordinatedOmissionTests {
    /// wrk 4's `stats_correct`, transcribed over a plain array of counts indexed by microseconds:
    /// the reference the histogram version must agree with.
    static func wrkStatsCorrect(_ counts: inout [UInt64], expected: Int) {
        guard expected > 0, counts.count > 2 * expected else { return }
        for n in (2 * expected)..<counts.count {
            let count = counts[n]
            var m = n - expected
            while count > 0 && m > expected {
                counts[m] += count
                m -= expected
            }
        }
    }

    /// wrk's `stats_percentile` over the same array.
    static func wrkPercentile(_ counts: [UInt64], _ p: Double) -> Int {
        let total = counts.reduce(0, +)
        let rank = UInt64((p / 100 * Double(total) + 0.5).rounded())
        var seen: UInt64 = 0
        for (value, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return value }
        }
        return 0
    }

    static func histogram(_ values: [UInt64]) -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        for value in values { _ = histogram.record(value) }
        return histogram
    }

    @Test("a stall adds the requests the connection would have sent, one interval apart")
    func stallAddsSamples() {
        // Ten fast responses and one of 450 µs with a 100 µs interval: wrk adds 350, 250 and 150.
        let corrected = CoordinatedOmission.wrkCorrected(Self.histogram(Array(repeating: 50, count: 10) + [450]), expectedInterval: 100)
        #expect(corrected.totalCount == 14)
        let added = corrected.recordedValues().filter { $0.value > 50 }.map { ($0.value, $0.count) }
        #expect(added.map(\.0) == [150, 250, 350, 450])
        #expect(added.allSatisfy { $0.1 == 1 })
    }

    @Test("responses under twice the interval are left alone")
    func shortResponsesUnchanged() {
        let values: [UInt64] = [50, 120, 199, 150]
        let corrected = CoordinatedOmission.wrkCorrected(Self.histogram(values), expectedInterval: 100)
        #expect(corrected.totalCount == 4)
        #expect(corrected.valueAtPercentile(100) == 199)
    }

    @Test("percentiles agree with wrk's own arithmetic on random closed-loop latencies")
    func agreesWithWrk() {
        var generator = SplitMix64(seed: 42)
        for expected in [37, 100, 160] {
            // Mostly fast responses with occasional stalls, all below 2,048 µs so the histogram's
            // buckets are exact and the two computations must match value for value.
            let values: [UInt64] = (0..<5_000).map { _ in
                let roll = generator.next() % 100
                return roll < 95 ? 20 + generator.next() % 150 : 200 + generator.next() % 1_800
            }
            var counts = [UInt64](repeating: 0, count: 2_048)
            for value in values { counts[Int(value)] += 1 }
            Self.wrkStatsCorrect(&counts, expected: expected)
            let corrected = CoordinatedOmission.wrkCorrected(Self.histogram(values), expectedInterval: UInt64(expected))
            #expect(corrected.totalCount == counts.reduce(0, +))
            for p in [50.0, 75, 90, 95, 99, 99.9] {
                #expect(Int(corrected.valueAtPercentile(p)) == Self.wrkPercentile(counts, p), "p\(p) at interval \(expected)")
            }
        }
    }

    @Test("the expected interval is run time over requests per connection, in integers like wrk")
    func expectedInterval() {
        #expect(CoordinatedOmission.wrkExpectedInterval(elapsedMicroseconds: 1_000_000, requests: 10_000, connections: 16) == 1_600)
        #expect(CoordinatedOmission.wrkExpectedInterval(elapsedMicroseconds: 3_010_000, requests: 33_811, connections: 1) == 89)
        #expect(CoordinatedOmission.wrkExpectedInterval(elapsedMicroseconds: 1_000_000, requests: 15, connections: 16) == nil)
        #expect(CoordinatedOmission.wrkExpectedInterval(elapsedMicroseconds: 1_000_000, requests: 15, connections: 0) == nil)
    }
}

/// A small seeded generator, so the random check is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
