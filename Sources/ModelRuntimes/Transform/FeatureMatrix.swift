import CForestWalk

/// The feature vectors of a batch, row-major, in float64 with NaN for a missing value.
///
/// It is what the feature transform produces and every classifier stage reads: the logistic
/// regression in float64, the tree models converting each block to Float as xgboost and
/// scikit-learn do.
public struct FeatureMatrix: FeatureSource, Sendable {
    /// `rowCount * columnCount` values; row `r` starts at `r * columnCount`.
    public var values: [Double]
    public let columnCount: Int

    public init(values: [Double], columnCount: Int) {
        precondition(columnCount > 0 && values.count % columnCount == 0, "values must hold whole rows")
        self.values = values
        self.columnCount = columnCount
    }

    /// An all-zero matrix of `rows` rows.
    public init(rows: Int, columnCount: Int) {
        self.init(values: [Double](repeating: 0, count: rows * columnCount), columnCount: columnCount)
    }

    /// A matrix of `rows` rows whose values are unspecified, in reused storage where there is
    /// some: for a caller that writes every value (the feature transform), and then hands the
    /// storage back with `recycle()`.
    init(uninitializedRows rows: Int, columnCount: Int) {
        self.init(values: ScratchStorage.doubles(count: rows * columnCount), columnCount: columnCount)
    }

    /// Hands the storage back for the next request's matrix.
    consuming func recycle() {
        ScratchStorage.recycle(values)
    }

    public var rowCount: Int { values.count / columnCount }

    public var featureCount: Int { columnCount }

    /// Row `row`'s values.
    public subscript(row row: Int) -> ArraySlice<Double> {
        values[(row * columnCount)..<((row + 1) * columnCount)]
    }

    public func fill(_ rows: Range<Int>, into block: FeatureBlockWriter) {
        fill(rows, into: block, impute: nil)
    }

    /// `fill(_:into:)`, with each NaN of column `j` replaced by `impute[j]` when `impute` is given.
    func fill(_ rows: Range<Int>, into block: FeatureBlockWriter, impute: UnsafePointer<Float>?) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows beyond the matrix")
        guard !rows.isEmpty else { return }
        values.withUnsafeBufferPointer { values in
            swerve_fill_feature_groups(
                values.baseAddress! + rows.lowerBound * columnCount, columnCount, rows.count, impute, block.base, block.groupSize)
        }
    }
}
