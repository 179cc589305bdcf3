import ModelRuntimes

/// Everything a decoded batch holds, as comparable values (numbers by bit pattern, so NaN
/// equals NaN), to check that two ways of decoding one body agree exactly.
public struct BatchFingerprint: Equatable {
    public var rowCount: Int
    public var numbers: [[UInt64]] = []
    public var texts: [[String]] = []

    public init(_ batch: TabularBatch) {
        rowCount = batch.rowCount
        for column in batch.columns {
            switch column {
            case .number(let values): numbers.append((0..<values.count).map { values[$0].bitPattern })
            case .text(let values): texts.append((0..<values.count).map { values[$0] })
            case .ignored: break
            }
        }
    }

    /// Findings unless the batch is well formed: at least one row, and every stored column
    /// holding exactly one value per row.
    public static func checkShape(_ batch: TabularBatch, _ step: String) {
        Refusals.check(batch.rowCount >= 1, "\(step): a batch of \(batch.rowCount) rows was accepted")
        for (index, column) in batch.columns.enumerated() {
            switch column {
            case .number(let values):
                Refusals.check(values.count == batch.rowCount, "\(step): column \(index) has \(values.count) values for \(batch.rowCount) rows")
            case .text(let values):
                Refusals.check(values.count == batch.rowCount, "\(step): column \(index) has \(values.count) values for \(batch.rowCount) rows")
            case .ignored: break
            }
        }
    }
}
