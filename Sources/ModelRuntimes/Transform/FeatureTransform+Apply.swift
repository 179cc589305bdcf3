extension FeatureTransform {
    /// Writes the features of rows `rows` of `batch` (decoded with `inputSchema`) into
    /// `destination`, row-major, `featureCount` values per row, row `rows.lowerBound` first.
    ///
    /// A number the float32 tree models cannot represent (beyond ±3.4e38) is refused with a 400
    /// naming the row and column; every other value has a defined feature.
    public func apply(_ batch: TabularBatch, rows: Range<Int>, into destination: UnsafeMutablePointer<Double>) throws {
        // A block of rows at a time, every column for the block: the block's part of the matrix
        // (64 rows of the churn model's 71 features, 36 KB) stays in the core's cache while each
        // column writes its features, instead of every column sweeping the whole matrix.
        var start = rows.lowerBound
        while start < rows.upperBound {
            let block = start..<min(start + Self.blockRows, rows.upperBound)
            try applyColumns(batch, rows: block, into: destination + (start - rows.lowerBound) * featureCount)
            start = block.upperBound
        }
    }

    /// Rows per block in `apply`.
    static let blockRows = 64

    private func applyColumns(_ batch: TabularBatch, rows: Range<Int>, into destination: UnsafeMutablePointer<Double>) throws {
        let width = featureCount
        for (index, column) in columns.enumerated() {
            var out = destination + column.firstFeature
            switch column.encoding {
            case .oneHot(let categories):
                let text = batch.text(index)
                let count = categories.categories.count
                for row in rows {
                    out.update(repeating: 0, count: count)
                    if let position = text.withUTF8(row, { categories.position(of: Self.trimmed($0)) }) { out[position] = 1 }
                    out += width
                }
            case .binary(let one, let zero):
                let text = batch.text(index)
                for row in rows {
                    out.pointee = text.withUTF8(row) { bytes in
                        let value = Self.trimmed(bytes)
                        if value.elementsEqual(one) { return 1 }
                        if value.elementsEqual(zero) { return 0 }
                        return .nan
                    }
                    out += width
                }
            case .numeric:
                let numbers = batch.numbers(index)
                for row in rows {
                    let value = numbers[row]
                    guard value.isNaN || abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                        throw batch.invalidValue(
                            row: row, column: index, "\(NumberText.shortest(value)) is outside the float32 range the models compute in")
                    }
                    out.pointee = value
                    out += width
                }
            case .drop:
                break
            }
        }
    }

    /// The features of every row of `batch`.
    public func apply(_ batch: TabularBatch) throws -> FeatureMatrix {
        var matrix = FeatureMatrix(rows: batch.rowCount, columnCount: featureCount)
        guard batch.rowCount > 0 else { return matrix }
        try matrix.values.withUnsafeMutableBufferPointer { values in
            try apply(batch, rows: 0..<batch.rowCount, into: values.baseAddress!)
        }
        return matrix
    }

    /// `bytes` without leading and trailing spaces and tabs.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }
}
