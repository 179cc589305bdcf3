/// A model's answers for a batch, one named column per output field.
///
/// The shared encoders write it as JSON objects (one per row, with every field), JSON Lines, or
/// CSV (one line per row, the `csvFields` comma-separated), so a model states its outputs once.
public struct PredictionTable: Sendable {
    /// One output field.
    public struct Field: Sendable {
        /// The JSON key.
        public var name: String
        public var values: PredictionValues

        public init(name: String, values: PredictionValues) {
            self.name = name
            self.values = values
        }
    }

    /// Number of rows; every field has this many values.
    public let rowCount: Int
    public var fields: [Field]
    /// Positions in `fields` of the values a CSV line carries, in order.
    public var csvFields: [Int]

    public init(rowCount: Int, fields: [Field], csvFields: [Int]? = nil) {
        for field in fields { precondition(field.values.count == rowCount, "field \(field.name) has the wrong length") }
        self.rowCount = rowCount
        self.fields = fields
        self.csvFields = csvFields ?? Array(fields.indices)
    }
}

/// The values of one output field, with how numbers are written.
public enum PredictionValues: Sendable {
    /// Float64 values, written as the shortest text that reads back to the same Double, after
    /// rounding to `decimals` places when given.
    case double([Double], decimals: Int?)
    /// Float32 values, written as the shortest text that reads back to the same Float.
    case float([Float])
    case integer([Int])
    case text([String])
    case bool([Bool])

    public var count: Int {
        switch self {
        case .double(let values, _): values.count
        case .float(let values): values.count
        case .integer(let values): values.count
        case .text(let values): values.count
        case .bool(let values): values.count
        }
    }
}

/// A prediction and the framing of the request it answers.
public struct TabularPrediction: Sendable {
    public var table: PredictionTable
    public var shape: RecordShape

    public init(table: PredictionTable, shape: RecordShape) {
        self.table = table
        self.shape = shape
    }
}
