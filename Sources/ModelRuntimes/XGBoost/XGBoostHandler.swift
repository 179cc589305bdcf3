/// Serves one XGBoost JSON model on its own, as SageMaker's XGBoost container does: rows of
/// `num_feature` numbers in (an empty CSV field is missing), one line per row out.
///
/// Outputs: the probability for `binary:logistic` / `reg:logistic`, the value for regression and
/// `binary:logitraw`, the class probabilities (comma-separated in CSV) for `multi:softprob`, the
/// class index for `multi:softmax`. Floats are written as the shortest text that reads back to
/// the same float32, so a client can compare with xgboost bit for bit. Used for a directory that
/// holds just the model file, or a manifest with `"handler": "xgboost"`.
public struct XGBoostHandler: TabularModelHandler {
    public let model: XGBoostModel
    public let inputSchema: TabularSchema

    public init(model: XGBoostModel) {
        self.model = model
        self.inputSchema = TabularSchema(columns: model.featureNames.map { .init(name: $0, kind: .number, isRequired: false) })
    }

    public static func load(from artifacts: ModelArtifacts) throws -> XGBoostHandler {
        XGBoostHandler(model: try XGBoostModel(document: try artifacts.object("model")))
    }

    public var stageNames: [String] { ["xgboost"] }

    /// One CSV row of missing values, which every XGBoost model scores.
    public var defaultSample: SampleRequest? {
        SampleRequest(contentType: "text/csv", body: Array(String(repeating: ",", count: model.featureCount - 1).utf8))
    }

    public func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable {
        let columns = (0..<model.featureCount).map { batch.numbers($0) }
        try checkRange(columns, batch: batch)
        let rowCount = batch.rowCount
        let perRow = model.outputsPerRow
        var outputs = [Float](repeating: 0, count: rowCount * perRow)
        if rowCount > 0 {
            let source = ColumnFeatures(columns: columns)
            let model = self.model
            try outputs.withUnsafeMutableBufferPointer { buffer in
                let output = SharedBuffer(base: buffer.baseAddress!)
                try StageExecution.run(stage: 0, rowCount: rowCount, context: context) { rows in
                    model.predict(source, rows: rows, margins: nil, outputs: output.base + rows.lowerBound * perRow)
                }
            }
        }
        return PredictionTable(rowCount: rowCount, fields: fields(outputs, rowCount: rowCount))
    }

    /// A finite double beyond float32's range would become infinity, which xgboost's DMatrix refuses.
    private func checkRange(_ columns: [NumberColumn], batch: TabularBatch) throws {
        let limit = Double(Float.greatestFiniteMagnitude)
        for (column, values) in columns.enumerated() {
            if let row = values.firstRow(where: { abs($0) > limit }) {
                throw batch.invalidValue(row: row, column: column, "\(NumberText.shortest(values[row])) is outside the float32 range")
            }
        }
    }

    private func fields(_ outputs: [Float], rowCount: Int) -> [PredictionTable.Field] {
        switch model.objective {
        case .multiSoftprob:
            let classes = model.groupCount
            return (0..<classes).map { k in
                .init(name: "score_\(k)", values: .float((0..<rowCount).map { outputs[$0 * classes + k] }))
            }
        case .multiSoftmax:
            return [.init(name: "predicted_class", values: .integer(outputs.map { Int($0) }))]
        case .binaryLogistic, .regLogistic, .binaryLogitraw, .regSquaredError:
            return [.init(name: "score", values: .float(outputs))]
        }
    }
}
