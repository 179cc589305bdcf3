/// A batch of decoded records, stored by column.
///
/// Every codec (JSON, CSV, JSON Lines) produces this, so a model reads its input the same way
/// whatever the client sent. Columnar storage lets a stage walk one feature over all rows, and
/// `shape` remembers how the records arrived, so the reply can mirror the request.
public struct TabularBatch: Sendable {
    public let schema: TabularSchema
    /// Number of records.
    public let rowCount: Int
    /// How the records were framed in the request.
    public let shape: RecordShape
    /// One entry per schema column, same order.
    public let columns: [TabularColumn]

    public init(schema: TabularSchema, rowCount: Int, shape: RecordShape, columns: [TabularColumn]) {
        precondition(columns.count == schema.count, "one column per schema column")
        self.schema = schema
        self.rowCount = rowCount
        self.shape = shape
        self.columns = columns
    }

    /// The values of numeric column `index` (NaN where missing).
    public func numbers(_ index: Int) -> NumberColumn {
        guard case .number(let values) = columns[index] else {
            preconditionFailure("column \(schema.columns[index].name) is not numeric")
        }
        return values
    }

    /// The values of text column `index` (empty where missing).
    public func text(_ index: Int) -> TextColumn {
        guard case .text(let values) = columns[index] else {
            preconditionFailure("column \(schema.columns[index].name) is not text")
        }
        return values
    }
}

/// How a request framed its records; the response is framed the same way.
public enum RecordShape: Sendable, Equatable {
    /// One JSON object: the reply is one object.
    case single
    /// A JSON array of records: the reply is an array.
    case list
    /// `{"instances": [...]}`: the reply is `{"predictions": [...]}`.
    case instances
    /// One record per line (CSV, JSON Lines): the reply has one line per record.
    case lines
}

/// The stored values of one column.
public enum TabularColumn: Sendable {
    case number(NumberColumn)
    case text(TextColumn)
    case ignored
}

/// The values of one numeric column: a view of storage that the batch's numeric columns may
/// share (the CSV decoder fills one buffer for all of them: one allocation, not one per column).
public struct NumberColumn: Sendable {
    private let storage: [Double]
    private let offset: Int
    /// Number of values.
    public let count: Int

    /// A column of its own.
    public init(_ values: [Double]) {
        storage = values
        offset = 0
        count = values.count
    }

    /// The values `storage[offset ..< offset + count]`.
    init(storage: [Double], offset: Int, count: Int) {
        precondition(offset >= 0 && offset + count <= storage.count)
        self.storage = storage
        self.offset = offset
        self.count = count
    }

    @inline(__always)
    public subscript(row: Int) -> Double {
        precondition(row >= 0 && row < count)
        return storage[offset &+ row]
    }

    /// The values as an array.
    public var values: [Double] { Array(storage[offset..<(offset + count)]) }

    /// Calls `body` with the column's values, without copying.
    @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { all in try body(UnsafeBufferPointer(rebasing: all[offset..<(offset + count)])) }
    }

    /// The first row whose value satisfies `predicate`.
    public func firstRow(where predicate: (Double) -> Bool) -> Int? {
        withUnsafeBufferPointer { values in values.firstIndex(where: predicate) }
    }
}

/// The text values of one column, packed into one buffer (one allocation per column, not per cell).
public struct TextColumn: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    public init() {}

    public init(_ values: [String]) {
        for value in values { append(Array(value.utf8)[...]) }
    }

    /// Number of values.
    public var count: Int { ends.count }

    /// Adds a value; `utf8` must be valid UTF-8.
    public mutating func append<Bytes: Collection>(_ utf8: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: utf8)
        ends.append(bytes.count)
    }

    /// Appends every value of `other`, in order.
    public mutating func append(contentsOf other: TextColumn) {
        let offset = bytes.count
        let first = ends.count
        bytes.append(contentsOf: other.bytes)
        // Copied whole, then shifted in place: one pass the compiler vectorizes, where appending
        // a lazily mapped sequence went element by element.
        ends.append(contentsOf: other.ends)
        if offset != 0 {
            ends.withUnsafeMutableBufferPointer { ends in
                for index in first..<ends.count { ends[index] += offset }
            }
        }
    }

    /// Reserves room for `values` values of about `bytesPerValue` bytes.
    public mutating func reserveCapacity(values: Int, bytesPerValue: Int) {
        ends.reserveCapacity(values)
        bytes.reserveCapacity(values * bytesPerValue)
    }

    /// The UTF-8 bytes of all values together.
    var byteCount: Int { bytes.count }

    /// Reserves room for exactly `valueCount` values of `byteCount` bytes in all.
    mutating func reserveCapacity(valueCount: Int, byteCount: Int) {
        ends.reserveCapacity(valueCount)
        bytes.reserveCapacity(byteCount)
    }

    private func range(_ row: Int) -> Range<Int> { (row == 0 ? 0 : ends[row - 1])..<ends[row] }

    /// The value at `row` as a String.
    public subscript(row: Int) -> String {
        String(decoding: bytes[range(row)], as: UTF8.self)
    }

    /// True when the value at `row` is empty (missing).
    public func isEmpty(_ row: Int) -> Bool { range(row).isEmpty }

    /// Calls `body` with the UTF-8 bytes of the value at `row`, without copying.
    public func withUTF8<R>(_ row: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let span = range(row)
        return try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[span]))
        }
    }
}

extension TabularBatch {
    /// A 400 naming a value the model cannot use, placed the way the client framed it:
    /// `row 3, column 2` for CSV, `row 3, field "distance"` for a JSON list, `field "distance"` for
    /// one object. `row` and `column` are 0-based positions; messages count from 1.
    public func invalidValue(row: Int, column: Int, _ problem: String) -> ServingError {
        let name = schema.columns[column].name
        switch shape {
        case .single: return .invalidInput(row: nil, field: name, problem)
        case .list, .instances: return .invalidInput(row: row + 1, field: name, problem)
        case .lines: return .invalidInput(row: row + 1, column: column + 1, field: name, problem)
        }
    }
}
