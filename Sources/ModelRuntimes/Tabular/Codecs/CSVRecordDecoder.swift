/// Reads `text/csv` bodies: one record per line, fields separated by commas, no header.
///
/// Every line terminator ends a record, so N lines in is N records out, and a single line is a
/// 1xN batch (never squeezed to a vector, the SageMaker containers' most reported bug). `\r\n`
/// and `\n` both end a line; RFC 4180 quoting is understood (`"a,b"`, `""` for a quote);
/// unquoted fields are trimmed of surrounding spaces and tabs; an empty field is a missing value.
///
/// This is the hot path of an Aurora batch (10,000 rows, 200,000 fields), so numbers are parsed
/// in place by `DecimalParser` straight into flat column storage, and a large body without
/// quotes is cut at line ends into chunks that the executor decodes in parallel.
struct CSVRecordDecoder {
    let schema: TabularSchema
    /// Bodies at least this large are split across the executor's threads.
    static let parallelThreshold = 128 * 1024

    func decode(_ payload: UnsafeRawBufferPointer, context: InvocationContext? = nil) throws -> TabularBatch {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw Self.emptyBody }
        let body = UnsafeBufferPointer(start: base, count: payload.count)
        let hasBOM = body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF
        let bodyOffset = hasBOM ? 3 : 0  // of `bytes` in the body, for messages that name a byte
        let bytes = UnsafeBufferPointer(rebasing: body[bodyOffset...])
        // Stops at the first byte of any real body.
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { throw Self.emptyBody }
        let layout = schema.csvLayout
        let parts = chunks(bytes, parallelism: context?.executor.parallelism ?? 1)
        let decoded: [CSVChunk]
        if parts.count == 1 {
            do {
                decoded = [try CSVChunkDecoder(layout: layout, bytes: bytes, firstRow: 1, firstByte: bodyOffset).decode()]
            } catch let error as CSVRowError {
                throw error.servingError
            }
        } else {
            let results = ChunkResults<CSVChunk>(count: parts.count)
            let whole = BorrowedBytes(bytes: bytes)
            context?.forEachChunk(parts.count, stage: InvocationContext.inputStage) { index in
                let piece = UnsafeBufferPointer(rebasing: whole.bytes[parts[index]])
                let decoder = CSVChunkDecoder(layout: layout, bytes: piece, firstRow: 1, firstByte: bodyOffset + parts[index].lowerBound)
                results.store(index, Result { try decoder.decode() })
            }
            do {
                decoded = try results.collect { error, rowsBefore in
                    // A chunk numbers its rows from 1; the rows of the chunks before it come first.
                    (error as? CSVRowError)?.shifted(by: rowsBefore) ?? error
                }
            } catch let error as CSVRowError {
                throw error.servingError
            }
        }
        let rowCount = decoded.reduce(0) { $0 + $1.rowCount }
        if rowCount == 0 { throw Self.emptyBody }
        return layout.batch(merging: decoded, rowCount: rowCount, schema: schema)
    }

    /// A body without a record: nothing, or only spaces, tabs and line ends (after a BOM).
    static let emptyBody = ServingError.invalidInput("empty body: send one CSV record per line")

    /// Line-aligned pieces of `bytes`; one piece when the body is small, quoted (a quoted field
    /// may span lines) or there is no parallelism.
    private func chunks(_ bytes: UnsafeBufferPointer<UInt8>, parallelism: Int) -> [Range<Int>] {
        guard parallelism > 1, bytes.count >= Self.parallelThreshold, ByteScan.find(UInt8(ascii: "\""), in: bytes, from: 0) == nil else {
            return [0..<bytes.count]
        }
        let wanted = parallelism * 2
        var pieces: [Range<Int>] = []
        var start = 0
        for piece in 1...wanted where start < bytes.count {
            let target = piece == wanted ? bytes.count : max(start, bytes.count * piece / wanted)
            let end = target >= bytes.count ? bytes.count : (ByteScan.find(0x0A, in: bytes, from: target).map { $0 + 1 } ?? bytes.count)
            pieces.append(start..<end)
            start = end
        }
        return pieces
    }
}

/// Where each schema column's values go: numeric columns into flat storage, text columns into
/// `TextColumn`s.
struct CSVLayout: Sendable {
    enum Slot: Sendable {
        case number(Int)
        case text(Int)
        case ignored
    }
    let slots: [Slot]
    let required: [Bool]
    let names: [String]
    let numberCount: Int
    let textCount: Int

    /// - Parameters:
    ///   - storageSlots: each column's index among the number or the text columns (-1: ignored),
    ///     as `TabularSchema` assigns them.
    init(_ columns: [TabularSchema.Column], storageSlots: [Int], numberCount: Int, textCount: Int) {
        slots = zip(columns, storageSlots).map { column, slot in
            switch column.kind {
            case .number: .number(slot)
            case .text: .text(slot)
            case .ignored: .ignored
            }
        }
        required = columns.map(\.isRequired)
        names = columns.map(\.name)
        self.numberCount = numberCount
        self.textCount = textCount
    }

    /// Concatenates decoded chunks, in order, into one batch.
    func batch(merging chunks: [CSVChunk], rowCount: Int, schema: TabularSchema) -> TabularBatch {
        let numbers: (storage: [Double], stride: Int)
        if chunks.count == 1 {
            numbers = (chunks[0].numbers, chunks[0].capacity)
        } else {
            var storage = [Double](repeating: .nan, count: max(1, numberCount * rowCount))
            storage.withUnsafeMutableBufferPointer { target in
                var row = 0
                for chunk in chunks {
                    chunk.numbers.withUnsafeBufferPointer { source in
                        for column in 0..<numberCount {
                            let from = source.baseAddress! + column * chunk.capacity
                            (target.baseAddress! + column * rowCount + row).update(from: from, count: chunk.rowCount)
                        }
                    }
                    row += chunk.rowCount
                }
            }
            numbers = (storage, rowCount)
        }
        let columns: [TabularColumn] = slots.map { slot in
            switch slot {
            case .number(let index):
                return .number(NumberColumn(storage: numbers.storage, offset: index * numbers.stride, count: rowCount))
            case .text(let index):
                if chunks.count == 1 { return .text(chunks[0].texts[index]) }
                var values = TextColumn()
                for chunk in chunks { values.append(contentsOf: chunk.texts[index]) }
                return .text(values)
            case .ignored:
                return .ignored
            }
        }
        return TabularBatch(schema: schema, rowCount: rowCount, shape: .lines, columns: columns)
    }
}

/// The columns decoded from one line-aligned piece of a body: numeric column `i` is
/// `numbers[i * capacity ..< i * capacity + rowCount]`.
struct CSVChunk: Sendable {
    var rowCount: Int
    var capacity: Int
    var numbers: [Double]
    var texts: [TextColumn]
}
