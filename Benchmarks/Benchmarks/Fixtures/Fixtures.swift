import Foundation
import ModelRuntimes

/// The repository's files as the benchmark targets use them (found from this source file's place
/// in the repository): one place for the path arithmetic, the golden churn requests and the
/// shipped models, whichever benchmark reads them.
public enum Fixtures {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The 200 churn requests of the golden vectors, without their header.
    public static func churnRows() -> [String] {
        let path = repository + "/Tests/ModelRuntimesTests/Fixtures/golden/churn-requests.csv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fatalError("cannot read \(path)") }
        return Array(text.split(separator: "\n").dropFirst().map(String.init))
    }

    /// A shipped model from `model-artifacts/`, loaded with the built-in handlers.
    public static func model(_ name: String) throws -> LoadedModel {
        try HandlerRegistry.builtIn.load(ModelDirectory(path: repository + "/model-artifacts/" + name))
    }
}
