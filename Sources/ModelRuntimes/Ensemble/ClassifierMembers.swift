/// Loads the files a pipeline or ensemble document names, relative to the model directory,
/// and checks that each member reads exactly the transform's features.
enum ClassifierMembers {
    /// The file named by string field `key` of `document`, checked to exist in `directory`.
    static func file(_ key: String, of document: ArtifactObject, in directory: ModelDirectory) throws -> String {
        let name = try document.string(key)
        guard directory.fileExists(name) else { throw document.error(key, "file \"\(name)\" is not in \(directory.path)") }
        return name
    }

    /// A probability model of `format` from file `key` of `document`.
    static func model(
        format: String, fileKey key: String, of document: ArtifactObject, in directory: ModelDirectory,
        transform: FeatureTransform
    ) throws -> any ProbabilityModel {
        let name = try file(key, of: document, in: directory)
        let model: any ProbabilityModel
        switch format {
        case "xgboost-json":
            model = try XGBoostProbabilityModel(try XGBoostModel.load(name, in: directory), file: directory.url(name))
        case "logistic-regression/v1":
            model = try LogisticRegressionModel.load(name, in: directory)
        case "random-forest-classifier/v1":
            model = try RandomForestModel.load(name, in: directory)
        default:
            throw document.error("format", "unknown model format \"\(format)\" (known: xgboost-json, logistic-regression/v1, random-forest-classifier/v1)")
        }
        guard model.reads(transform.featureNames) else {
            throw ModelLoadError(
                file: directory.url(name),
                problem: "its features (\(model.featureNames.count)) are not the transform's \(transform.featureCount) features, in order")
        }
        return model
    }

    /// The stage name of a member: its `name`, or one derived from its format.
    static func stageName(of document: ArtifactObject, format: String) throws -> String {
        if document.contains("name") { return try document.string("name") }
        switch format {
        case "xgboost-json": return "xgboost"
        case "logistic-regression/v1": return "logistic_regression"
        case "random-forest-classifier/v1": return "random_forest"
        default: return "model"
        }
    }
}
