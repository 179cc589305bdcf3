import Foundation
import ModelRuntimes
import Testing

/// Every churn stage against the golden vectors written by the Python libraries.
@Suite struct ChurnGoldenTests {
    let directory = Fixtures.modelDirectory("churn")

    /// The golden requests decoded by the CSV codec with the transform's schema.
    func goldenBatch(_ transform: FeatureTransform) throws -> TabularBatch {
        let body = Array(try Fixtures.churnRequestBody().utf8)
        return try body.withUnsafeBytes { try TabularDecoding.decode($0, contentType: .csv, schema: transform.inputSchema) }
    }

    @Test func transformOfGoldenRequestsEqualsGoldenFeatures() throws {
        let transform = try FeatureTransform.load("churn-transform.json", in: directory)
        let features = try transform.apply(try goldenBatch(transform))
        let expected = try Fixtures.churnFeatures()
        #expect(features.columnCount == expected.columns)
        #expect(features.rowCount == expected.rows)
        for (index, (actual, wanted)) in zip(features.values, expected.values).enumerated() {
            let same = actual.bitPattern == wanted.bitPattern || (actual.isNaN && wanted.isNaN)
            #expect(same, "row \(index / expected.columns), feature \(transform.featureNames[index % expected.columns]): \(actual) vs \(wanted)")
        }
    }

    /// Large batches reuse one feature buffer (`ScratchStorage`) without zeroing it: a batch scored
    /// after another must not see any of the earlier batch's features.
    @Test func aBatchScoredInReusedStorageMatchesTheGoldenRows() throws {
        let classifier = try EnsembleHandler.load(from: directory).classifier
        let body = try Fixtures.churnRequestBody()
        let lines = body.split(separator: "\n")
        let decode = { (text: String) in
            try Array(text.utf8).withUnsafeBytes { try TabularDecoding.decode($0, contentType: .csv, schema: classifier.transform.inputSchema) }
        }
        let other = String(repeating: "\(lines[7])\n", count: 1500)  // 1,500 rows of one row: 852 KB of features
        _ = try classifier.classify(try decode(other), context: InvocationContext())
        let golden = try classifier.classify(
            try decode(String(repeating: body.hasSuffix("\n") ? body : body + "\n", count: 3)), context: InvocationContext())
        let expected = try Fixtures.churnExpected()
        for copy in 0..<3 {
            for (row, record) in expected.enumerated() {
                let index = copy * expected.count + row
                #expect(abs(golden.pTrue[index] - record["ensemble"]!["p_true"]!.doubleValue!) <= 1e-12, "copy \(copy), row \(row)")
            }
        }
    }

    @Test func ensembleMembersMatchScikitLearnAndXGBoostOnEveryGoldenRow() throws {
        let classifier = try EnsembleHandler.load(from: directory).classifier
        #expect(classifier.stageNames == ["transform", "xgboost", "logistic_regression", "random_forest", "label"])
        let result = try classifier.classify(try goldenBatch(classifier.transform), context: InvocationContext())
        let expected = try Fixtures.churnExpected()
        #expect(result.pTrue.count == expected.count)
        for (row, record) in expected.enumerated() {
            let xgboost = Float(result.memberProbabilities[0][row])
            #expect(xgboost.bitPattern == Fixtures.bits(record["xgb_p_true_f32_bits"]!.stringValue!), "xgboost row \(row)")
            #expect(abs(result.memberProbabilities[1][row] - record["logreg_p_true"]!.doubleValue!) <= 1e-12, "logreg row \(row)")
            #expect(abs(result.memberProbabilities[2][row] - record["rf_p_true"]!.doubleValue!) <= 1e-12, "rf row \(row)")
            let ensemble = record["ensemble"]!
            #expect(abs(result.pTrue[row] - ensemble["p_true"]!.doubleValue!) <= 1e-12, "ensemble row \(row)")
            #expect(classifier.label.classes[result.classIndex[row]] == ensemble["predicted_label"]!.stringValue!, "label row \(row)")
        }
    }

    @Test func pipelineProbabilityIsTheXGBoostFloatWidenedExactly() throws {
        let classifier = try PipelineHandler.read(
            try ArtifactObject.read("churn-pipeline.json", in: directory), artifacts: try TestSupport.artifacts(directory))
        #expect(classifier.stageNames == ["transform", "xgboost", "label"])
        let result = try classifier.classify(try goldenBatch(classifier.transform), context: InvocationContext())
        for (row, record) in try Fixtures.churnExpected().enumerated() {
            let pipeline = record["pipeline"]!
            #expect(result.pTrue[row] == pipeline["p_true"]!.doubleValue!, "row \(row)")
            #expect(classifier.label.classes[result.classIndex[row]] == pipeline["predicted_label"]!.stringValue!, "row \(row)")
        }
    }
}
