@testable import ModelRuntimes
import Testing

/// Regression tests for what the fuzzers found (`scripts/fuzz.sh`, RELIABILITY.md): each test
/// fails on the code before its fix.
@Suite("Fuzz findings")
struct FuzzFindingTests {
    /// Finding 1 (csv): the CSV decoder reserved one row per line end before reading a field, so
    /// a 6 MB body of short lines made churn reserve 19 numbers per line (456 MB for `1\n` x 3M,
    /// before the first row failed). PredictCommandTests checks the process's peak memory.
    @Test("CSV reserves rows by what a body's size can hold, not by its line count")
    func csvReservesRowsByBodySize() {
        let body = Array(String(repeating: "1\n", count: 3_000_000).utf8)
        let capacity = body.withUnsafeBufferPointer { CSVChunkDecoder.rowCapacity($0, columnCount: 20) }
        #expect(capacity == 300_001)
        let oneColumn = body.withUnsafeBufferPointer { CSVChunkDecoder.rowCapacity($0, columnCount: 1) }
        #expect(oneColumn == 3_000_001)
    }

    @Test("the tightest rows a body can hold still decode, with and without a final line end")
    func csvTightestRowsDecode() throws {
        let schema = TabularSchema(columns: (0..<3).map { .init(name: "c\($0)", kind: .number, isRequired: false) })
        for body in [",,\n,,\n,,\n", ",,\n,,\n,,", ",,\n1,,\n,,2", "1,2,3"] {
            let batch = try Array(body.utf8).withUnsafeBytes { try TabularDecoding.decode($0, contentType: .csv, schema: schema) }
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            #expect(batch.rowCount == lines.count)
            for (row, line) in lines.enumerated() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                for column in 0..<3 {
                    let expected = Double(fields[column]) ?? .nan
                    #expect(batch.numbers(column)[row].bitPattern == expected.bitPattern, "\(body.debugDescription) row \(row) column \(column)")
                }
            }
        }
    }
}
