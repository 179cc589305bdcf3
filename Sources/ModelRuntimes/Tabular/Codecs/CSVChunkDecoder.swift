/// Decodes one line-aligned piece of a CSV body into flat column storage.
///
/// Numeric values are written by index into one buffer of `rows x numeric columns` (no append,
/// no copy-on-write checks per field); rows are numbered from `firstRow` in messages, and bytes
/// from `firstByte`, the chunk's offset in the whole body.
struct CSVChunkDecoder {
    let layout: CSVLayout
    let bytes: UnsafeBufferPointer<UInt8>
    let firstRow: Int
    let firstByte: Int

    /// Decodes a whole body in one piece, into storage of its own.
    func decode() throws -> CSVDecodedBody {
        let capacity = Self.rowCapacity(bytes, columnCount: layout.slots.count)
        var part = CSVDecodedPart(rowCount: 0, texts: [])
        let numbers = try [Double](unsafeUninitializedCapacity: max(1, layout.numberCount * capacity)) { numbers, initialized in
            numbers[0] = .nan  // the one slot of a schema without numbers; `decode(into:)` sets all others
            initialized = numbers.count
            part = try decode(into: numbers.baseAddress!, stride: capacity, capacity: capacity)
        }
        return CSVDecodedBody(numbers: numbers, stride: capacity, rowCount: part.rowCount, texts: [part.texts])
    }

    /// Decodes into storage shared with other chunks of the same body: numeric column `c` of
    /// this chunk's row `r` goes to `numbers[c * stride + r]`, for `r < capacity`, and those
    /// slots are set to NaN (missing) first. `capacity` must be `rowCapacity(bytes)` (or more):
    /// it is what keeps the unchecked writes inside the chunk's slots.
    func decode(into numbers: UnsafeMutablePointer<Double>, stride: Int, capacity: Int) throws -> CSVDecodedPart {
        assert(capacity >= Self.rowCapacity(bytes, columnCount: layout.slots.count))
        for column in 0..<layout.numberCount { (numbers + column * stride).update(repeating: .nan, count: capacity) }
        var texts = Array(repeating: TextColumn(), count: layout.textCount)
        for index in texts.indices { texts[index].reserveCapacity(values: capacity, bytesPerValue: 8) }
        do {
            let rows = try texts.withUnsafeMutableBufferPointer { texts in
                try fill(numbers: numbers, stride: stride, texts: texts)
            }
            return CSVDecodedPart(rowCount: rows, texts: texts)
        } catch var error as CSVRowError {
            // Errors are found with offsets in the chunk and, from the field reader, without names.
            error.byte = error.byte.map { firstByte + $0 }
            if error.field == nil, let column = error.column, column <= layout.slots.count { error.field = name(column - 1) }
            throw error
        }
    }

    /// The most rows `bytes` can hold, which bounds every row index `fill` writes: no more than
    /// its lines (a line end closes each but an unterminated last one), and no more than a row's
    /// smallest size allows. A row of `columnCount` fields that is followed by another has
    /// `columnCount - 1` commas and a line end, so the rows before any row being read take
    /// `columnCount` bytes each. Without the second bound a body of blank lines would reserve
    /// `columnCount` numbers per byte (a 6 MB body, 900 MB for churn). A body that decodes
    /// without an error has exactly this many rows, which lets chunks that share storage meet
    /// without gaps.
    static func rowCapacity(_ bytes: UnsafeBufferPointer<UInt8>, columnCount: Int) -> Int {
        let lines = ByteScan.count(0x0A, in: bytes) + (bytes.last == 0x0A ? 0 : 1)
        return min(lines, bytes.count / max(1, columnCount) + 1)
    }

    private func fill(numbers: UnsafeMutablePointer<Double>, stride: Int, texts: UnsafeMutableBufferPointer<TextColumn>) throws -> Int {
        let columnCount = layout.slots.count
        var reader = CSVFieldReader(bytes: bytes)
        var scratch: [UInt8] = []
        var row = 0
        while !reader.isAtEnd {
            let number = firstRow + row
            var column = 0
            var endsWithComma: Bool
            var lastFieldIsEmpty = false
            repeat {
                if column < columnCount, case .number(let slot) = layout.slots[column], let plain = reader.nextPlainNumber() {
                    numbers[slot * stride + row] = plain.value
                    endsWithComma = plain.endsWithComma
                } else {
                    let field = try reader.nextField(row: number, column: column + 1, scratch: &scratch)
                    if column < columnCount {
                        if let range = field.range {
                            try store(
                                UnsafeBufferPointer(rebasing: bytes[range]), raw: field.raw, row: row, column: column, numbers: numbers,
                                stride: stride, texts: texts)
                        } else {
                            try scratch.withUnsafeBufferPointer {
                                try store($0, raw: field.raw, row: row, column: column, numbers: numbers, stride: stride, texts: texts)
                            }
                        }
                    }
                    endsWithComma = field.endsWithComma
                    lastFieldIsEmpty = field.range?.isEmpty == true
                }
                column += 1
            } while endsWithComma
            guard column == columnCount else {
                let found = column == 1 && lastFieldIsEmpty ? "an empty line" : "\(column)"
                throw CSVRowError(
                    row: number, column: nil, field: nil, problem: "expected \(columnCount) column\(columnCount == 1 ? "" : "s"), found \(found)")
            }
            row += 1
        }
        return row
    }

    /// Places one value; `raw` is where its text lies in `bytes`, for messages.
    @inline(__always)
    private func store(
        _ field: UnsafeBufferPointer<UInt8>, raw: Range<Int>, row: Int, column: Int, numbers: UnsafeMutablePointer<Double>, stride: Int,
        texts: UnsafeMutableBufferPointer<TextColumn>
    ) throws {
        if field.isEmpty, layout.required[column] {
            throw CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: "missing value")
        }
        switch layout.slots[column] {
        case .number(let slot):
            guard !field.isEmpty else { return }  // already NaN
            guard let value = DecimalParser.parse(field) else { throw notANumber(field, raw: raw, row: row, column: column) }
            guard value.isFinite else {
                throw CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: "\(quoted(field)) is not a finite number")
            }
            numbers[slot * stride + row] = value
        case .text(let slot):
            guard isValidUTF8(field) else { throw invalidUTF8(raw: raw, row: row, column: column) }
            texts[slot].append(field)
        case .ignored:
            break
        }
    }

    /// Why a numeric field did not parse: bytes that are not UTF-8, or the parser's reason.
    /// (Out of line: it is the cold path, and inlining it would stop `store` being inlined.)
    @inline(never)
    private func notANumber(_ field: UnsafeBufferPointer<UInt8>, raw: Range<Int>, row: Int, column: Int) -> CSVRowError {
        if field.contains(where: { $0 >= 0x80 }), UTF8Validation.firstInvalidOffset(field) != nil {
            return invalidUTF8(raw: raw, row: row, column: column)
        }
        return CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: DecimalParser.refusal(field))
    }

    /// Names the first bad byte of a field's text in the body. (A quoted field's escaped text
    /// differs from its value only by ASCII quotes, so the same byte is at fault in both.)
    @inline(never)
    private func invalidUTF8(raw: Range<Int>, row: Int, column: Int) -> CSVRowError {
        let offset = UTF8Validation.firstInvalidOffset(UnsafeBufferPointer(rebasing: bytes[raw])) ?? 0
        return CSVRowError(row: firstRow + row, column: column + 1, field: name(column), problem: .invalidUTF8, byte: raw.lowerBound + offset)
    }

    private func name(_ column: Int) -> String { layout.names[column] }
}
