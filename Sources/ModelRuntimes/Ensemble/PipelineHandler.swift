/// Serves a `pipeline/v1` document (`churn-pipeline.json`): SageMaker's three-container
/// deployment of transform → model → label, with the model's probability as `p_true`.
///
/// Manifest: `{"handler": "pipeline", "model": "churn-pipeline.json"}`.
public struct PipelineHandler: ClassifierHandler {
    public let classifier: CompositeClassifier
    public let csvOutput: ClassifierCSVOutput

    public init(classifier: CompositeClassifier, csvOutput: ClassifierCSVOutput) {
        self.classifier = classifier
        self.csvOutput = csvOutput
    }

    public static func load(from directory: ModelDirectory) throws -> PipelineHandler {
        let manifest = try ModelManifest.read(from: directory)
        let name = try manifest.file("model", in: directory)
        let classifier = try read(try ArtifactObject.read(name, in: directory), in: directory)
        return PipelineHandler(classifier: classifier, csvOutput: try ClassifierManifest.csvOutput(manifest))
    }

    /// Reads a `pipeline/v1` document: exactly a `transform`, a `model` and a `label` stage, in order.
    public static func read(_ document: ArtifactObject, in directory: ModelDirectory) throws -> CompositeClassifier {
        let format = try document.string("format")
        guard format == "pipeline/v1" else { throw document.error("format", "expected \"pipeline/v1\", found \"\(format)\"") }
        let stages = try document.objects("stages")
        let types = try stages.map { try $0.string("type") }
        guard types == ["transform", "model", "label"] else {
            throw document.error("stages", "expected the stage types transform, model, label; found \(types.joined(separator: ", "))")
        }
        let transform = try FeatureTransform.load(try ClassifierMembers.file("file", of: stages[0], in: directory), in: directory)
        let modelFormat = try stages[1].string("format")
        let model = try ClassifierMembers.model(format: modelFormat, fileKey: "file", of: stages[1], in: directory, transform: transform)
        let member = CompositeClassifier.Member(
            name: try ClassifierMembers.stageName(of: stages[1], format: modelFormat), model: model, weight: 1)
        return CompositeClassifier(transform: transform, members: [member], label: try LabelRule(document: stages[2]))
    }
}
