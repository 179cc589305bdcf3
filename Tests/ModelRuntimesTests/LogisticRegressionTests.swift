import Foundation
import Testing

@testable import ModelRuntimes

/// The logistic regression's dot products run in C, eight rows at a time where the CPU has
/// AVX-512 (`swerve_linear_sums`). Each row must get the probability of the plain Swift formula
/// bit for bit: imputed, centred, scaled, weighted and summed in feature order, whatever the
/// number of rows and wherever a block of rows starts.
@Suite("Logistic regression")
struct LogisticRegressionTests {
    @Test("probabilities match the one-row-at-a-time formula bit for bit", arguments: [1, 7, 8, 9, 64, 203])
    func matchesScalarFormula(rowCount: Int) throws {
        let model = try LogisticRegressionModel.load("churn-logreg.json", in: TestSupport.modelDirectory("churn"))
        let width = model.coefficients.count
        var random = XGBoostMutationTests.SplitMix(state: UInt64(rowCount))
        // Columns of three kinds: one-hot (0, 1 and -0 only, which skip the division), mostly
        // one-hot with now and then another value, and anything (NaN, large, small).
        let values = (0..<(rowCount + 3) * width).map { index -> Double in
            let draw = random.next()
            switch (index % width % 3, draw % 16) {
            case (0, _): return [0.0, 1.0, -0.0, 1.0][Int(draw >> 8 % 4)]
            case (1, 0): return 0.5
            case (1, _): return Double(draw >> 8 % 2)
            case (_, 0), (_, 1): return .nan
            default: return Double(Int64(bitPattern: draw >> 12)) * 0x1p-40
            }
        }
        let matrix = FeatureMatrix(values: values, columnCount: width)
        // Rows from 3 on, so that the first row of the call is not the matrix's.
        let rows = 3..<(rowCount + 3)
        var output = [Double](repeating: -1, count: rowCount)
        output.withUnsafeMutableBufferPointer { model.probabilities(matrix, rows: rows, into: $0.baseAddress!) }
        for (index, row) in rows.enumerated() {
            var sum = 0.0
            for j in 0..<width {
                let x = values[row * width + j]
                let v = x.isNaN ? model.impute[j] : x
                sum += model.coefficients[j] * ((v - model.center[j]) / model.scale[j])
            }
            let expected = 1 / (1 + exp(-(model.intercept + sum)))
            #expect(output[index].bitPattern == expected.bitPattern, "row \(row) of \(rowCount): \(output[index]) against \(expected)")
        }
    }
}
