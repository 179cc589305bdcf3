import CForestWalk
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
    /// Each feature's standardized value for 0 and for 1, worked out once: one-hot features are
    /// nothing else, and the division they then skip bounds a batch's time here.
    private let standardizedZero: [Double]
    private let standardizedOne: [Double]

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
        standardizedZero = zip(center, scale).map { center, scale in (0.0 - center) / scale }
        standardizedOne = zip(center, scale).map { center, scale in (1.0 - center) / scale }
    }

    public static func load(_ name: String, in directory: ModelDirectory) throws -> LogisticRegressionModel {
        try LogisticRegressionModel(document: try ArtifactObject.read(name, in: directory))
    }

    public func probabilities(_ features: FeatureMatrix, rows: Range<Int>, into output: UnsafeMutablePointer<Double>) {
        let width = features.columnCount
        precondition(width == coefficients.count, "feature count mismatch")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= features.rowCount, "rows beyond the matrix")
        guard !rows.isEmpty else { return }
        // The dot products first (in C, eight rows at a time where the CPU can), written where
        // the probabilities then go. The model's arrays are passed as pointers for the call.
        features.values.withUnsafeBufferPointer { values in
            swerve_linear_sums(
                values.baseAddress! + rows.lowerBound * width, width, rows.count, impute, center, scale, standardizedZero, standardizedOne,
                coefficients, output)
        }
        for index in 0..<rows.count { output[index] = 1 / (1 + exp(-(intercept + output[index]))) }
    }
}
