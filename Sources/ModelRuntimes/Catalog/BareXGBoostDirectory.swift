/// A model directory without a manifest, as SageMaker's XGBoost container accepts: a single
/// XGBoost JSON model file (`Booster.save_model("model.json")`), served by the `xgboost` handler.
enum BareXGBoostDirectory {
    /// The manifest such a directory implies: handler `xgboost`, the model file, the file's stem
    /// as the name. Refuses a directory with no XGBoost JSON model, or with several.
    static func manifest(for directory: ModelDirectory) throws -> ModelManifest {
        let names = try directory.fileNames()
        var models: [ArtifactObject] = []
        var modelNames: [String] = []
        for name in names where name.lowercased().hasSuffix(".json") {
            let document = try ArtifactObject.read(name, in: directory)
            if document.contains("learner") {
                models.append(document)
                modelNames.append(name)
            }
        }
        guard models.count == 1, let name = modelNames.first else {
            let problem: String
            if names.isEmpty {
                problem = "the directory is empty: expected \(ModelManifest.fileName) or an XGBoost JSON model"
            } else if models.isEmpty {
                problem =
                    "no \(ModelManifest.fileName) and no XGBoost JSON model (a .json file saved by Booster.save_model) here (found: \(names.joined(separator: ", ")))"
            } else {
                problem =
                    "no \(ModelManifest.fileName), and \(models.count) XGBoost JSON models (\(modelNames.joined(separator: ", "))): add a manifest naming one"
            }
            throw ModelLoadError(file: directory.path, problem: problem)
        }
        var settings = JSONObject()
        settings.set("model", .string(name))
        return ModelManifest(
            name: String(name.dropLast(".json".count)), handler: "xgboost",
            settings: ArtifactObject(settings, file: directory.url(ModelManifest.fileName)))
    }
}
