/// Rows of numeric features as a tree model reads them: converted to Float one block of rows at
/// a time, so a batch is converted once and no memory is allocated per row.
///
/// The churn pipeline hands over its row-major feature matrix, the bare XGBoost handler the
/// decoded CSV columns, and the benchmark a Float matrix; tree evaluation is the same for all.
public protocol FeatureSource {
    /// Values per row.
    var featureCount: Int { get }

    /// Writes rows `rows` as Float: row `r` at `destination + (r - rows.lowerBound) * stride`,
    /// `featureCount` values, NaN for missing.
    func fill(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>, stride: Int)
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

    public func fill(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>, stride: Int) {
        values.withUnsafeBufferPointer { source in
            for row in rows {
                let from = source.baseAddress! + row * featureCount
                (destination + (row - rows.lowerBound) * stride).update(from: from, count: featureCount)
            }
        }
    }
}

/// Features stored by column, as the tabular codecs decode a CSV request (NaN = missing).
public struct ColumnFeatures: FeatureSource, Sendable {
    public let columns: [[Double]]

    public init(columns: [[Double]]) {
        self.columns = columns
    }

    public var featureCount: Int { columns.count }

    public func fill(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>, stride: Int) {
        for (feature, column) in columns.enumerated() {
            column.withUnsafeBufferPointer { values in
                for row in rows { destination[(row - rows.lowerBound) * stride + feature] = Float(values[row]) }
            }
        }
    }
}
