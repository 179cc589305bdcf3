import FuzzSupport
import ModelRuntimes

/// libFuzzer target for the CSV decoder (`text/csv` request bodies).
///
/// The first byte chooses a schema (the shipped models' and two made-up ones) and a mode; the
/// rest is the body. Every body must be refused with a 4xx or decode to a well-formed batch;
/// with a shipped model the batch is also predicted and encoded. One input in eight is repeated
/// past the parallel threshold and decoded both in one piece and in chunks, which must
/// agree exactly (the same batch, or the same message).
@main
enum FuzzCSV {
    static func main() { FuzzDriver.run(fuzzCSV) }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    let selector = data[0]
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let schemaIndex = Int(selector & 0x03) % ShippedModels.schemas.count
    if selector & 0x1C == 0x1C {
        compareSerialWithParallel(body, schema: ShippedModels.schemas[schemaIndex])
    } else if schemaIndex < ShippedModels.handlers.count {
        Invocation.run(ShippedModels.handlers[schemaIndex], body, contentType: .csv)
    } else {
        let batch = Refusals.allowingClientErrors("decode", payload: body) {
            try TabularDecoding.decode(body, contentType: .csv, schema: ShippedModels.schemas[schemaIndex])
        }
        if let batch { BatchFingerprint.checkShape(batch, "decode") }
    }
    return 0
}

/// Repeats `body` (one record block per copy) until it is large enough to be cut into chunks.
private func compareSerialWithParallel(_ body: UnsafeRawBufferPointer, schema: TabularSchema) {
    guard !body.isEmpty else { return }
    var large: [UInt8] = []
    let threshold = 128 * 1024
    large.reserveCapacity(threshold + body.count + 1)
    while large.count < threshold {
        large.append(contentsOf: body)
        if body.last != 0x0A { large.append(0x0A) }
    }
    large.withUnsafeBytes { bytes in
        let serial = outcome(bytes) { try TabularDecoding.decode(bytes, contentType: .csv, schema: schema) }
        let parallel = outcome(bytes) {
            try TabularDecoding.decode(bytes, contentType: .csv, schema: schema, context: InvocationContext(executor: ChunkingExecutor()))
        }
        Refusals.check(serial == parallel, "serial \(serial) but parallel \(parallel)")
    }
}

private enum Outcome: Equatable {
    case batch(BatchFingerprint)
    case refused(String)
}

private func outcome(_ body: UnsafeRawBufferPointer, _ decode: () throws -> TabularBatch) -> Outcome {
    do {
        let batch = try decode()
        BatchFingerprint.checkShape(batch, "decode")
        return .batch(BatchFingerprint(batch))
    } catch let error as ServingError where (400..<500).contains(error.status) {
        BodyMessages.check(error.message, body: body)
        return .refused(error.message)
    } catch {
        Refusals.finding("decode threw \(String(reflecting: error))")
    }
}
