import Testing

@testable import ModelRuntimes

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
        // One column: the line count bounds it, exactly (the body ends with a line end).
        let oneColumn = body.withUnsafeBufferPointer { CSVChunkDecoder.rowCapacity($0, columnCount: 1) }
        #expect(oneColumn == 3_000_000)
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

    /// Finding 4 (xgboost_model): `num_feature` was accepted up to 134,217,727, and the loader
    /// makes a name and a schema column per feature, so an 8 KB model file declaring 100,000,000
    /// features made it allocate 1.6 GB for the names alone (the target's malloc limit stops it).
    @Test("an XGBoost model declaring more than 2^20 features is refused, naming the field")
    func xgboostFeatureCountIsBounded() throws {
        let document = ArtifactErrorTests.setting("learner.learner_model_param.num_feature", to: "2000000", in: ArtifactErrorTests.model())
        do {
            let model = try ArtifactErrorTests.load(document)
            Issue.record("loaded a model of \(model.featureCount) features")
        } catch let error as ModelLoadError {
            #expect(error.problem == #"field "learner.learner_model_param.num_feature": 2000000 is outside 1...1048576"#)
        }
    }
}
