/// Serves an `ensemble/v1` document (`churn-ensemble.json`): the transform, then the weighted
/// mean of the members' probabilities, then the label.
///
/// Manifest: `{"handler": "ensemble", "model": "churn-ensemble.json", "csv_output": "label01"}`.
public struct EnsembleHandler: ClassifierHandler {
    public let classifier: CompositeClassifier
    public let csvOutput: ClassifierCSVOutput

    public init(classifier: CompositeClassifier, csvOutput: ClassifierCSVOutput) {
        self.classifier = classifier
        self.csvOutput = csvOutput
    }

    public static func load(from artifacts: ModelArtifacts) throws -> EnsembleHandler {
        let classifier = try read(try artifacts.object("model"), artifacts: artifacts)
        return EnsembleHandler(classifier: classifier, csvOutput: try ClassifierCSVOutput(settings: artifacts.settings))
    }

    /// Reads an `ensemble/v1` document and every file it names.
    public static func read(_ document: ArtifactObject, artifacts: ModelArtifacts) throws -> CompositeClassifier {
        let format = try document.string("format")
        guard format == "ensemble/v1" else { throw document.error("format", "expected \"ensemble/v1\", found \"\(format)\"") }
        let transform = try FeatureTransform(document: try artifacts.object("transform", of: document))
        let specs = try document.objects("members")
        guard !specs.isEmpty else { throw document.error("members", "the ensemble has no members") }
        let combine = try document.object("combine")
        let method = try combine.string("method")
        guard method == "mean" else { throw combine.error("method", "unknown \"\(method)\" (known: mean)") }
        let weights =
            combine.contains("weights")
            ? try combine.doubles("weights", count: specs.count) : Array(repeating: 1, count: specs.count)
        if let bad = weights.firstIndex(where: { $0 < 0 }) { throw combine.error("weights[\(bad)]", "is negative") }
        guard weights.reduce(0, +) > 0 else { throw combine.error("weights", "sum to zero") }
        var members: [CompositeClassifier.Member] = []
        for (index, spec) in specs.enumerated() {
            let member = try ClassifierMembers.member(spec, artifacts: artifacts, transform: transform, weight: weights[index])
            guard !member.name.isEmpty, !members.contains(where: { $0.name == member.name }), member.name != "transform", member.name != "label"
            else {
                throw spec.error("name", "\"\(member.name)\" is empty or not unique among the stages")
            }
            members.append(member)
        }
        return CompositeClassifier(transform: transform, members: members, label: try LabelRule(document: try document.object("label")))
    }
}
