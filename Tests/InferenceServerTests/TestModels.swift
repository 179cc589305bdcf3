import Foundation
import ModelRuntimes

/// A model whose behaviour the request chooses, to exercise the server without a real model:
/// `echo:TEXT` answers TEXT, `sleep:MS` answers after MS milliseconds, `bad` is a 400,
/// `crash` throws a non-serving error (a 500).
struct ScriptedModel: ModelHandler {
    static func load(from directory: ModelDirectory) throws -> ScriptedModel { ScriptedModel() }

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
        if input.hasPrefix("spin:"), let milliseconds = Double(input.dropFirst(5)) {
            let end = Date().addingTimeInterval(milliseconds / 1000)
            var x = 0.0
            while Date() < end { for i in 0..<1000 { x += Double(i).squareRoot() } }
            return x > 0 ? "spun" : ""
        }
        if input.hasPrefix("sleep:"), let milliseconds = UInt32(input.dropFirst(6)) {
            usleep(milliseconds * 1000)
            return "slept \(milliseconds)"
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
