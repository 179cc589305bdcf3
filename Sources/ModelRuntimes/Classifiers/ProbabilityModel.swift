/// A binary classifier over transformed feature vectors: one member of an ensemble or the
/// model stage of a pipeline.
///
/// Members are loaded and checked up front, so scoring cannot fail; each writes the
/// probability of the positive class for a range of rows, which lets a large batch be split
/// into chunks scored on several threads.
public protocol ProbabilityModel: Sendable {
    /// Names of the features the model reads, in order; must equal the transform's.
    var featureNames: [String] { get }

    /// True when the model can read vectors with these features, in this order.
    func reads(_ features: [String]) -> Bool

    /// Writes p(positive) of rows `rows` of `features` to `output[0 ..< rows.count]`.
    func probabilities(_ features: FeatureMatrix, rows: Range<Int>, into output: UnsafeMutablePointer<Double>)
}

extension ProbabilityModel {
    public func reads(_ features: [String]) -> Bool { featureNames == features }
}

/// An XGBoost model serving as a probability member: `binary:logistic` or `reg:logistic`, whose
/// float32 output is widened exactly to float64.
public struct XGBoostProbabilityModel: ProbabilityModel {
    public let model: XGBoostModel

    public init(_ model: XGBoostModel, file: String) throws {
        guard model.objective == .binaryLogistic || model.objective == .regLogistic else {
            throw ModelLoadError(
                file: file,
                problem:
                    "field \"learner.objective.name\": \(model.objective.rawValue) does not give a probability (binary:logistic or reg:logistic is needed)"
            )
        }
        self.model = model
    }

    public var featureNames: [String] { model.featureNames }

    /// A model saved without feature names reads any vectors of the right length.
    public func reads(_ features: [String]) -> Bool {
        model.hasFeatureNames ? model.featureNames == features : model.featureCount == features.count
    }

    public func probabilities(_ features: FeatureMatrix, rows: Range<Int>, into output: UnsafeMutablePointer<Double>) {
        guard !rows.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows.count) { scratch in
            model.predict(features, rows: rows, margins: nil, outputs: scratch.baseAddress!)
            for index in 0..<rows.count { output[index] = Double(scratch[index]) }
        }
    }
}
