/// A `random-forest-classifier/v1` classifier: scikit-learn's SimpleImputer(mean) →
/// RandomForestClassifier, evaluated exactly as scikit-learn does.
///
/// A missing value is imputed, then every value is rounded to float32 (scikit-learn's trees read
/// float32); a split sends `Double(Float(v)) <= threshold` left; p is the float64 sum of the
/// trees' leaf values, in tree order, divided by the number of trees.
///
/// The trees run on the same branch-free `FlatForest` walk as XGBoost (no value is missing after
/// imputation, so every split is marked "missing goes right", the walk's fast case): for a float32 `v`,
/// `Double(v) <= t` holds exactly when `v < t'`, `t'` being the smallest float32 above `t`.
public final class RandomForestModel: ProbabilityModel {
    public let featureNames: [String]
    /// The imputed value of each feature, already rounded to float32.
    let imputeFloats: [Float]
    let forest: FlatForest
    /// Leaf values (p of the positive class), indexed by a leaf's payload.
    let leafValues: [Double]

    public init(document: ArtifactObject) throws {
        let format = try document.string("format")
        guard format == "random-forest-classifier/v1" else {
            throw document.error("format", "expected \"random-forest-classifier/v1\", found \"\(format)\"")
        }
        featureNames = try document.strings("features")
        imputeFloats = try document.doubles("impute", count: featureNames.count).map { Float($0) }
        let trees = try document.objects("trees")
        guard !trees.isEmpty else { throw document.error("trees", "the forest has no trees") }
        var builder = FlatForestBuilder(featureCount: featureNames.count)
        var leafValues: [Double] = []
        for tree in trees {
            let left = try tree.integers("children_left")
            let count = left.count
            let right = try tree.integers("children_right", count: count)
            let features = try tree.integers("feature", count: count)
            let thresholds = try tree.doubles("threshold", count: count)
            let values = try tree.doubles("leaf_p_true", count: count)
            let source = SourceTree(
                leftChildren: left, rightChildren: right, features: features,
                thresholds: thresholds.map(Self.floatThreshold), missingGoesLeft: Array(repeating: false, count: count),
                leafPayloads: (0..<count).map { UInt32(leafValues.count + $0) })
            leafValues += values
            do {
                try builder.add(source, group: 0)
            } catch {
                let field =
                    ["left_children": "children_left", "right_children": "children_right", "split_indices": "feature"][error.field] ?? error.field
                throw tree.error("\(field)[\(error.node)]", error.problem)
            }
        }
        forest = builder.build()
        self.leafValues = leafValues
    }

    public static func load(_ name: String, in directory: ModelDirectory) throws -> RandomForestModel {
        try RandomForestModel(document: try ArtifactObject.read(name, in: directory))
    }

    /// The smallest float32 `t'` with `Double(t') > threshold`, so that `v < t'` ⇔ `Double(v) <= threshold`.
    static func floatThreshold(_ threshold: Double) -> Float {
        let nearest = Float(threshold)
        return Double(nearest) > threshold ? nearest : nearest.nextUp
    }

    public func probabilities(_ features: FeatureMatrix, rows: Range<Int>, into output: UnsafeMutablePointer<Double>) {
        let source = ImputedFloats(matrix: features, impute: imputeFloats)
        let scale = Double(forest.treeCount)
        leafValues.withUnsafeBufferPointer { leafValues in
            forest.forEachBlock(source, rows: rows) { block in
                let out = output + (block.rows.lowerBound - rows.lowerBound)
                let count = block.rows.count
                out.update(repeating: 0, count: count)
                for tree in 0..<forest.treeCount {
                    let leaves = block.leaves(ofTree: tree)
                    for row in 0..<count { out[row] += leafValues[Int(block.payload(leaves[row]))] }
                }
                for row in 0..<count { out[row] /= scale }
            }
        }
    }
}

/// Feature rows with missing values replaced by the forest's imputed values, as float32.
struct ImputedFloats: FeatureSource {
    let matrix: FeatureMatrix
    let impute: [Float]

    var featureCount: Int { matrix.columnCount }

    func fill(_ rows: Range<Int>, into block: FeatureBlockWriter) {
        precondition(impute.count >= matrix.columnCount, "an imputed value for every column")
        impute.withUnsafeBufferPointer { impute in matrix.fill(rows, into: block, impute: impute.baseAddress) }
    }
}
