import FuzzSupport
import ModelRuntimes

/// libFuzzer target for the JSON record decoder: `application/json` bodies (an object, a list
/// of records, `{"instances": [...]}`, `{"features": [...]}`) and `application/jsonlines`.
///
/// The first byte chooses the schema (the shipped models' and two made-up ones) and the content
/// type; the rest is the body. Every body must be refused with a 4xx or decode to a well-formed
/// batch; with a shipped model the batch is also predicted and encoded in every output type.
@main
enum FuzzJSONRecords {
    static func main() { FuzzDriver.run(fuzzJSONRecords) }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzJSONRecords(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    let selector = data[0]
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let schemaIndex = Int(selector & 0x03) % ShippedModels.schemas.count
    let contentType: MediaType = selector & 0x04 == 0 ? .json : .jsonLines
    if schemaIndex < ShippedModels.handlers.count {
        Invocation.run(ShippedModels.handlers[schemaIndex], body, contentType: contentType)
    } else {
        let batch = Refusals.allowingClientErrors("decode", payload: body) {
            try TabularDecoding.decode(body, contentType: contentType, schema: ShippedModels.schemas[schemaIndex])
        }
        if let batch { BatchFingerprint.checkShape(batch, "decode") }
    }
    return 0
}
