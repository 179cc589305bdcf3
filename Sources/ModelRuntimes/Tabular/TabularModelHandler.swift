/// A `ModelHandler` for models that read rows of named values and answer with a row per record.
///
/// It supplies `input_fn` and `output_fn` for JSON (an object, a list of objects, or
/// `{"instances": [...]}`), CSV (one record per line, no header; a single line is a 1xN batch,
/// never squeezed) and JSON Lines. A conforming model writes `load`, `inputSchema` and
/// `predictTable`.
public protocol TabularModelHandler: ModelHandler where Input == TabularBatch, Output == TabularPrediction {
    /// The columns the model reads.
    var inputSchema: TabularSchema { get }

    /// Scores every row of `batch`; the table must have `batch.rowCount` rows, in order.
    func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable
}

extension TabularModelHandler {
    public var inputContentTypes: [MediaType] { [.json, .csv, .jsonLines] }
    public var outputContentTypes: [MediaType] { [.json, .csv, .jsonLines] }

    public func decodeInput(_ payload: UnsafeRawBufferPointer, contentType: MediaType, context: InvocationContext) throws -> TabularBatch {
        try TabularDecoding.decode(payload, contentType: contentType, schema: inputSchema, context: context)
    }

    public func predict(_ input: TabularBatch, context: InvocationContext) throws -> TabularPrediction {
        let table = try predictTable(input, context: context)
        guard table.rowCount == input.rowCount else {
            throw ServingError.internalError("the model answered \(table.rowCount) rows for \(input.rowCount) records")
        }
        return TabularPrediction(table: table, shape: input.shape)
    }

    public func encodeOutput(_ output: TabularPrediction, accept: MediaType, context: InvocationContext) throws -> [UInt8] {
        try TabularEncoding.encode(output.table, shape: output.shape, as: accept)
    }
}
