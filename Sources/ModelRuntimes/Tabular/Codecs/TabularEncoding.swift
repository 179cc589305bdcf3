/// Chooses the encoder for a response by the negotiated Accept type.
public enum TabularEncoding {
    /// Writes `table` as `accept`, framed like the request (`shape`).
    public static func encode(_ table: PredictionTable, shape: RecordShape, as accept: MediaType) throws -> [UInt8] {
        throw ServingError.internalError("not implemented yet")
    }
}
