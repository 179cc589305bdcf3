/// Chooses the codec for a request body by its content type.
public enum TabularDecoding {
    /// Decodes `payload` as `contentType` into a batch following `schema`.
    public static func decode(_ payload: UnsafeRawBufferPointer, contentType: MediaType, schema: TabularSchema) throws -> TabularBatch {
        throw ServingError.internalError("not implemented yet")
    }
}
