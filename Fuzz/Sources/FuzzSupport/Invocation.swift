import ModelRuntimes

/// Runs a body through a model's four steps, as a worker does, checking what must hold for
/// any input: decoding refuses with a 4xx or yields a batch; a decoded batch is predicted and
/// encoded in every output type, one answer per record.
public enum Invocation {
    public static func run<Handler: ModelHandler>(
        _ handler: Handler, _ payload: UnsafeRawBufferPointer, contentType: MediaType, context: InvocationContext = InvocationContext()
    ) {
        let decoded = Refusals.allowingClientErrors("decodeInput", payload: payload) {
            try handler.decodeInput(payload, contentType: contentType, context: context)
        }
        guard let input = decoded else { return }
        if let batch = input as? TabularBatch { BatchFingerprint.checkShape(batch, "decodeInput") }
        guard let output = Refusals.allowingClientErrors("predict", { try handler.predict(input, context: context) }) else { return }
        for accept in handler.outputContentTypes {
            let bytes: [UInt8]
            do {
                bytes = try handler.encodeOutput(output, accept: accept, context: context)
            } catch {
                Refusals.finding("encodeOutput as \(accept) threw \(error)")
            }
            if let prediction = output as? TabularPrediction, accept.canonical != .json {
                let lines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                Refusals.check(lines == prediction.table.rowCount, "\(accept): \(lines) lines for \(prediction.table.rowCount) records")
            }
        }
    }
}
