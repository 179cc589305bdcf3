/// The contract between the server and a model: the four steps of SageMaker's inference
/// toolkit (`model_fn`, `input_fn`, `predict_fn`, `output_fn`).
///
/// The server knows models only through this protocol. A handler is loaded once, is immutable
/// afterwards, and is shared by every worker thread at the same time (Swift has no GIL, so there is
/// no process pool): all four steps must be safe to call concurrently.
///
/// Tabular models rarely implement this directly; `TabularModelHandler` supplies the decode and
/// encode steps for JSON, CSV and JSON Lines, so such a model writes only `load` and `predict`.
public protocol ModelHandler: Sendable {
    /// What `decodeInput` produces and `predict` consumes.
    associatedtype Input
    /// What `predict` produces and `encodeOutput` consumes.
    associatedtype Output

    /// `model_fn`: reads the model directory once, when the model is loaded.
    ///
    /// `artifacts` holds the directory, its manifest (already read: settings come from
    /// `artifacts.settings`) and the registry. A broken artifact throws a `ModelLoadError`
    /// naming the file and the field (`ArtifactObject` does that for every JSON field).
    static func load(from artifacts: ModelArtifacts) throws -> Self

    /// Request content types this handler reads. The first is assumed when a request has none.
    var inputContentTypes: [MediaType] { get }

    /// Response content types this handler writes, in order of preference.
    var outputContentTypes: [MediaType] { get }

    /// A request this model always answers with 200, for health checks when the manifest has no
    /// `sample`; nil (the default) when the model's format implies none.
    var defaultSample: SampleRequest? { get }

    /// Names of the model's stages ("containers"), whose latency and CPU time are reported
    /// separately. Stage `i` of `InvocationContext.measure(stage:_:)` is `stageNames[i]`.
    var stageNames: [String] { get }

    /// `input_fn`: turns the request body into model input. Bad input throws a 4xx `ServingError`.
    ///
    /// `payload` is valid only for the duration of the call.
    func decodeInput(_ payload: UnsafeRawBufferPointer, contentType: MediaType, context: InvocationContext) throws -> Input

    /// `predict_fn`: runs the model.
    func predict(_ input: Input, context: InvocationContext) throws -> Output

    /// `output_fn`: serialises the prediction as `accept`, one of `outputContentTypes`.
    func encodeOutput(_ output: Output, accept: MediaType, context: InvocationContext) throws -> [UInt8]
}

extension ModelHandler {
    public var stageNames: [String] { [] }

    public var defaultSample: SampleRequest? { nil }

    /// Loads this handler from `directory`, reading its manifest, with the built-in registry
    /// for any members it names (for tests and tools that know the handler type already).
    public static func load(from directory: ModelDirectory, registry: HandlerRegistry = .builtIn) throws -> Self {
        try load(from: ModelArtifacts(directory: directory, manifest: try ModelManifest.read(from: directory), registry: registry))
    }
}
