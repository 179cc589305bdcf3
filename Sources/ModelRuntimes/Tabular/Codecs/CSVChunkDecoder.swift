/// Decodes one line-aligned piece of a CSV body into flat column storage.
///
/// Numeric values are written by index into one buffer of `rows x numeric columns` (no append,
/// no copy-on-write checks per field); rows are numbered from `firstRow` in messages.
struct CSVChunkDecoder {
    let layout: CSVLayout
    let bytes: UnsafeBufferPointer<UInt8>
    let firstRow: Int

    func decode() throws -> CSVChunk {
        let capacity = Self.rowCapacity(bytes, columnCount: layout.slots.count)
        let numberCount = layout.numberCount
        var flat = [Double](repeating: .nan, count: max(1, numberCount * capacity))
        var texts = Array(repeating: TextColumn(), count: layout.textCount)
        for index in texts.indices { texts[index].reserveCapacity(values: capacity, bytesPerValue: 8) }
        var rows = 0
        try flat.withUnsafeMutableBufferPointer { numbers in
            try texts.withUnsafeMutableBufferPointer { texts in
                rows = try fill(numbers: numbers.baseAddress!, capacity: capacity, texts: texts)
            }
        }
        return CSVChunk(rowCount: rows, capacity: capacity, numbers: flat, texts: texts)
    }

    /// The most rows `bytes` can hold, which bounds every row index `fill` writes: one per line,
    /// and no more than a row's smallest size allows. A row of `columnCount` fields that is
    /// followed by another has `columnCount - 1` commas and a line end, so the rows before any
    /// row being read take `columnCount` bytes each. Without the second bound a body of blank
    /// lines would reserve `columnCount` numbers per byte (a 6 MB body, 900 MB for churn).
    static func rowCapacity(_ bytes: UnsafeBufferPointer<UInt8>, columnCount: Int) -> Int {
        min(ByteScan.count(0x0A, in: bytes), bytes.count / max(1, columnCount)) + 1
    }

    private func fill(numbers: UnsafeMutablePointer<Double>, capacity: Int, texts: UnsafeMutableBufferPointer<TextColumn>) throws -> Int {
        let columnCount = layout.slots.count
        var reader = CSVFieldReader(bytes: bytes)
        var scratch: [UInt8] = []
        var row = 0
        while !reader.isAtEnd {
            let number = firstRow + row
            var column = 0
            while true {
                let field = try reader.nextField(row: number, column: column + 1, scratch: &scratch)
                if column < columnCount {
                    if let range = field.range {
                        try store(UnsafeBufferPointer(rebasing: bytes[range]), row: row, column: column, numbers: numbers, capacity: capacity, texts: texts)
                    } else {
                        try scratch.withUnsafeBufferPointer {
                            try store($0, row: row, column: column, numbers: numbers, capacity: capacity, texts: texts)
                        }
                    }
                }
                column += 1
                if !field.endsWithComma { break }
            }
            guard column == columnCount else {
                throw CSVRowError(row: number, column: nil, field: nil, problem: "expected \(columnCount) column\(columnCount == 1 ? "" : "s"), found \(column)")
            }
            row += 1
        }
        return row
    }

    @inline(__always)
    private func store(
        _ field: UnsafeBufferPointer<UInt8>, row: Int, column: Int, numbers: UnsafeMutablePointer<Double>, capacity: Int,
        texts: UnsafeMutableBufferPointer<TextColumn>
    ) throws {
        if field.isEmpty, layout.required[column] {
            throw CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: "missing value")
        }
        switch layout.slots[column] {
        case .number(let slot):
            guard !field.isEmpty else { return }  // already NaN
            guard let value = DecimalParser.parse(field) else {
                throw CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: "\(quoted(field)) is not a number")
            }
            guard value.isFinite else {
                throw CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: "\(quoted(field)) is not a finite number")
            }
            numbers[slot * capacity + row] = value
        case .text(let slot):
            guard isValidUTF8(field) else {
                throw CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: "invalid UTF-8")
            }
            texts[slot].append(field)
        case .ignored:
            break
        }
    }

    private func name(_ column: Int) -> String { layout.names[column] }
}
