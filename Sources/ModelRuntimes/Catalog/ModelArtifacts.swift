/// Everything a handler's `load` (SageMaker's `model_fn`) reads: the model directory, its
/// manifest (already read and checked), and the registry, through which composite models find
/// the loaders of their members.
///
/// Every file is read through here or through `ArtifactObject`, so that a broken artifact is
/// refused with a `ModelLoadError` naming the file and the field.
public struct ModelArtifacts: Sendable {
    public let directory: ModelDirectory
    public let manifest: ModelManifest
    public let registry: HandlerRegistry

    public init(directory: ModelDirectory, manifest: ModelManifest, registry: HandlerRegistry) {
        self.directory = directory
        self.manifest = manifest
        self.registry = registry
    }

    /// The manifest's settings (the whole manifest document).
    public var settings: ArtifactObject { manifest.settings }

    /// The file named by string field `key` of `document` (the manifest by default), checked to
    /// exist in the directory.
    public func file(_ key: String, of document: ArtifactObject? = nil) throws -> String {
        let document = document ?? manifest.settings
        let name = try document.string(key)
        guard directory.fileExists(name) else { throw document.error(key, "file \"\(name)\" is not in \(directory.path)") }
        return name
    }

    /// The JSON object in the file named by field `key` of `document` (the manifest by default).
    public func object(_ key: String, of document: ArtifactObject? = nil) throws -> ArtifactObject {
        try ArtifactObject.read(try file(key, of: document), in: directory)
    }
}
