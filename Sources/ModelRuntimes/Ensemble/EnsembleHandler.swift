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

    public static func load(from directory: ModelDirectory) throws -> EnsembleHandler {
        let manifest = try ModelManifest.read(from: directory)
        let name = try manifest.file("model", in: directory)
        let classifier = try read(try ArtifactObject.read(name, in: directory), in: directory)
        return EnsembleHandler(classifier: classifier, csvOutput: try ClassifierManifest.csvOutput(manifest))
    }

    /// Reads an `ensemble/v1` document and every file it names.
    public static func read(_ document: ArtifactObject, in directory: ModelDirectory) throws -> CompositeClassifier {
        let format = try document.string("format")
        guard format == "ensemble/v1" else { throw document.error("format", "expected \"ensemble/v1\", found \"\(format)\"") }
        let transform = try FeatureTransform.load(try ClassifierMembers.file("transform", of: document, in: directory), in: directory)
        let specs = try document.objects("members")
        guard !specs.isEmpty else { throw document.error("members", "the ensemble has no members") }
        let combine = try document.object("combine")
        let method = try combine.string("method")
        guard method == "mean" else { throw combine.error("method", "unknown \"\(method)\" (known: mean)") }
        let weights = combine.contains("weights")
            ? try combine.doubles("weights", count: specs.count) : Array(repeating: 1, count: specs.count)
        if let bad = weights.firstIndex(where: { $0 < 0 }) { throw combine.error("weights[\(bad)]", "is negative") }
        guard weights.reduce(0, +) > 0 else { throw combine.error("weights", "sum to zero") }
        var members: [CompositeClassifier.Member] = []
        for (index, spec) in specs.enumerated() {
            let memberFormat = try spec.string("format")
            let name = try ClassifierMembers.stageName(of: spec, format: memberFormat)
            guard !name.isEmpty, !members.contains(where: { $0.name == name }), name != "transform", name != "label" else {
                throw spec.error("name", "\"\(name)\" is empty or not unique among the stages")
            }
            let model = try ClassifierMembers.model(format: memberFormat, fileKey: "file", of: spec, in: directory, transform: transform)
            members.append(.init(name: name, model: model, weight: weights[index]))
        }
        return CompositeClassifier(transform: transform, members: members, label: try LabelRule(document: try document.object("label")))
    }
}
