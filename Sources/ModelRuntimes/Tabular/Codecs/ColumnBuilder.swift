/// Collects decoded values record by record into the columns of a `TabularBatch`.
///
/// Every codec feeds it the same way: `set` each value of a record (in any order), then
/// `endRecord`, which fills what was absent with the missing value (or refuses it, for a
/// required column) so that every column always holds exactly one value per record.
struct ColumnBuilder {
    let schema: TabularSchema
    private(set) var rowCount = 0
    private var numbers: [[Double]]
    private var texts: [TextColumn]
    /// Which columns the current record has set: bits of `setMask` for the first 64 columns,
    /// `setBeyond` for the rest.
    private var setMask: UInt64 = 0
    private var setBeyond: [Bool]
    /// Where each schema column lives in `numbers` / `texts` (-1 for ignored).
    private let slot: [Int]

    init(schema: TabularSchema, expectedRows: Int = 1) {
        self.schema = schema
        slot = schema.storageSlots
        numbers = Array(repeating: [], count: schema.numberColumnCount)
        texts = Array(repeating: TextColumn(), count: schema.textColumnCount)
        if expectedRows > 1 {
            for index in numbers.indices { numbers[index].reserveCapacity(expectedRows) }
            for index in texts.indices { texts[index].reserveCapacity(values: expectedRows, bytesPerValue: 8) }
        }
        setBeyond = schema.count > 64 ? Array(repeating: false, count: schema.count) : []
    }

    /// True once column `column` has a value in the current record.
    func hasValue(_ column: Int) -> Bool {
        column < 64 ? setMask & (1 << UInt64(column)) != 0 : setBeyond[column]
    }

    private mutating func markSet(_ column: Int) {
        if column < 64 { setMask |= 1 << UInt64(column) } else { setBeyond[column] = true }
    }

    mutating func setNumber(_ value: Double, column: Int) {
        markSet(column)
        numbers[slot[column]].append(value)
    }

    mutating func setText<Bytes: Collection>(_ utf8: Bytes, column: Int) where Bytes.Element == UInt8 {
        markSet(column)
        texts[slot[column]].append(utf8)
    }

    /// Marks an ignored column as seen (for duplicate detection).
    mutating func setIgnored(column: Int) {
        markSet(column)
    }

    /// Records a missing value; returns false when the column requires one.
    mutating func setMissing(column: Int) -> Bool {
        let spec = schema.columns[column]
        if spec.isRequired { return false }
        markSet(column)
        switch spec.kind {
        case .number: numbers[slot[column]].append(.nan)
        case .text: texts[slot[column]].append(EmptyCollection<UInt8>())
        case .ignored: break
        }
        return true
    }

    /// Closes the current record. Returns the first required column that had no value, if any
    /// (the record is then incomplete and the batch must be abandoned).
    mutating func endRecord() -> Int? {
        for column in 0..<schema.count where !hasValue(column) {
            if !setMissing(column: column) { return column }
        }
        setMask = 0
        for column in setBeyond.indices { setBeyond[column] = false }
        rowCount += 1
        return nil
    }

    func build(shape: RecordShape) -> TabularBatch {
        let columns: [TabularColumn] = schema.columns.indices.map { column in
            switch schema.columns[column].kind {
            case .number: .number(NumberColumn(numbers[slot[column]]))
            case .text: .text(texts[slot[column]])
            case .ignored: .ignored
            }
        }
        return TabularBatch(schema: schema, rowCount: rowCount, shape: shape, columns: columns)
    }
}
