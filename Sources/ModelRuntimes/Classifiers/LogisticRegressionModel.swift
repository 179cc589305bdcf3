#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `logistic-regression/v1` classifier: scikit-learn's SimpleImputer(mean) → StandardScaler →
/// LogisticRegression, in float64.
///
/// `v = x, or impute[j] if x is NaN; z = (v - center[j]) / scale[j];
/// p = 1 / (1 + exp(-(intercept + Σ coefficients[j] * z)))`.
public final class LogisticRegressionModel: ProbabilityModel {
    public let featureNames: [String]
    public let impute: [Double]
    public let center: [Double]
    public let scale: [Double]
    public let coefficients: [Double]
    public let intercept: Double

    public init(document: ArtifactObject) throws {
        let format = try document.string("format")
        guard format == "logistic-regression/v1" else {
            throw document.error("format", "expected \"logistic-regression/v1\", found \"\(format)\"")
        }
        featureNames = try document.strings("features")
        let count = featureNames.count
        impute = try document.doubles("impute", count: count)
        center = try document.doubles("center", count: count)
        scale = try document.doubles("scale", count: count)
        if let zero = scale.firstIndex(of: 0) { throw document.error("scale[\(zero)]", "is zero") }
        coefficients = try document.doubles("coefficients", count: count)
        intercept = try document.double("intercept")
    }

    public static func load(_ name: String, in directory: ModelDirectory) throws -> LogisticRegressionModel {
        try LogisticRegressionModel(document: try ArtifactObject.read(name, in: directory))
    }

    public func probabilities(_ features: FeatureMatrix, rows: Range<Int>, into output: UnsafeMutablePointer<Double>) {
        let width = features.columnCount
        precondition(width == coefficients.count, "feature count mismatch")
        features.values.withUnsafeBufferPointer { values in
            impute.withUnsafeBufferPointer { impute in
                center.withUnsafeBufferPointer { center in
                    scale.withUnsafeBufferPointer { scale in
                        coefficients.withUnsafeBufferPointer { coefficients in
                            for row in rows {
                                let x = values.baseAddress! + row * width
                                var sum = 0.0
                                for j in 0..<width {
                                    let v = x[j].isNaN ? impute[j] : x[j]
                                    sum += coefficients[j] * ((v - center[j]) / scale[j])
                                }
                                output[row - rows.lowerBound] = 1 / (1 + exp(-(intercept + sum)))
                            }
                        }
                    }
                }
            }
        }
    }
}
