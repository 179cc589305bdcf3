import Foundation
import ModelRuntimes
import Synchronization

/// Times one CSV request through a model directory's handler, step by step and stage by stage.
enum StageBenchmark {
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: swerve-bench --stages MODEL_DIR REQUEST.csv [--repeats R] [--threads T]\n".utf8))
            exit(2)
        }
        let repeats = arguments.count >= 4 && arguments[2] == "--repeats" ? Int(arguments[3]) ?? 20 : 20
        let threads = arguments.firstIndex(of: "--threads").flatMap { Int(arguments[$0 + 1]) } ?? 1
        let loaded = try HandlerRegistry.builtIn.load(ModelDirectory(path: arguments[0]))
        let body = Array(try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
        let executor: any ParallelExecutor = threads > 1 ? DispatchExecutor(parallelism: threads) : SerialExecutor()
        try time(loaded.handler, body: body, repeats: repeats, executor: executor)
    }

    static func time<H: ModelHandler>(_ handler: H, body: [UInt8], repeats: Int, executor: any ParallelExecutor) throws {
        let recorder = WallClockRecorder(stages: handler.stageNames.count)
        let context = InvocationContext(stageRecorder: recorder, executor: executor)
        var decode: [Double] = []
        var predict: [Double] = []
        var encode: [Double] = []
        for round in 0..<(repeats + 3) {
            let t0 = now()
            let input = try body.withUnsafeBytes { try handler.decodeInput($0, contentType: .csv, context: context) }
            let t1 = now()
            let output = try handler.predict(input, context: context)
            let t2 = now()
            _ = try handler.encodeOutput(output, accept: .csv, context: context)
            let t3 = now()
            if round < 3 {
                recorder.reset()
                continue
            }
            decode.append(t1 - t0)
            predict.append(t2 - t1)
            encode.append(t3 - t2)
        }
        var line = "decode \(format(decode)) ms, predict \(format(predict)) ms"
        for (index, name) in handler.stageNames.enumerated() { line += " (\(name) \(format(recorder.samples(index))))" }
        print(line + ", encode \(format(encode)) ms, total \(format(zip(zip(decode, predict), encode).map { $0.0 + $0.1 + $1 })) ms")
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

    static func format(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(format: "%.4f", sorted.isEmpty ? 0 : sorted[sorted.count / 2])
    }
}

/// Runs chunks on Dispatch's thread pool: what the stages gain from a second core, without the
/// server's worker pool.
struct DispatchExecutor: ParallelExecutor {
    let parallelism: Int

    func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) -> UInt64 {
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
        return 0
    }
}

/// Keeps each stage's wall times in milliseconds.
final class WallClockRecorder: StageRecorder, Sendable {
    private let times: Mutex<[[Double]]>

    init(stages: Int) { times = Mutex(Array(repeating: [], count: stages)) }

    func reset() { times.withLock { for index in $0.indices { $0[index] = [] } } }

    func samples(_ stage: Int) -> [Double] { times.withLock { $0[stage] } }

    func stageStarted() -> StageStart {
        StageStart(wallNanoseconds: DispatchTime.now().uptimeNanoseconds)
    }

    func stageEnded(_ stage: Int, since start: StageStart) {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.wallNanoseconds) / 1e6
        times.withLock { $0[stage].append(elapsed) }
    }

    func addCPUTime(_ stage: Int, nanoseconds: UInt64) {}
}
