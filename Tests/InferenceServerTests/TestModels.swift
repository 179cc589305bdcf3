import Foundation
import ModelRuntimes

/// A model whose behaviour the request chooses, to exercise the server without a real model:
/// `echo:TEXT` answers TEXT, `sleep:MS` answers after MS milliseconds, `bad` is a 400,
/// `crash` throws a non-serving error (a 500).
struct ScriptedModel: ModelHandler {
    static func load(from directory: ModelDirectory) throws -> ScriptedModel { ScriptedModel() }

    var inputContentTypes: [MediaType] { [MediaType("text", "plain"), .json] }
    var outputContentTypes: [MediaType] { [MediaType("text", "plain"), .json] }

    func decodeInput(_ payload: UnsafeRawBufferPointer, contentType: MediaType, context: InvocationContext) throws -> String {
        String(decoding: payload, as: UTF8.self)
    }

    func predict(_ input: String, context: InvocationContext) throws -> String {
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
