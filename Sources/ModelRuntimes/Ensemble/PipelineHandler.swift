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

    public static func load(from artifacts: ModelArtifacts) throws -> PipelineHandler {
        let classifier = try read(try artifacts.object("model"), artifacts: artifacts)
        return PipelineHandler(classifier: classifier, csvOutput: try ClassifierCSVOutput(settings: artifacts.settings))
    }

    /// Reads a `pipeline/v1` document: exactly a `transform`, a `model` and a `label` stage, in order.
    public static func read(_ document: ArtifactObject, artifacts: ModelArtifacts) throws -> CompositeClassifier {
        let format = try document.string("format")
        guard format == "pipeline/v1" else { throw document.error("format", "expected \"pipeline/v1\", found \"\(format)\"") }
        let stages = try document.objects("stages")
        let types = try stages.map { try $0.string("type") }
        guard types == ["transform", "model", "label"] else {
            throw document.error("stages", "expected the stage types transform, model, label; found \(types.joined(separator: ", "))")
        }
        let transform = try FeatureTransform(document: try artifacts.object("file", of: stages[0]))
        let member = try ClassifierMembers.member(stages[1], artifacts: artifacts, transform: transform, weight: 1)
        return CompositeClassifier(transform: transform, members: [member], label: try LabelRule(document: stages[2]))
    }
}
