/// Chooses the codec for a request body by its content type.
///
/// The shared `input_fn` of every tabular model: JSON (an object, a list of records, or
/// `{"instances": [...]}`), CSV (one record per line, no header) and JSON Lines.
public enum TabularDecoding {
    /// Decodes `payload` as `contentType` into a batch following `schema`; with a `context`,
    /// a large CSV body is decoded in parallel through its executor.
    public static func decode(
        _ payload: UnsafeRawBufferPointer, contentType: MediaType, schema: TabularSchema, context: InvocationContext? = nil
    ) throws -> TabularBatch {
        switch contentType.canonical {
        case .csv: return try CSVRecordDecoder(schema: schema).decode(payload, context: context)
        case .json: return try JSONRecordDecoder(schema: schema).decodeDocument(payload)
        case .jsonLines: return try JSONRecordDecoder(schema: schema).decodeLines(payload)
        default: throw ServingError.unsupportedMediaType(contentType.essence, supported: [.json, .csv, .jsonLines])
        }
    }
}

extension MediaType {
    /// The type without parameters, with aliases folded: `application/x-ndjson` and friends
    /// read as `application/jsonlines`. (Runs per request: returns `self` when already canonical.)
    public var canonical: MediaType {
        if isJSONLinesAlias { return .jsonLines }
        return parameters.isEmpty ? self : MediaType(type, subtype)
    }
}
