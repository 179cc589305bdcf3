/// A classifier deployment made of stages ("containers"), as SageMaker inference pipelines chain
/// them: the feature transform, one or more probability members, then the label.
///
/// Stage `0` is `transform`, stage `1 + i` is member `i` (named by the document: `xgboost`,
/// `logistic_regression`, `random_forest`), and the last stage, `label`, combines the members'
/// probabilities (the weighted mean, summed in member order in float64) and applies the label
/// rule. Each stage runs over the whole batch before the next starts, so each container's
/// latency and CPU time can be reported on its own.
public final class CompositeClassifier: Sendable {
    /// One probability model and its weight in the mean.
    public struct Member: Sendable {
        public let name: String
        public let model: any ProbabilityModel
        public let weight: Double

        public init(name: String, model: any ProbabilityModel, weight: Double) {
            self.name = name
            self.model = model
            self.weight = weight
        }
    }

    /// What the stages produced for a batch.
    public struct Result: Sendable {
        /// The combined probability of the positive class, per row.
        public var pTrue: [Double]
        /// Each member's probability, per row, in member order.
        public var memberProbabilities: [[Double]]
        /// 1 for the positive class, 0 for the negative one, per row.
        public var classIndex: [Int]
    }

    public let transform: FeatureTransform
    public let members: [Member]
    public let label: LabelRule

    public init(transform: FeatureTransform, members: [Member], label: LabelRule) {
        precondition(!members.isEmpty, "at least one member")
        self.transform = transform
        self.members = members
        self.label = label
    }

    /// `transform`, the members' names, `label`.
    public var stageNames: [String] { ["transform"] + members.map(\.name) + ["label"] }

    /// Runs every stage over `batch` (decoded with `transform.inputSchema`).
    public func classify(_ batch: TabularBatch, context: InvocationContext) throws -> Result {
        let features = try transformStage(batch, context: context)
        var probabilities: [[Double]] = []
        for (index, member) in members.enumerated() {
            probabilities.append(try memberStage(index + 1, member.model, features, context: context))
        }
        features.recycle()
        return context.measure(stage: members.count + 1) { labelStage(probabilities) }
    }

    private func transformStage(_ batch: TabularBatch, context: InvocationContext) throws -> FeatureMatrix {
        // The transform writes every value of every row, so the storage need not be zeroed.
        var features = FeatureMatrix(uninitializedRows: batch.rowCount, columnCount: transform.featureCount)
        guard batch.rowCount > 0 else { return features }
        let transform = self.transform
        let width = transform.featureCount
        try features.values.withUnsafeMutableBufferPointer { values in
            let output = SharedBuffer(base: values.baseAddress!)
            try StageExecution.run(stage: 0, rowCount: batch.rowCount, context: context) { rows in
                try transform.apply(batch, rows: rows, into: output.base + rows.lowerBound * width)
            }
        }
        return features
    }

    private func memberStage(
        _ stage: Int, _ model: any ProbabilityModel, _ features: FeatureMatrix, context: InvocationContext
    ) throws -> [Double] {
        var probabilities = [Double](repeating: 0, count: features.rowCount)
        guard features.rowCount > 0 else { return probabilities }
        try probabilities.withUnsafeMutableBufferPointer { values in
            let output = SharedBuffer(base: values.baseAddress!)
            try StageExecution.run(stage: stage, rowCount: features.rowCount, context: context) { rows in
                model.probabilities(features, rows: rows, into: output.base + rows.lowerBound)
            }
        }
        return probabilities
    }

    /// The weighted mean in member order, in float64, then the label rule.
    private func labelStage(_ probabilities: [[Double]]) -> Result {
        let rowCount = probabilities[0].count
        var pTrue = probabilities[0]
        if members.count > 1 {
            let weights = members.map(\.weight)
            let totalWeight = weights.reduce(0, +)
            // Member by member over all rows: each row's sum still starts at 0 and adds the
            // members in order, then is divided, so the values are the row-by-row loop's.
            pTrue = [Double](unsafeUninitializedCapacity: rowCount) { sums, initialized in
                sums.initialize(repeating: 0)
                for (member, weight) in weights.enumerated() {
                    probabilities[member].withUnsafeBufferPointer { values in
                        for row in 0..<rowCount { sums[row] += weight * values[row] }
                    }
                }
                for row in 0..<rowCount { sums[row] /= totalWeight }
                initialized = rowCount
            }
        }
        let threshold = label.threshold
        return Result(pTrue: pTrue, memberProbabilities: probabilities, classIndex: pTrue.map { $0 > threshold ? 1 : 0 })
    }
}
