import ModelRuntimes
import NIOCore

/// Runs one request through a loaded model's steps (decode, predict, encode), timing each.
///
/// The server holds the model only as `any ModelHandler`; this opens it once per request and
/// calls the steps with the concrete types. Every error leaves as a `ServingError`: a model's
/// own 4xx passes through; anything else becomes a 500 that names the step.
public final class InferencePipeline: Sendable {
    public let handler: any ModelHandler
    public let negotiator: ContentNegotiator
    /// Whether the model times stages of its own (else its predict step is read separately).
    private let modelHasStages: Bool

    public init(handler: any ModelHandler, defaultAccept: String?) throws {
        self.handler = handler
        self.modelHasStages = !handler.stageNames.isEmpty
        self.negotiator = try ContentNegotiator(
            inputTypes: handler.inputContentTypes, outputTypes: handler.outputContentTypes, defaultAccept: defaultAccept)
    }

    /// The stage ("container") names the model reports.
    public var stageNames: [String] { handler.stageNames }

    /// What one run produced.
    public struct Outcome: Sendable {
        /// The encoded answer, or the error to answer with.
        public var result: Result<[UInt8], ServingError>
        /// Nanoseconds spent in the model's steps (SageMaker's ModelLatency).
        public var modelNanoseconds: UInt64
    }

    /// Decodes, predicts and encodes; never throws. With `accounting`, decode and encode are
    /// timed as the `input_fn` and `output_fn` containers (the model times its own stages).
    ///
    /// - Parameters:
    ///   - payload: the request body.
    ///   - contentType: the negotiated input type.
    ///   - accept: the negotiated output type.
    ///   - context: custom attributes, the stage recorder and the parallel executor.
    ///   - accounting: the calling thread's per-container accounting, if metrics are on.
    ///   - startedAt: a monotonic clock reading taken just before (saves a reading).
    public func run(
        _ payload: ByteBuffer, contentType: MediaType, accept: MediaType, context: InvocationContext,
        accounting: StageAccounting? = nil, startedAt: UInt64? = nil
    ) -> Outcome {
        let start = startedAt ?? CPUClock.monotonicNanoseconds()
        var mark = start
        let result: Result<[UInt8], ServingError> = payload.withUnsafeReadableBytes { bytes in
            Result {
                try Self.steps(
                    handler, bytes, contentType: contentType, accept: accept, context: context, accounting: accounting,
                    modelHasStages: modelHasStages, mark: &mark)
            }
            .mapError { error in
                (error as? ServingError) ?? .internalError("the model failed: \(error)")
            }
        }
        if accounting == nil || mark == start { mark = CPUClock.monotonicNanoseconds() }
        return Outcome(result: result, modelNanoseconds: mark &- start)
    }

    /// `mark` is the clock reading the steps start from; with accounting it ends as the
    /// reading that closed the last timed step.
    private static func steps<H: ModelHandler>(
        _ handler: H, _ payload: UnsafeRawBufferPointer, contentType: MediaType, accept: MediaType, context: InvocationContext,
        accounting: StageAccounting?, modelHasStages: Bool, mark: inout UInt64
    ) throws -> [UInt8] {
        guard let accounting else {
            let input = try handler.decodeInput(payload, contentType: contentType, context: context)
            let output = try handler.predict(input, context: context)
            return try handler.encodeOutput(output, accept: accept, context: context)
        }
        let input = try accounting.measure(container: accounting.inputContainer, from: &mark) {
            try handler.decodeInput(payload, contentType: contentType, context: context)
        }
        let output = try handler.predict(input, context: context)
        // Encoding starts where the model's last stage ended (or now, for a model without stages).
        mark = modelHasStages ? accounting.latestMark : CPUClock.monotonicNanoseconds()
        return try accounting.measure(container: accounting.outputContainer, from: &mark) {
            try handler.encodeOutput(output, accept: accept, context: context)
        }
    }
}
