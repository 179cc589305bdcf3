import Foundation
import ModelRuntimes
import Testing

/// Paths and helpers shared by the runtime tests.
enum TestSupport {
    /// The repository root, found from this file's location.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The artifacts of a shipped model directory, as the registry hands them to a handler.
    static func artifacts(_ directory: ModelDirectory) throws -> ModelArtifacts {
        ModelArtifacts(directory: directory, manifest: try ModelManifest.read(from: directory), registry: .builtIn)
    }

    static func modelDirectory(_ name: String) -> ModelDirectory {
        ModelDirectory(path: repositoryRoot.appendingPathComponent("model-artifacts/\(name)").path)
    }

    /// A golden fixture's text.
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/golden/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Runs decode, predict and encode on `body`, as the server would.
    static func invoke<H: ModelHandler>(
        _ handler: H, _ body: String, contentType: MediaType = .json, accept: MediaType = .json,
        context: InvocationContext = InvocationContext()
    ) throws -> String {
        let bytes = Array(body.utf8)
        let input = try bytes.withUnsafeBytes { try handler.decodeInput($0, contentType: contentType, context: context) }
        let output = try handler.predict(input, context: context)
        return String(decoding: try handler.encodeOutput(output, accept: accept, context: context), as: UTF8.self)
    }

    /// The ServingError `body` produces, or nil if it succeeds.
    static func error<H: ModelHandler>(_ handler: H, _ body: String, contentType: MediaType = .json) -> ServingError? {
        do {
            _ = try invoke(handler, body, contentType: contentType)
            return nil
        } catch let error as ServingError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }
}
