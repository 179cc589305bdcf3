import FuzzSupport
import ModelRuntimes

/// libFuzzer target for the manifest reader and the catalog (`HandlerRegistry.builtIn.load`), with every
/// artifact reader behind it: linear regression, the churn transform, logistic regression,
/// random forest, ensemble and pipeline documents, and a directory without a manifest.
///
/// The first byte chooses which file of which shipped model directory the rest of the input
/// replaces; the other files are the shipped ones. Loading must succeed or throw a
/// `ModelLoadError`; a model that loads must then answer real rows (CSV and JSON) without
/// trapping, since loading promises that prediction cannot fail.
///
/// The churn directories link `Fuzz/Models/churn-xgb-3-trees.json` (the shipped booster cut to
/// its first three trees, `num_trees`, `tree_info` and `iteration_indptr` to match) in place of
/// the 348 KB booster, whose parsing would otherwise take most of every run; the XGBoost reader
/// has its own target.
@main
enum FuzzModelDirectory {
    static func main() { FuzzDriver.run(fuzzModelDirectory) }
}

private let smallBooster = ["churn-xgb.json": "Fuzz/Models/churn-xgb-3-trees.json"]

private let directories: [ScratchModelDirectory] = [
    ScratchModelDirectory(linking: "real-estate", fuzzedFile: "manifest.json"),
    ScratchModelDirectory(linking: "real-estate", fuzzedFile: "model.json"),
    ScratchModelDirectory(linking: "churn", fuzzedFile: "manifest.json", substitutes: smallBooster),
    ScratchModelDirectory(linking: "churn", fuzzedFile: "churn-ensemble.json", substitutes: smallBooster),
    ScratchModelDirectory(
        linking: "churn", fuzzedFile: "churn-pipeline.json",
        extraFiles: ["manifest.json": #"{"format": "swerve-model/v1", "name": "churn", "handler": "pipeline", "model": "churn-pipeline.json"}"#],
        substitutes: smallBooster),
    ScratchModelDirectory(linking: "churn", fuzzedFile: "churn-transform.json", substitutes: smallBooster),
    ScratchModelDirectory(linking: "churn", fuzzedFile: "churn-logreg.json", substitutes: smallBooster),
    ScratchModelDirectory(linking: "churn", fuzzedFile: "churn-rf.json", substitutes: smallBooster),
    // No manifest: the directory is served as its one XGBoost model, if it is one.
    ScratchModelDirectory(linking: "no-such-model", fuzzedFile: "model.json"),
]

/// Rows each model must answer once loaded: a golden churn row, one with every field empty,
/// and real-estate distances.
private let rows: [(String, MediaType)] = [
    ("AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4\n,,,,,,,,,,,,,,,,,,,\n", .csv),
    (#"[{"distance": 150}, {"distance": 0}, {"distance": -1e300}]"#, .json),
    ("150\n\n1e308\n", .csv),
]

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzModelDirectory(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    let scratch = directories[Int(data[0]) % directories.count]
    scratch.write(UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    guard let loaded = Refusals.allowingLoadErrors("HandlerRegistry.load", { try HandlerRegistry.builtIn.load(scratch.directory) }) else { return 0 }
    for (body, type) in rows where loaded.handler.inputContentTypes.contains(type) {
        Array(body.utf8).withUnsafeBytes { Invocation.run(loaded.handler, $0, contentType: type) }
    }
    return 0
}
