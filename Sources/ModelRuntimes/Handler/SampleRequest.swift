/// A request a model must answer successfully: what a deep health check sends through the whole
/// pipeline (decode, predict, encode) to prove the model still works.
///
/// It comes from the manifest's `sample` field, or from the handler (`ModelHandler.defaultSample`)
/// when the model's format implies a valid input (an XGBoost row of missing values).
public struct SampleRequest: Sendable, Equatable {
    /// The request's `Content-Type`.
    public var contentType: String
    public var body: [UInt8]

    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }
}
