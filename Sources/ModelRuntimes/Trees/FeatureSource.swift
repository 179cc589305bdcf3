/// Rows of numeric features as a tree model reads them: converted to Float one block of rows at
/// a time, so a batch is converted once and no memory is allocated per row.
///
/// The churn pipeline hands over its row-major feature matrix, the bare XGBoost handler the
/// decoded CSV columns, and the benchmark a Float matrix; tree evaluation is the same for all.
public protocol FeatureSource {
    /// Values per row.
    var featureCount: Int { get }

    /// Writes rows `rows` as Float, `featureCount` values each, NaN for missing: feature `f` of
    /// row `r` goes to `block.row(r - rows.lowerBound)[f * FeatureBlockWriter.featureStep]`.
    func fill(_ rows: Range<Int>, into block: FeatureBlockWriter)
}

/// Where a block's Float features go: groups of `ForestWalker.lanes` rows stored feature-major
/// (feature `f` of the group's rows side by side), so the walk reads every lane of a group from
/// one base address plus a constant offset.
public struct FeatureBlockWriter {
    /// Floats between one feature of a row and the next.
    public static let featureStep = ForestWalker.lanes

    let base: UnsafeMutablePointer<Float>
    /// Floats per group of rows: `lanes * max(featureCount, 1)`.
    let groupSize: Int

    /// Feature 0 of row `index` of the block; feature `f` is at `[f * featureStep]`.
    @inline(__always)
    public func row(_ index: Int) -> UnsafeMutablePointer<Float> {
        base + (index / ForestWalker.lanes) * groupSize + index % ForestWalker.lanes
    }
}

/// A row-major matrix of Float features (NaN = missing), already in the walk's input type.
public struct FloatRows: FeatureSource, Sendable {
    public let values: [Float]
    public let featureCount: Int

    public init(values: [Float], featureCount: Int) {
        precondition(featureCount > 0 && values.count % featureCount == 0, "values must hold whole rows")
        self.values = values
        self.featureCount = featureCount
    }

    public var rowCount: Int { values.count / featureCount }

    public func fill(_ rows: Range<Int>, into block: FeatureBlockWriter) {
        values.withUnsafeBufferPointer { source in
            for row in rows {
                let from = source.baseAddress! + row * featureCount
                let to = block.row(row - rows.lowerBound)
                for feature in 0..<featureCount { to[feature * FeatureBlockWriter.featureStep] = from[feature] }
            }
        }
    }
}

/// Features stored by column, as the tabular codecs decode a CSV request (NaN = missing).
public struct ColumnFeatures: FeatureSource, Sendable {
    public let columns: [NumberColumn]

    public init(columns: [NumberColumn]) {
        self.columns = columns
    }

    public var featureCount: Int { columns.count }

    public func fill(_ rows: Range<Int>, into block: FeatureBlockWriter) {
        for (feature, column) in columns.enumerated() {
            column.withUnsafeBufferPointer { values in
                let offset = feature * FeatureBlockWriter.featureStep
                for row in rows { block.row(row - rows.lowerBound)[offset] = Float(values[row]) }
            }
        }
    }
}
