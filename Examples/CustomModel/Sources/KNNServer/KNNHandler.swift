import ModelRuntimes

/// Serves a `KNNRegressor`. Conforming to `TabularModelHandler` gives it SageMaker's decode and
/// encode steps for JSON, CSV and JSON Lines; it writes only `load` and `predictTable`.
///
/// Manifest: `{"format": "swerve-model/v1", "name": "house-knn", "handler": "knn-regressor",
/// "model": "knn.json"}`.
struct KNNHandler: TabularModelHandler {
    let model: KNNRegressor
    let inputSchema: TabularSchema

    /// `model_fn`: the manifest has been read; its `model` field names the regressor's file.
    static func load(from artifacts: ModelArtifacts) throws -> KNNHandler {
        let model = try KNNRegressor(document: try artifacts.object("model"))
        let schema = TabularSchema(columns: model.features.map { .init(name: $0, kind: .number, isRequired: true) })
        return KNNHandler(model: model, inputSchema: schema)
    }

    /// One stage, reported as its own container in the latency and CPU metrics.
    var stageNames: [String] { ["knn"] }

    func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable {
        let columns = (0..<inputSchema.count).map { batch.numbers($0) }
        var answers = [Double](repeating: 0, count: batch.rowCount)
        try context.measure(stage: 0) {
            for row in 0..<batch.rowCount {
                let values = columns.map { $0[row] }
                if let column = values.firstIndex(where: { !$0.isFinite }) {
                    throw batch.invalidValue(row: row, column: column, "a number is required")
                }
                answers[row] = model.predict(values)
            }
        }
        return PredictionTable(rowCount: batch.rowCount, fields: [.init(name: model.target, values: .double(answers, decimals: 2))])
    }
}
