import ModelRuntimes

/// The models in `model-artifacts/`, loaded once per fuzzing process, so that targets feed
/// hostile bodies to the real schemas and the real prediction code.
public enum ShippedModels {
    /// The repository root, found from this file's place in `Fuzz/Sources/FuzzSupport/`.
    public static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    public static func directory(_ name: String) -> ModelDirectory {
        ModelDirectory(path: "\(repositoryRoot)/model-artifacts/\(name)")
    }

    /// `real-estate` (one numeric column) and `churn` (twenty columns: text, numbers, an
    /// ignored phone number), as `swerve serve` loads them.
    public static let handlers: [any ModelHandler] = ["real-estate", "churn"].map { name in
        do {
            return try HandlerRegistry.builtIn.load(directory(name)).handler
        } catch {
            fatalError("cannot load the shipped model \(name): \(error)")
        }
    }

    /// The schemas the tabular decoders are fuzzed against: the shipped models' own, and two
    /// made-up ones that reach the paths they do not (required text, more than 64 columns).
    public static let schemas: [TabularSchema] =
        handlers.compactMap { ($0 as? any TabularModelHandler)?.inputSchema } + [
            TabularSchema(columns: [
                .init(name: "state", kind: .text, isRequired: true),
                .init(name: "calls", kind: .number, isRequired: false),
                .init(name: "phone", kind: .ignored, isRequired: false),
                .init(name: "minutes", kind: .number, isRequired: true),
            ]),
            TabularSchema(columns: (0..<70).map { .init(name: "f\($0)", kind: $0 % 7 == 3 ? .text : .number, isRequired: false) }),
        ]
}
