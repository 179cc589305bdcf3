/// The open list of model handlers a manifest's `handler` field may name, and of classifier
/// formats an ensemble or pipeline member may name.
///
/// Built-in handlers are registered exactly like a user's own: `HandlerRegistry.builtIn` is a
/// registry with Swerve's handlers in it, and a package that adds a model registers its handler
/// type under a name of its choosing (`registry.register(KNNHandler.self, as: "knn")`), then hands
/// the registry to the server (`Swerve.main(handlers:)` does both).
public struct HandlerRegistry: Sendable {
    /// Loads a handler from a model directory whose manifest names it.
    public typealias HandlerLoader = @Sendable (ModelArtifacts) throws -> any ModelHandler
    /// Loads a probability model from file `file` of a composite model's directory.
    public typealias ClassifierLoader = @Sendable (_ file: String, _ artifacts: ModelArtifacts) throws -> any ProbabilityModel

    /// A member format: its loader and the stage name a member of it gets when it has no `name`.
    struct ClassifierFormat: Sendable {
        var load: ClassifierLoader
        var defaultStageName: String
    }

    private var handlers: [String: HandlerLoader] = [:]
    private var classifiers: [String: ClassifierFormat] = [:]

    /// An empty registry.
    public init() {}

    /// Swerve's own handlers (`linear-regression`, `xgboost`, `ensemble`, `pipeline`) and member
    /// formats (`xgboost-json`, `logistic-regression/v1`, `random-forest-classifier/v1`).
    public static let builtIn: HandlerRegistry = {
        var registry = HandlerRegistry()
        registry.register(LinearRegressionHandler.self, as: "linear-regression")
        registry.register(XGBoostHandler.self, as: "xgboost")
        registry.register(EnsembleHandler.self, as: "ensemble")
        registry.register(PipelineHandler.self, as: "pipeline")
        registry.register(classifierFormat: "xgboost-json", stageName: "xgboost") { file, artifacts in
            try XGBoostProbabilityModel(try XGBoostModel.load(file, in: artifacts.directory), file: artifacts.directory.url(file))
        }
        registry.register(classifierFormat: "logistic-regression/v1", stageName: "logistic_regression") { file, artifacts in
            try LogisticRegressionModel.load(file, in: artifacts.directory)
        }
        registry.register(classifierFormat: "random-forest-classifier/v1", stageName: "random_forest") { file, artifacts in
            try RandomForestModel.load(file, in: artifacts.directory)
        }
        return registry
    }()

    /// Registers `handler` under `name`; a later registration of the same name replaces it.
    public mutating func register(_ handler: any ModelHandler.Type, as name: String) {
        handlers[name] = { artifacts in try handler.load(from: artifacts) }
    }

    /// Registers a loader under `name`, for handlers that are not loaded through a type's `load`.
    public mutating func register(handlerNamed name: String, loader: @escaping HandlerLoader) {
        handlers[name] = loader
    }

    /// Registers a member format for ensembles and pipelines; `stageName` names the stage of a
    /// member that has no `name` of its own.
    public mutating func register(classifierFormat format: String, stageName: String, loader: @escaping ClassifierLoader) {
        classifiers[format] = ClassifierFormat(load: loader, defaultStageName: stageName)
    }

    /// The registered handler names, sorted.
    public var handlerNames: [String] { handlers.keys.sorted() }

    /// The registered member formats, sorted.
    public var classifierFormats: [String] { classifiers.keys.sorted() }

    /// Loads the model in `directory`, or throws a `ModelLoadError` naming the file and the problem.
    ///
    /// A directory with `manifest.json` is loaded by the handler its `handler` field names. One
    /// without a manifest that holds a single XGBoost JSON model is served as that model, as
    /// SageMaker's XGBoost container allows.
    public func load(_ directory: ModelDirectory) throws -> LoadedModel {
        let manifest =
            directory.fileExists(ModelManifest.fileName)
            ? try ModelManifest.read(from: directory) : try BareXGBoostDirectory.manifest(for: directory)
        guard let loader = handlers[manifest.handler] else {
            throw manifest.settings.error("handler", "unknown handler \"\(manifest.handler)\" (registered: \(handlerNames.joined(separator: ", ")))")
        }
        let handler = try loader(ModelArtifacts(directory: directory, manifest: manifest, registry: self))
        return LoadedModel(name: manifest.name, handler: handler, sample: manifest.sample ?? handler.defaultSample)
    }

    /// The loader of member format `format`, or an error naming field `format` of `document`.
    func classifierFormat(_ format: String, in document: ArtifactObject) throws -> ClassifierFormat {
        guard let entry = classifiers[format] else {
            throw document.error("format", "unknown model format \"\(format)\" (registered: \(classifierFormats.joined(separator: ", ")))")
        }
        return entry
    }
}

/// A model ready to serve: its name (for logs and metric labels), its handler, and the sample
/// request health checks send it.
public struct LoadedModel: Sendable {
    public let name: String
    public let handler: any ModelHandler
    public let sample: SampleRequest?

    public init(name: String, handler: any ModelHandler, sample: SampleRequest? = nil) {
        self.name = name
        self.handler = handler
        self.sample = sample
    }
}
