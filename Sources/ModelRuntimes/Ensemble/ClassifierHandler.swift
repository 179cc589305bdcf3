/// What the ensemble and pipeline handlers share: a `CompositeClassifier` served as a tabular
/// model, with the churn deployment's response.
///
/// JSON and JSON Lines answer each row with `predicted_label`, `p_true` and `probability`
/// (`max(p_true, 1 - p_true)`, Autopilot's probability of the predicted label). CSV answers one
/// value per row: `1`/`0` by default, or the probability or label when the manifest's
/// `csv_output` or the request's custom attribute `output=...` asks for it.
public protocol ClassifierHandler: TabularModelHandler {
    var classifier: CompositeClassifier { get }
    /// The manifest's CSV output, used when a request does not choose.
    var csvOutput: ClassifierCSVOutput { get }
}

extension ClassifierHandler {
    public var inputSchema: TabularSchema { classifier.transform.inputSchema }

    public var stageNames: [String] { classifier.stageNames }

    public func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable {
        let result = try classifier.classify(batch, context: context)
        let classes = classifier.label.classes
        return PredictionTable(
            rowCount: batch.rowCount,
            fields: [
                .init(name: "predicted_label", values: .text(result.classIndex.map { classes[$0] })),
                .init(name: "p_true", values: .double(result.pTrue, decimals: nil)),
                .init(name: "probability", values: .double(result.pTrue.map { max($0, 1 - $0) }, decimals: nil)),
            ])
    }

    public func encodeOutput(_ output: TabularPrediction, accept: MediaType, context: InvocationContext) throws -> [UInt8] {
        guard accept.canonical == .csv else {
            return try TabularEncoding.encode(output.table, shape: output.shape, as: accept)
        }
        let mode = try ClassifierCSVOutput.requested(by: context, fallback: csvOutput)
        let fields = output.table.fields
        let field: PredictionTable.Field
        switch mode {
        case .label:
            field = fields[0]
        case .probability:
            field = fields[1]
        case .label01:
            guard case .double(let pTrue, _) = fields[1].values else { throw ServingError.internalError("p_true is not numeric") }
            field = .init(name: "label", values: .integer(pTrue.map(classifier.label.classIndex)))
        }
        let table = PredictionTable(rowCount: output.table.rowCount, fields: [field])
        return try TabularEncoding.encode(table, shape: output.shape, as: accept)
    }
}
