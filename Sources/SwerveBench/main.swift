// swerve-bench: times Swerve's XGBoost evaluator alone, for scripts/bench_trees.py.
//
//   swerve-bench MODEL.json FEATURES.csv [--rows N] [--repeats R] [--warmup W]
//   swerve-bench --stages MODEL_DIR REQUEST.csv [--repeats R] [--threads T]
//   swerve-bench --nio-floor [--port P] [--body TEXT] [--content-type TYPE]
//
// The second form times a whole CSV request through a model directory's handler on one thread
// (decode, each stage, encode) and prints the median of each in milliseconds; with --threads
// the stages' chunks run on T threads of Dispatch's pool. The third serves a fixed answer through
// SwiftNIO alone (see NIOFloorServer).
//
// FEATURES.csv has a header and rows of numeric features (empty = missing); its rows are
// repeated to N rows (default 10,000) and held as float64, as numpy would hold them. Each
// repeat scores all N rows on one thread into a reused buffer. Prints one JSON line with the
// median, the minimum and rows per second at the median.
import Foundation
import ModelRuntimes

/// Command-line options of the evaluator benchmark.
struct Options {
    var model = ""
    var features = ""
    var rows = 10_000
    var repeats = 50
    var warmup = 5

    init(_ arguments: [String]) {
        var positional: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rows": rows = Int(iterator.next() ?? "") ?? rows
            case "--repeats": repeats = Int(iterator.next() ?? "") ?? repeats
            case "--warmup": warmup = Int(iterator.next() ?? "") ?? warmup
            default: positional.append(argument)
            }
        }
        guard positional.count == 2 else {
            FileHandle.standardError.write(Data("usage: swerve-bench MODEL.json FEATURES.csv [--rows N] [--repeats R] [--warmup W]\n".utf8))
            exit(2)
        }
        model = positional[0]
        features = positional[1]
    }
}

func loadRows(_ path: String, count: Int) throws -> FeatureMatrix {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\n").dropFirst()
    let rows = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.isEmpty ? Double.nan : Double($0)! } }
    let width = rows[0].count
    var values: [Double] = []
    values.reserveCapacity(count * width)
    for index in 0..<count { values += rows[index % rows.count] }
    return FeatureMatrix(values: values, columnCount: width)
}

if CommandLine.arguments.dropFirst().first == "--nio-floor" {
    try NIOFloorServer.run(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "--stages" {
    try StageBenchmark.run(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
let options = Options(Array(CommandLine.arguments.dropFirst()))
let url = URL(fileURLWithPath: options.model)
let model = try XGBoostModel.load(url.lastPathComponent, in: ModelDirectory(path: url.deletingLastPathComponent().path))
let matrix = try loadRows(options.features, count: options.rows)
var outputs = [Float](repeating: 0, count: options.rows * model.outputsPerRow)
var timings: [Double] = []
var checksum: Float = 0
for round in 0..<(options.warmup + options.repeats) {
    let start = DispatchTime.now().uptimeNanoseconds
    outputs.withUnsafeMutableBufferPointer { buffer in
        model.predict(matrix, rows: 0..<options.rows, margins: nil, outputs: buffer.baseAddress!)
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    checksum += outputs[round % outputs.count]
    if round >= options.warmup { timings.append(elapsed) }
}
timings.sort()
let median = timings[timings.count / 2]
print(
    #"{"median_ms":\#(median),"min_ms":\#(timings[0]),"rows":\#(options.rows),"trees":\#(model.treeCount),"#
        + #""rows_per_second":\#(Double(options.rows) / median * 1000),"checksum":\#(checksum)}"#)
