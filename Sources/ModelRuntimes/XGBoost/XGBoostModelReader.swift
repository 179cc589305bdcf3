/// The learner-level parts of an XGBoost JSON model: version, objective and class count,
/// `base_score` in both its stored forms, feature names, and the booster with its trees.
///
/// Anything Swerve cannot evaluate exactly (dart, gblinear, multi-target, an unknown objective,
/// arrays whose lengths disagree) is refused here, naming the field.
enum XGBoostModelReader {
    /// `version` must be `[major, minor, patch]` with major ≥ 1; tree arrays are unchanged since 1.x.
    static func checkVersion(_ root: ArtifactObject) throws {
        let version = try root.integers("version", in: 0...Int(Int32.max))
        guard let major = version.first, major >= 1 else {
            throw root.error("version", "expected [major, minor, patch] with major ≥ 1, found \(version)")
        }
    }

    static func objectiveAndGroups(_ learner: ArtifactObject, parameters: ArtifactObject) throws -> (XGBoostObjective, Int) {
        let objectiveObject = try learner.object("objective")
        let name = try objectiveObject.string("name")
        guard let objective = XGBoostObjective(rawValue: name) else {
            let known = XGBoostObjective.allCases.map(\.rawValue).joined(separator: ", ")
            throw objectiveObject.error("name", "objective \"\(name)\" is not supported (supported: \(known))")
        }
        if parameters.contains("num_target") {
            let targets = try parameters.integerString("num_target", in: 0...Int(Int32.max))
            guard targets <= 1 else { throw parameters.error("num_target", "\(targets): multi-target models are not supported") }
        }
        let classes = parameters.contains("num_class") ? try parameters.integerString("num_class", in: 0...65_536) : 0
        if objective.isMultiClass {
            guard classes >= 1 else { throw parameters.error("num_class", "\(name) needs num_class ≥ 1, found \(classes)") }
            return (objective, classes)
        }
        guard classes <= 1 else { throw parameters.error("num_class", "\(classes) classes with the single-output objective \(name)") }
        return (objective, 1)
    }

    /// The stored base score per group: `"[5E-1]"`, `"[a,b,c]"` (3.1+) or a bare `"5E-1"`
    /// (older models; repeated for every group). Each is parsed to Double, then rounded to Float.
    static func baseScore(_ parameters: ArtifactObject, groups: Int) throws -> [Float] {
        let text = try parameters.string("base_score")
        var body = Substring(text).trimmingASCIISpaces()
        let bracketed = body.hasPrefix("[") && body.hasSuffix("]")
        if bracketed { body = body.dropFirst().dropLast() }
        var values: [Float] = []
        for piece in body.split(separator: ",", omittingEmptySubsequences: false) {
            let literal = Array(piece.trimmingASCIISpaces().utf8)
            guard let value = literal.withUnsafeBytes({ DecimalParser.parse($0) }), value.isFinite else {
                throw parameters.error("base_score", "\"\(text)\" is not a number or a bracketed list of numbers")
            }
            values.append(Float(value))
        }
        if !bracketed, values.count == 1 { return Array(repeating: values[0], count: groups) }
        guard values.count == groups else {
            throw parameters.error("base_score", "\(values.count) values for \(groups) output groups")
        }
        return values
    }

    static func featureNames(_ learner: ArtifactObject, count: Int) throws -> [String] {
        let names = learner.contains("feature_names") ? try learner.strings("feature_names") : []
        if names.isEmpty { return (0..<count).map { "f\($0)" } }
        guard names.count == count else {
            throw learner.error("feature_names", "has \(names.count) names, num_feature is \(count)")
        }
        return names
    }

    /// The trees of a `gbtree` booster, checked against `gbtree_model_param`, `tree_info` and
    /// `iteration_indptr`, and flattened.
    static func forest(_ learner: ArtifactObject, featureCount: Int, groups: Int) throws -> FlatForest {
        let booster = try learner.object("gradient_booster")
        let kind = try booster.string("name")
        guard kind == "gbtree" else {
            throw booster.error("name", "\"\(kind)\" boosters are not supported (only gbtree; dart and gblinear are refused)")
        }
        let model = try booster.object("model")
        let trees = try model.objects("trees")
        let modelParameters = try model.object("gbtree_model_param")
        let declared = try modelParameters.integerString("num_trees", in: 0...Int(Int32.max))
        guard declared == trees.count else {
            throw modelParameters.error("num_trees", "says \(declared) trees, the model has \(trees.count)")
        }
        let treeInfo = try model.integers("tree_info", count: trees.count, in: 0...(groups - 1))
        if model.contains("iteration_indptr") { try checkIterations(model, treeCount: trees.count) }
        var builder = FlatForestBuilder(featureCount: featureCount)
        for (index, tree) in trees.enumerated() {
            let source = try XGBoostTreeReader.read(tree, index: index)
            do {
                try builder.add(source, group: Int(treeInfo[index]))
            } catch {
                throw tree.error("\(error.field)[\(error.node)]", error.problem)
            }
        }
        return builder.build()
    }

    /// `iteration_indptr` must run from 0 to the tree count without going back.
    private static func checkIterations(_ model: ArtifactObject, treeCount: Int) throws {
        let bounds = try model.integers("iteration_indptr", in: 0...Int(Int32.max))
        guard bounds.first == 0, bounds.last.map(Int.init) == treeCount, zip(bounds, bounds.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw model.error("iteration_indptr", "expected non-decreasing bounds from 0 to \(treeCount)")
        }
    }
}
