/// Turns a model directory into a loaded handler: the one place that knows every model kind.
///
/// A directory with `manifest.json` is dispatched on its `handler` field. A directory without
/// one that holds a single XGBoost JSON model is served as that model, as SageMaker's XGBoost
/// container allows.
public enum ModelCatalog {
    /// Loads one handler kind from a directory whose manifest names it.
    public typealias Loader = @Sendable (ModelDirectory) throws -> any ModelHandler

    /// Every handler kind a manifest may name.
    public static let loaders: [String: Loader] = [
        "linear-regression": { try LinearRegressionHandler.load(from: $0) },
        "ensemble": { try EnsembleHandler.load(from: $0) },
        "pipeline": { try PipelineHandler.load(from: $0) },
        "xgboost": { try XGBoostHandler.load(from: $0) },
    ]

    /// Loads the model in `directory`, or throws a `ModelLoadError` naming the file and the problem.
    public static func load(_ directory: ModelDirectory) throws -> (name: String, handler: any ModelHandler) {
        guard directory.fileExists(ModelManifest.fileName) else {
            return try loadWithoutManifest(directory)
        }
        let manifest = try ModelManifest.read(from: directory)
        guard let loader = loaders[manifest.handler] else {
            throw ModelLoadError(
                file: manifest.path,
                problem: "field \"handler\": unknown handler \"\(manifest.handler)\" (known: \(loaders.keys.sorted().joined(separator: ", ")))")
        }
        return (manifest.name, try loader(directory))
    }

    /// A directory without a manifest is served when it holds exactly one XGBoost JSON model
    /// (a `.json` file with a `learner` object); other files beside it are not read.
    private static func loadWithoutManifest(_ directory: ModelDirectory) throws -> (name: String, handler: any ModelHandler) {
        let names = try directory.fileNames()
        let jsonFiles = names.filter { $0.lowercased().hasSuffix(".json") }
        var models: [(name: String, document: JSONObject)] = []
        for name in jsonFiles {
            let document = try ArtifactFile.readObject(name, in: directory)
            if document["learner"] != nil { models.append((name, document)) }
        }
        guard models.count == 1, let only = models.first else {
            let problem: String
            if names.isEmpty {
                problem = "the directory is empty: expected \(ModelManifest.fileName) or an XGBoost JSON model"
            } else if models.isEmpty {
                problem = "no \(ModelManifest.fileName) and no XGBoost JSON model (a .json file saved by Booster.save_model) here (found: \(names.joined(separator: ", ")))"
            } else {
                problem = "no \(ModelManifest.fileName), and \(models.count) XGBoost JSON models (\(models.map(\.name).joined(separator: ", "))): add a manifest naming one"
            }
            throw ModelLoadError(file: directory.path, problem: problem)
        }
        let model = try XGBoostModel(document: only.document, file: directory.url(only.name))
        let stem = only.name.dropLast(".json".count)
        return (String(stem), XGBoostHandler(model: model))
    }
}
