import ArgumentParser
import InferenceServer
import ModelRuntimes
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `swerve predict`: scores a file or stdin offline, with exactly the codecs and pipeline the
/// server uses, for batch jobs and for debugging a model directory.
///
/// Large batches use the cores like the server does (a worker pool lends chunks). A request the
/// server would answer 4xx prints that message to stderr and exits 1.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Score a file or stdin offline, writing predictions to stdout.")

    @Option(help: "Model directory (default: $SM_MODEL_DIR, else /opt/ml/model).")
    var modelDir: String?

    @Option(help: "Input file (default: stdin).")
    var input: String?

    @Option(help: "Content type of the input (default: from the file's extension, else the model's first input type).")
    var contentType: String?

    @Option(help: "Content type of the output (default: $SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, else the input's type).")
    var accept: String?

    @Option(help: "Custom attributes, as the X-Amzn-SageMaker-Custom-Attributes header would carry them (e.g. output=probability).")
    var customAttributes: String?

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration(environment: ProcessEnvironment.current)
        } catch {
            printError("swerve: \(error)")
            throw ExitCode(2)
        }
        let directory = modelDir ?? configuration.modelDirectory
        let pipeline: InferencePipeline
        do {
            let loaded = try CommandContext.registry.load(ModelDirectory(path: directory))
            pipeline = try InferencePipeline(handler: loaded.handler, defaultAccept: configuration.defaultAccept)
        } catch {
            printError("swerve: cannot load the model in \(directory): \(error)")
            throw ExitCode(1)
        }
        let payload: [UInt8]
        do {
            payload = try input.map(Self.readFile) ?? Self.readStandardInput()
        } catch let error as InputError {
            printError("swerve: \(error)")
            throw ExitCode(1)
        }
        // Large batches are cut into chunks that idle workers of this pool help with.
        let pool = WorkerPool(workerCount: AvailableCores.count, queueDepth: 1, maxQueuedBytes: 1)
        pool.start()
        let result = predict(payload, pipeline: pipeline, executor: PoolExecutor(pool: pool))
        await pool.shutdownGracefully()
        switch result {
        case .success(let bytes):
            Self.writeStandardOutput(bytes)
        case .failure(let error):
            printError("swerve: \(error)")
            throw ExitCode(1)
        }
    }

    /// Negotiates the types as the server would, then runs the pipeline.
    private func predict(_ payload: [UInt8], pipeline: InferencePipeline, executor: PoolExecutor) -> Result<[UInt8], ServingError> {
        do {
            let type = try pipeline.negotiator.contentType(for: contentType ?? Self.contentType(forExtensionOf: input))
            let acceptType = try pipeline.negotiator.accept(for: accept, requestType: type)
            let context = InvocationContext(customAttributes: customAttributes, executor: executor)
            return pipeline.run(ByteBuffer(bytes: payload), contentType: type, accept: acceptType, context: context).result
        } catch {
            return .failure((error as? ServingError) ?? .internalError("\(error)"))
        }
    }

    /// The input file cannot be read (not a model problem: the message names the input file).
    struct InputError: Error, CustomStringConvertible {
        var path: String
        var problem: String
        var description: String { "cannot read the input file \(path): \(problem)" }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return try FileBytes.read(path)
        } catch .cannotOpen(let reason) {
            throw InputError(path: path, problem: reason)
        } catch .readError {
            throw InputError(path: path, problem: "read error")
        }
    }

    static func contentType(forExtensionOf path: String?) -> String? {
        guard let path, let dot = path.lastIndex(of: ".") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv": return "text/csv"
        case "json": return "application/json"
        case "jsonl", "jsonlines", "ndjson": return "application/jsonlines"
        default: return nil
        }
    }

    static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    static func writeStandardOutput(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
    }
}
