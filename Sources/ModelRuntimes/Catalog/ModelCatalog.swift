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

    private static func loadWithoutManifest(_ directory: ModelDirectory) throws -> (name: String, handler: any ModelHandler) {
        let names = try directory.fileNames()
        throw ModelLoadError(
            file: directory.path,
            problem: names.isEmpty
                ? "the directory is empty: expected \(ModelManifest.fileName) or an XGBoost JSON model"
                : "no \(ModelManifest.fileName) here (found: \(names.joined(separator: ", ")))")
    }
}
