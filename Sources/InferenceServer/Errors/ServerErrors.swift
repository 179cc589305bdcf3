import ModelRuntimes
import NIOCore

/// Every error the server itself answers with, by name, in one place. (Errors a model finds in
/// its input are built where they are found, with `ServingError.invalidInput(row:column:field:_:)`;
/// `Response(error:)` turns any of them into the one JSON error shape.)
extension ServingError {
    /// 404 for a path the server does not serve.
    static func notFound(_ path: some StringProtocol, routes: String) -> ServingError {
        ServingError(status: 404, code: "not_found", message: "no route for \(path); routes: \(routes)")
    }

    /// 405 for a known path and the wrong method.
    static func methodNotAllowed(_ method: String, path: some StringProtocol, allowed: String) -> ServingError {
        ServingError(status: 405, code: "method_not_allowed", message: "\(method) is not allowed on \(path); use \(allowed)")
    }

    /// 400 for bytes NIO's HTTP parser refused.
    static func malformedRequest(_ detail: String) -> ServingError {
        ServingError(status: 400, code: "bad_request", message: "malformed HTTP request: \(detail)")
    }

    /// 415 for a body declared in a character set other than UTF-8.
    static func unsupportedCharset(_ charset: String) -> ServingError {
        ServingError(status: 415, code: "unsupported_media_type", message: "charset \"\(charset)\" is not supported; send UTF-8")
    }

    /// 413 for a body over the limit.
    static func payloadTooLarge(limit: Int) -> ServingError {
        ServingError(
            status: 413, code: "payload_too_large", message: "the body is larger than the limit of \(limit) bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB)")
    }

    /// 414 for a request target over the limit.
    static func uriTooLong(limit: Int) -> ServingError {
        ServingError(status: 414, code: "uri_too_long", message: "the request target is longer than \(limit) bytes")
    }

    /// 417 for an `Expect` other than `100-continue`.
    static func expectationFailed(_ expect: String) -> ServingError {
        ServingError(status: 417, code: "expectation_failed", message: "unsupported Expect: \(expect)")
    }

    /// 431 for a header section over the limit.
    static func headersTooLarge(limit: Int) -> ServingError {
        ServingError(status: 431, code: "headers_too_large", message: "the request's header section exceeds \(limit) bytes")
    }

    /// 503 when a request cannot wait for a worker.
    static func overloaded(_ refusal: WorkerPool.Refusal) -> ServingError {
        let reason: String
        switch refusal {
        case .waitTooLong(let expected, let budget):
            reason = "the expected wait for a worker (\(Int(expected / 1e6)) ms) exceeds the limit of \(Int(budget / 1e6)) ms (SWERVE_MAX_QUEUE_WAIT)"
        case .tooManyBytes(let limit):
            reason = "the requests waiting for a worker already hold \(limit >> 20) MiB of payload (SWERVE_QUEUE_MAX_MB)"
        case .queueFull(let depth):
            reason = "\(depth) requests are already waiting for a worker (SWERVE_QUEUE_DEPTH)"
        case .stopping:
            reason = "the server is shutting down"
        }
        return ServingError(status: 503, code: "overloaded", message: "\(reason); retry shortly")
    }

    /// 503 from `/ping` while the instance cannot serve (hung workers, a failing deep check).
    static func unhealthy(_ problem: String) -> ServingError {
        ServingError(status: 503, code: "unhealthy", message: problem)
    }

    /// 504 when the model does not answer within SAGEMAKER_MODEL_SERVER_TIMEOUT.
    static func timedOut(after timeout: TimeAmount) -> ServingError {
        let seconds = Double(timeout.nanoseconds) / 1e9
        return ServingError(
            status: 504, code: "model_timeout", message: "the model did not answer within \(seconds) s (SAGEMAKER_MODEL_SERVER_TIMEOUT)")
    }

    // MARK: Multi-model mode

    /// 404 for `/invocations` on a multi-model server, which has no model of its own.
    static func noDefaultModel() -> ServingError {
        ServingError(
            status: 404, code: "not_found", message: "this server runs in multi-model mode: invoke a loaded model with POST /models/{name}/invoke")
    }

    /// 404 for a model name that is not loaded (never loaded, still loading, or unloaded).
    static func modelNotLoaded(_ name: some StringProtocol) -> ServingError {
        ServingError(status: 404, code: "model_not_found", message: "model \(quoted(name)) is not loaded; load it with POST /models")
    }

    /// 409 for a load of a name that is loaded, loading or being unloaded.
    static func modelNameTaken(_ name: String, state: String) -> ServingError {
        ServingError(status: 409, code: "model_already_loaded", message: "model \(quoted(name)) is \(state)")
    }

    /// 400 for a bad `POST /models` body, model name or listing parameter, naming the field.
    static func invalidModelRequest(_ problem: String) -> ServingError {
        ServingError(status: 400, code: "invalid_request", message: problem)
    }

    /// 404 for a load whose `url` names no directory.
    static func modelDirectoryMissing(_ url: String, name: String) -> ServingError {
        ServingError(status: 404, code: "model_directory_not_found", message: "cannot load model \(quoted(name)): no directory at url \(quoted(url))")
    }

    /// 400 for a load whose directory holds no model Swerve can serve, naming the file and field.
    static func modelUnloadable(_ name: String, problem: String) -> ServingError {
        ServingError(status: 400, code: "invalid_model", message: "cannot load model \(quoted(name)): \(problem)")
    }

    /// 507 for a load the memory budget has no room for (SageMaker then unloads unused models
    /// and retries).
    static func modelMemoryExhausted(_ name: String, needed: Int?, used: Int, budget: Int, models: Int) -> ServingError {
        let need = needed.map { "it needs \(mebibytes($0)) MiB, and " } ?? ""
        return ServingError(
            status: 507, code: "insufficient_memory",
            message:
                "cannot load model \(quoted(name)): \(need)\(models) loaded models already use \(mebibytes(used)) MiB of the \(mebibytes(budget)) MiB model memory budget (SWERVE_MODEL_MEMORY_MB); unload a model first"
        )
    }

    /// 503 when too many loads wait for the loader, or the server is stopping.
    static func loaderUnavailable(_ reason: String) -> ServingError {
        ServingError(status: 503, code: "loader_unavailable", message: "\(reason); retry shortly")
    }

    private static func quoted(_ text: some StringProtocol) -> String { "\"\(text)\"" }

    private static func mebibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value >= 10 ? String(Int(value.rounded())) : String(Double(Int(value * 100)) / 100)
    }
}
