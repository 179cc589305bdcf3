/// What a handler may know about the request it serves, beyond the payload.
///
/// One context exists per invocation and is used by one thread at a time, so it can carry the
/// per-request hooks cheaply: the custom-attributes header, the stage recorder behind per-container
/// metrics, and the executor that lets a large batch spread over the worker pool.
public struct InvocationContext: Sendable {
    /// The raw `X-Amzn-SageMaker-Custom-Attributes` header, if the client sent one.
    public var customAttributes: String?
    /// Receives the latency and CPU time of each named stage; nil when nobody is measuring.
    public var stageRecorder: (any StageRecorder)?
    /// Runs independent chunks of one request's work in parallel.
    public var executor: any ParallelExecutor

    public init(
        customAttributes: String? = nil,
        stageRecorder: (any StageRecorder)? = nil,
        executor: any ParallelExecutor = SerialExecutor()
    ) {
        self.customAttributes = customAttributes
        self.stageRecorder = stageRecorder
        self.executor = executor
    }

    /// Runs `body` as stage `stage` (an index into the handler's `stageNames`), reporting its
    /// wall and CPU time to the recorder, if any.
    @inlinable
    public func measure<T>(stage: Int, _ body: () throws -> T) rethrows -> T {
        guard let recorder = stageRecorder else { return try body() }
        let start = recorder.stageStarted()
        defer { recorder.stageEnded(stage, since: start) }
        return try body()
    }

    /// The stage number that stands for decoding (`input_fn`): work an input codec spreads over
    /// the executor is charged there.
    public static let inputStage = -1

    /// Runs `count` independent chunks of stage `stage` through the executor, and charges the CPU
    /// time other threads spent on them to that stage.
    public func forEachChunk(_ count: Int, stage: Int, _ body: @Sendable (Int) -> Void) {
        let helperNanoseconds = executor.forEach(count, body)
        if helperNanoseconds > 0 { stageRecorder?.addCPUTime(stage, nanoseconds: helperNanoseconds) }
    }

    /// The value of `key` in the custom attributes, read as `key=value` pairs separated by `,` or `;`.
    ///
    /// SageMaker passes the header through unchanged; this is the convention Swerve's own models
    /// use (`output=probability`).
    public func customAttribute(_ key: String) -> String? {
        guard let customAttributes else { return nil }
        for pair in customAttributes.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            if pair[..<equals].trimmingASCIISpaces().lowercased() == key.lowercased() {
                return String(pair[pair.index(after: equals)...].trimmingASCIISpaces())
            }
        }
        return nil
    }
}
