/// The label stage of a classifier deployment: `classes[1]` when `p_true > threshold`, else
/// `classes[0]` (`"True."` / `"False."` for churn).
public struct LabelRule: Sendable {
    /// The negative class, then the positive one.
    public let classes: [String]
    public let threshold: Double

    public init(classes: [String], threshold: Double) {
        precondition(classes.count == 2, "two classes")
        self.classes = classes
        self.threshold = threshold
    }

    /// Reads `{"classes": [negative, positive], "threshold": 0.5}`.
    public init(document: ArtifactObject) throws {
        let classes = try document.strings("classes", count: 2)
        guard classes[0] != classes[1] else { throw document.error("classes", "both classes are \"\(classes[0])\"") }
        let threshold = try document.double("threshold")
        guard threshold > 0, threshold < 1 else { throw document.error("threshold", "\(threshold) is not between 0 and 1") }
        self.init(classes: classes, threshold: threshold)
    }

    /// 1 for the positive class, 0 for the negative one.
    @inline(__always)
    public func classIndex(_ pTrue: Double) -> Int { pTrue > threshold ? 1 : 0 }
}

/// What a classifier deployment writes per row in CSV: SageMaker-style consumers such as an
/// Aurora ML function declared `RETURNS BOOLEAN` read `1`/`0`.
public enum ClassifierCSVOutput: String, Sendable, CaseIterable {
    /// `1` for the positive class, `0` for the negative one (the default).
    case label01
    /// `p_true`, the probability of the positive class.
    case probability
    /// The class name (`True.` / `False.`).
    case label

    /// The manifest's optional `csv_output` setting; `label01` when absent.
    public init(settings: ArtifactObject) throws {
        guard settings.contains("csv_output") else {
            self = .label01
            return
        }
        let text = try settings.string("csv_output")
        guard let mode = ClassifierCSVOutput(rawValue: text) else {
            throw settings.error("csv_output", "expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(text)\"")
        }
        self = mode
    }

    /// The custom attribute that overrides the manifest per request: `output=probability`.
    static let attribute = "output"

    /// The mode a request asks for, or `fallback`; an unknown value is a 400.
    static func requested(by context: InvocationContext, fallback: ClassifierCSVOutput) throws -> ClassifierCSVOutput {
        guard let value = context.customAttribute(attribute) else { return fallback }
        guard let mode = ClassifierCSVOutput(rawValue: value.lowercased()) else {
            throw ServingError.invalidInput(
                "custom attribute \(attribute)=\(value) is not one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }
}
