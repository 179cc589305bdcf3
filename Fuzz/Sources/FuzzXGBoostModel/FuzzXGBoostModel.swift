import FuzzSupport
import ModelRuntimes

/// libFuzzer target for the XGBoost JSON model reader (`XGBoostModel(document:file:)`, after
/// `JSONValue.parse`).
///
/// The input is a model file. It must be refused with a `JSONSyntaxError` or a
/// `ModelLoadError`, or load; a model that loads must then score rows of every kind (zeros,
/// missing values, huge and tiny magnitudes, negatives) through `XGBoostHandler` in every output
/// type without trapping, since loading promises that prediction cannot fail. A binary model
/// is also tried as an ensemble member.
@main
enum FuzzXGBoostModel {
    static func main() { FuzzDriver.run(fuzzXGBoostModel) }
}

/// Values each row repeats in every column: all branches of a split, the missing-value
/// default, and the float32 range's edges.
private let rowValues = ["0", "", "-3.5", "1e-30", "3.4e38", "12345.678", "1"]

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzXGBoostModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let model = Refusals.allowingLoadErrors("XGBoostModel") { () throws -> XGBoostModel in
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw ModelLoadError(file: "model.json", problem: error.description)
        }
        guard let object = document.objectValue else { throw ModelLoadError(file: "model.json", problem: "not an object") }
        return try XGBoostModel(document: ArtifactObject(object, file: "model.json"))
    }
    // A model of very many features is loaded but not scored: a dense row of that many values
    // is itself megabytes, and its cost is the row's, not the reader's.
    guard let model, model.featureCount <= 65_536 else { return 0 }
    let handler = XGBoostHandler(model: model)
    let body = rowValues.map { value in Array(repeating: value, count: model.featureCount).joined(separator: ",") }.joined(separator: "\n")
    Array(body.utf8).withUnsafeBytes { Invocation.run(handler, $0, contentType: .csv) }
    _ = Refusals.allowingLoadErrors("XGBoostProbabilityModel") { try XGBoostProbabilityModel(model, file: "model.json") }
    return 0
}
