/// The small self-description at the top of a model directory (`manifest.json`).
///
/// It names the handler and the files, so one image serves either shipped model, or a user's own
/// directory, unchanged:
///
/// ```json
/// {"format": "swerve-model/v1", "name": "real-estate", "handler": "linear-regression", "model": "model.json"}
/// ```
///
/// It is read once, by the registry, and handed to the handler's `load` inside `ModelArtifacts`;
/// handler-specific settings (`output_decimals`, `csv_output`, ...) are read from `settings`.
public struct ModelManifest: Sendable {
    /// The file name looked for in a model directory.
    public static let fileName = "manifest.json"

    /// The model's name, used in metrics labels and logs.
    public var name: String
    /// The registered handler that loads the model.
    public var handler: String
    /// The whole document, for handler-specific settings; errors from it name the manifest file.
    public var settings: ArtifactObject
    /// The optional `sample`: a request the model must answer with 200, for health checks
    /// (`{"content_type": "text/csv", "body": "150"}`).
    public var sample: SampleRequest?

    /// Full path of the manifest, for messages.
    public var path: String { settings.file }

    public init(name: String, handler: String, settings: ArtifactObject, sample: SampleRequest? = nil) {
        self.name = name
        self.handler = handler
        self.settings = settings
        self.sample = sample
    }

    /// Reads and checks `manifest.json` in `directory`.
    public static func read(from directory: ModelDirectory) throws -> ModelManifest {
        let document = try ArtifactObject.read(fileName, in: directory)
        let format = try document.string("format")
        guard format == "swerve-model/v1" else {
            throw document.error("format", "unsupported \"\(format)\" (expected \"swerve-model/v1\")")
        }
        var sample: SampleRequest? = nil
        if document.contains("sample") {
            let object = try document.object("sample")
            sample = SampleRequest(contentType: try object.string("content_type"), body: Array(try object.string("body").utf8))
        }
        return ModelManifest(name: try document.string("name"), handler: try document.string("handler"), settings: document, sample: sample)
    }
}
