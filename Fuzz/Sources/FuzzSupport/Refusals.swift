import ModelRuntimes

/// The rule every fuzz target enforces: hostile input may be refused, but only with a 4xx
/// `ServingError`, the answer a client gets for its own mistake. Any other error (a 5xx, a
/// foreign error type) is a finding, and so is a trap; both stop the fuzzer with the input saved.
public enum Refusals {
    /// Runs `body`; returns its value, or nil when it refused the input with a 4xx.
    /// - Parameter payload: the request body, when the step reads one: a refusal's message is
    ///   then checked against it (`BodyMessages`).
    public static func allowingClientErrors<T>(_ step: String, payload: UnsafeRawBufferPointer? = nil, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let error as ServingError where (400..<500).contains(error.status) {
            check(!error.message.isEmpty, "\(step): a \(error.status) without a message")
            if let payload { BodyMessages.check(error.message, body: payload) }
            return nil
        } catch {
            finding("\(step) threw \(String(reflecting: error))")
        }
    }

    /// Runs `body` (loading a model); returns its value, or nil when it refused the artifact with
    /// a `ModelLoadError` (what `swerve serve` prints before exiting 1).
    public static func allowingLoadErrors<T>(_ step: String, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let error as ModelLoadError {
            check(!error.problem.isEmpty, "\(step): a load error without a problem")
            return nil
        } catch {
            finding("\(step) threw \(String(reflecting: error))")
        }
    }

    /// Stops the run: the fuzzer saves the input that got here as a crash.
    public static func finding(_ what: String) -> Never {
        fatalError("FUZZ FINDING: \(what)")
    }

    /// A finding unless `condition` holds.
    public static func check(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { finding(what()) }
    }
}
