/// Serves a `linear-regression/v1` model: the real-estate model of the README.
///
/// Manifest fields: `model` (the document), optional `output_decimals` (the blog's answers are
/// rounded to 2 places: `{"distance": 150}` gives `{"cost": 50.3}`).
public struct LinearRegressionHandler: TabularModelHandler {
    public let model: LinearRegressionModel
    public let inputSchema: TabularSchema
    /// Places the answer is rounded to; nil writes the exact float64.
    public let outputDecimals: Int?

    public init(model: LinearRegressionModel, outputDecimals: Int?) {
        self.model = model
        self.outputDecimals = outputDecimals
        self.inputSchema = TabularSchema(columns: model.inputs.map { .init(name: $0.name, kind: .number, isRequired: true) })
    }

    public static func load(from artifacts: ModelArtifacts) throws -> LinearRegressionHandler {
        let model = try LinearRegressionModel(document: try artifacts.object("model"))
        let settings = artifacts.settings
        var decimals: Int? = nil
        if settings.contains("output_decimals") {
            let places = try settings.integer("output_decimals")
            guard (0...15).contains(places) else { throw settings.error("output_decimals", "expected an integer from 0 to 15, found \(places)") }
            decimals = places
        }
        return LinearRegressionHandler(model: model, outputDecimals: decimals)
    }

    public var stageNames: [String] { ["linear_regression"] }

    public func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable {
        let columns = (0..<model.inputs.count).map { batch.numbers($0) }
        var answers = [Double](repeating: 0, count: batch.rowCount)
        try context.measure(stage: 0) {
            for row in 0..<batch.rowCount {
                for column in columns.indices {
                    if let problem = model.problem(with: columns[column][row], input: column) {
                        throw batch.invalidValue(row: row, column: column, problem)
                    }
                }
                answers[row] = model.predict { columns[$0][row] }
            }
        }
        return PredictionTable(
            rowCount: batch.rowCount,
            fields: [.init(name: model.outputName, values: .double(answers, decimals: outputDecimals))])
    }
}
