/// The `tabular-transform/v1` stage: turns raw request rows (the 20 churn fields) into the
/// numeric feature vectors every churn model reads.
///
/// Each input column has one rule: `one_hot` (a 1 in the matching category's feature, all zeros
/// for an unknown or empty value), `binary` (`one` → 1, `zero` → 0, anything else → NaN),
/// `numeric` (the number; empty → NaN) or `drop`. Text is trimmed of surrounding spaces and
/// matched exactly. The document is checked at load: the columns' features must concatenate to
/// the `features` list.
public final class FeatureTransform: Sendable {
    /// How one input column becomes features.
    public enum Encoding: Sendable {
        case oneHot(CategoryIndex)
        case binary(one: [UInt8], zero: [UInt8])
        case numeric
        case drop
    }

    /// One input column, the first of its features in the output vector, and its rule.
    public struct Column: Sendable {
        public var name: String
        public var encoding: Encoding
        public var firstFeature: Int
    }

    public let columns: [Column]
    /// Names of the output features, in order.
    public let featureNames: [String]
    /// The request columns, in CSV order: text for one-hot and binary, number for numeric,
    /// ignored for dropped ones. None is required: an empty field is a missing value.
    public let inputSchema: TabularSchema

    public var featureCount: Int { featureNames.count }

    /// Reads and checks a `tabular-transform/v1` document.
    public init(document: ArtifactObject) throws {
        let format = try document.string("format")
        guard format == "tabular-transform/v1" else {
            throw document.error("format", "expected \"tabular-transform/v1\", found \"\(format)\"")
        }
        let inputNames = try document.strings("input_columns")
        let specs = try document.objects("columns")
        guard specs.count == inputNames.count else {
            throw document.error("columns", "has \(specs.count) rules for \(inputNames.count) input_columns")
        }
        var columns: [Column] = []
        var features: [String] = []
        for (index, spec) in specs.enumerated() {
            let name = try spec.string("name")
            guard name == inputNames[index] else {
                throw spec.error("name", "\"\(name)\" is not input_columns[\(index)] \"\(inputNames[index])\"")
            }
            let (encoding, produced) = try Self.encoding(of: spec)
            columns.append(Column(name: name, encoding: encoding, firstFeature: features.count))
            features += produced
        }
        guard !features.isEmpty else { throw document.error("columns", "no column produces a feature") }
        let declared = try document.strings("features")
        guard declared == features else {
            throw document.error("features", "does not match the concatenated features of columns (\(declared.count) vs \(features.count))")
        }
        if document.contains("num_features") {
            let count = try document.integer("num_features")
            guard count == features.count else { throw document.error("num_features", "\(count), but there are \(features.count) features") }
        }
        self.columns = columns
        self.featureNames = features
        self.inputSchema = TabularSchema(
            columns: columns.map { column in
                switch column.encoding {
                case .oneHot, .binary: .init(name: column.name, kind: .text, isRequired: false)
                case .numeric: .init(name: column.name, kind: .number, isRequired: false)
                case .drop: .init(name: column.name, kind: .ignored, isRequired: false)
                }
            })
    }

    private static func encoding(of spec: ArtifactObject) throws -> (Encoding, [String]) {
        let kind = try spec.string("encoding")
        switch kind {
        case "one_hot":
            let categories = try spec.strings("categories")
            let features = try spec.strings("features", count: categories.count)
            do {
                return (.oneHot(try CategoryIndex(categories)), features)
            } catch {
                throw spec.error("categories[\(error.position)]", "\"\(error.category)\" is listed twice")
            }
        case "binary":
            let one = try spec.string("one")
            let zero = try spec.string("zero")
            guard one != zero else { throw spec.error("zero", "equals \"one\"") }
            return (.binary(one: Array(one.utf8), zero: Array(zero.utf8)), try spec.strings("features", count: 1))
        case "numeric":
            return (.numeric, try spec.strings("features", count: 1))
        case "drop":
            if spec.contains("features") { _ = try spec.strings("features", count: 0) }
            return (.drop, [])
        default:
            throw spec.error("encoding", "unknown \"\(kind)\" (known: one_hot, binary, numeric, drop)")
        }
    }

    /// Loads `name` from `directory`.
    public static func load(_ name: String, in directory: ModelDirectory) throws -> FeatureTransform {
        try FeatureTransform(document: try ArtifactObject.read(name, in: directory))
    }
}
