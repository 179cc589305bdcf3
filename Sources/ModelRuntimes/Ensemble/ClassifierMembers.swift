/// Loads the members an ensemble or pipeline document names, through the registry's member
/// formats (the same registry the manifest's handler comes from), and checks that each reads
/// exactly the transform's features.
enum ClassifierMembers {
    /// The member described by `spec` (`{"format": ..., "file": ..., "name"?: ...}`).
    static func member(
        _ spec: ArtifactObject, artifacts: ModelArtifacts, transform: FeatureTransform, weight: Double
    ) throws -> CompositeClassifier.Member {
        let format = try artifacts.registry.classifierFormat(try spec.string("format"), in: spec)
        let file = try artifacts.file("file", of: spec)
        let model = try format.load(file, artifacts)
        guard model.reads(transform.featureNames) else {
            throw ModelLoadError(
                file: artifacts.directory.url(file),
                problem: "its features (\(model.featureNames.count)) are not the transform's \(transform.featureCount) features, in order")
        }
        let name = spec.contains("name") ? try spec.string("name") : format.defaultStageName
        return CompositeClassifier.Member(name: name, model: model, weight: weight)
    }
}
