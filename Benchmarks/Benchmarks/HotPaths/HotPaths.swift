import Benchmark
import BenchmarkFixtures
import ModelRuntimes

/// The shipped models' three steps, each timed alone: decode a request body, predict, encode the
/// answer, for one row (what a single invocation pays) and for a 10,000-row batch (Aurora's
/// largest), on one thread.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(1), maxIterations: 100_000)
    let churnRows = Fixtures.churnRows()
    Steps.register(model: "churn", body: churnRows[0] + "\n", rows: 1, contentType: .csv, accept: .csv)
    Steps.register(
        model: "churn", body: (0..<10_000).map { churnRows[$0 % churnRows.count] }.joined(separator: "\n") + "\n", rows: 10_000,
        contentType: .csv, accept: .csv)
    Steps.register(model: "real-estate", body: #"{"distance": 150}"#, rows: 1, contentType: .json, accept: .json)
    Steps.register(
        model: "real-estate", body: (0..<10_000).map { "\(50 + $0 % 5_000)" }.joined(separator: "\n") + "\n", rows: 10_000,
        contentType: .csv, accept: .csv)
}

/// Registers a model's decode, predict and encode benchmarks for one request body.
enum Steps {
    static func register(model: String, body: String, rows: Int, contentType: MediaType, accept: MediaType) {
        do {
            let loaded = try Fixtures.model(model)
            try register(
                loaded.handler, name: "\(model), \(rows) \(contentType.subtype) row\(rows == 1 ? "" : "s")", body: Array(body.utf8),
                contentType: contentType, accept: accept)
        } catch {
            fatalError("\(model): \(error)")
        }
    }

    private static func register<H: ModelHandler>(
        _ handler: H, name: String, body: [UInt8], contentType: MediaType, accept: MediaType
    ) throws {
        let context = InvocationContext()
        let input = try body.withUnsafeBytes { try handler.decodeInput($0, contentType: contentType, context: context) }
        let output = try handler.predict(input, context: context)
        Benchmark("\(name): decode") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try body.withUnsafeBytes { try handler.decodeInput($0, contentType: contentType, context: context) })
            }
        }
        Benchmark("\(name): predict") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try handler.predict(input, context: context)) }
        }
        Benchmark("\(name): encode") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try handler.encodeOutput(output, accept: accept, context: context)) }
        }
    }
}
