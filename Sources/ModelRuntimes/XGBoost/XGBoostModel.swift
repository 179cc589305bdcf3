/// A gradient-boosted tree model as `Booster.save_model("x.json")` writes it (xgboost 1.x to
/// 3.2), evaluated in pure Swift bit for bit like xgboost's CPU predictor.
///
/// Loading checks everything the prediction loop relies on (array lengths, child and feature
/// indices, cycles, objective, booster kind), so a malformed file is refused with a
/// `ModelLoadError` naming the field, and prediction itself cannot fail. The model is immutable
/// and shared by all workers.
public final class XGBoostModel: Sendable {
    public let objective: XGBoostObjective
    /// Input columns a row must have (`learner_model_param.num_feature`).
    public let featureCount: Int
    /// Output groups: the number of classes for multi-class objectives, else 1.
    public let groupCount: Int
    /// The starting margin of each group, already passed through the objective's `ProbToMargin`.
    public let baseMargins: [Float]
    /// `learner.feature_names`, or `f0`, `f1`, ... when the file has none.
    public let featureNames: [String]
    /// False when the file named no features (a model trained on a bare matrix).
    public let hasFeatureNames: Bool
    /// `learner.feature_types` (`"c"` marks a categorical feature); empty when the file has none.
    public let featureTypes: [String]
    /// The trees, flattened, in the order they are summed; each knows its output group.
    public let forest: FlatForest

    /// Values per row of `predict`'s `outputs`.
    public var outputsPerRow: Int { objective.outputsPerRow(groups: groupCount) }

    public var treeCount: Int { forest.treeCount }

    /// The most input columns a served model may declare. Each column costs memory at load (its
    /// name, its place in the request schema) whatever the file's size, and a row is sent densely
    /// (a 2^20-column CSV row is at least a megabyte), so a declared count above this is refused
    /// rather than turned into gigabytes by a small file.
    public static let maximumFeatureCount = 1 << 20

    /// Parses and checks a whole model document; `file` is used in messages.
    public init(document root: ArtifactObject) throws {
        try XGBoostModelReader.checkVersion(root)
        let learner = try root.object("learner")
        let parameters = try learner.object("learner_model_param")
        featureCount = try parameters.integerString("num_feature", in: 1...min(Self.maximumFeatureCount, FlatForestBuilder.maximumFeatureCount))
        let (objective, groups) = try XGBoostModelReader.objectiveAndGroups(learner, parameters: parameters)
        self.objective = objective
        groupCount = groups
        let stored = try XGBoostModelReader.baseScore(parameters, groups: groups)
        baseMargins = stored.map { objective.baseMargin(fromStored: $0) }
        featureNames = try XGBoostModelReader.featureNames(learner, count: featureCount)
        hasFeatureNames = !(learner.object["feature_names"]?.arrayValue ?? []).isEmpty
        featureTypes = learner.contains("feature_types") ? try learner.strings("feature_types") : []
        forest = try XGBoostModelReader.forest(learner, featureCount: featureCount, groups: groupCount)
    }

    /// Reads the model file `name` in `directory`.
    public static func load(_ name: String, in directory: ModelDirectory) throws -> XGBoostModel {
        try XGBoostModel(document: try ArtifactObject.read(name, in: directory))
    }
}
