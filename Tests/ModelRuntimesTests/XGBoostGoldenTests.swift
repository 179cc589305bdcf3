import ModelRuntimes
import Testing

/// The churn booster against xgboost 3.2.0's own float32 outputs on every golden row.
@Suite struct XGBoostGoldenTests {
    @Test func churnMarginsAndProbabilitiesAreBitIdenticalToXGBoost() throws {
        let model = try XGBoostModel.load("churn-xgb.json", in: Fixtures.modelDirectory("churn"))
        let features = try Fixtures.churnFeatures()
        #expect(model.featureCount == features.columns)
        let matrix = FeatureMatrix(values: features.values, columnCount: features.columns)
        let (margins, outputs) = model.predict(matrix, rowCount: features.rows)
        let (header, expected) = try Fixtures.csvRows("golden/churn-expected.csv")
        let marginBits = header.firstIndex(of: "xgb_margin_f32_bits")!
        let probabilityBits = header.firstIndex(of: "xgb_p_true_f32_bits")!
        #expect(expected.count == features.rows)
        for (row, line) in expected.enumerated() {
            #expect(margins[row].bitPattern == Fixtures.bits(line[marginBits]), "margin of row \(row)")
            #expect(outputs[row].bitPattern == Fixtures.bits(line[probabilityBits]), "probability of row \(row)")
        }
    }
}
