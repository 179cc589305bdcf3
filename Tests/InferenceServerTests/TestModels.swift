import Foundation
import InferenceServer
import ModelRuntimes

/// Named gates a test opens to let a blocked model call finish: deterministic "slow" requests,
/// independent of how loaded the machine is.
final class Gates: @unchecked Sendable {
    static let shared = Gates()
    private let condition = NSCondition()
    private var open: Set<String> = []

    /// Blocks until `name` is opened (true), or 30 s pass (false).
    func wait(_ name: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(30)
        while !open.contains(name) {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    func isOpen(_ name: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return open.contains(name)
    }

    func open(_ name: String) {
        condition.lock()
        open.insert(name)
        condition.broadcast()
        condition.unlock()
    }
}

/// A model whose behaviour the request chooses, to exercise the server without a real model:
/// `echo:TEXT` answers TEXT, `sleep:MS` answers after MS milliseconds, `wait:NAME` answers when
/// the test opens gate NAME, `spin:MS` burns MS of CPU time, `bad` is a 400,
/// `crash` throws a non-serving error (a 500).
struct ScriptedModel: ModelHandler {
    static func load(from artifacts: ModelArtifacts) throws -> ScriptedModel { ScriptedModel() }

    /// A deep health check's request: answered with 200 until gate NAME opens, then a 500 (a
    /// model that starts failing).
    static func sample(failingAfter gate: String) -> SampleRequest {
        SampleRequest(contentType: "text/plain", body: Array("probe:\(gate)".utf8))
    }

    var inputContentTypes: [MediaType] { [MediaType("text", "plain"), .json] }
    var outputContentTypes: [MediaType] { [MediaType("text", "plain"), .json] }
    var stageNames: [String] { ["think"] }

    func decodeInput(_ payload: UnsafeRawBufferPointer, contentType: MediaType, context: InvocationContext) throws -> String {
        String(decoding: payload, as: UTF8.self)
    }

    func predict(_ input: String, context: InvocationContext) throws -> String {
        try context.measure(stage: 0) { try answer(input, context: context) }
    }

    private func answer(_ input: String, context: InvocationContext) throws -> String {
        if input.hasPrefix("spin:"), let milliseconds = UInt64(input.dropFirst(5)) {
            // Burns this much CPU time (not wall time), however loaded the machine is.
            let end = CPUClock.threadNanoseconds() + milliseconds * 1_000_000
            var x = 0.0
            while CPUClock.threadNanoseconds() < end { for i in 0..<1000 { x += Double(i).squareRoot() } }
            return x > 0 ? "spun" : ""
        }
        if input.hasPrefix("wait:") {
            let name = String(input.dropFirst(5))
            return Gates.shared.wait(name) ? "released \(name)" : "gate \(name) never opened"
        }
        if input.hasPrefix("sleep:"), let milliseconds = UInt64(input.dropFirst(6)) {
            // Sleeps this long even when signals (SIGCHLD from other tests' processes) cut a sleep short.
            let end = CPUClock.monotonicNanoseconds() + milliseconds * 1_000_000
            while CPUClock.monotonicNanoseconds() < end {
                usleep(UInt32(min(100_000, (end - CPUClock.monotonicNanoseconds()) / 1000 + 1)))
            }
            return "slept \(milliseconds)"
        }
        if input.hasPrefix("probe:") {
            if Gates.shared.isOpen(String(input.dropFirst(6))) { throw ServingError.internalError("the scripted model broke") }
            return "healthy"
        }
        if input == "bad" { throw ServingError.invalidInput(row: 2, column: 3, "scripted problem") }
        if input == "crash" { throw CocoaError(.featureUnsupported) }
        if input.hasPrefix("attributes") { return context.customAttributes ?? "none" }
        return input.hasPrefix("echo:") ? String(input.dropFirst(5)) : input
    }

    func encodeOutput(_ output: String, accept: MediaType, context: InvocationContext) throws -> [UInt8] {
        Array(output.utf8)
    }
}
