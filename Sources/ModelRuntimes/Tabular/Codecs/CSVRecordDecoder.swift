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
        let decoded: CSVDecodedBody
        do {
            if parts.count > 1, let body = try decodeInParallel(bytes, parts: parts, bodyOffset: bodyOffset, layout: layout, context: context) {
                decoded = body
            } else {
                decoded = try CSVChunkDecoder(layout: layout, bytes: bytes, firstRow: 1, firstByte: bodyOffset).decode()
            }
        } catch let error as CSVRowError {
            throw error.servingError
        }
        if decoded.rowCount == 0 { throw Self.emptyBody }
        return layout.batch(decoded, schema: schema)
    }

    /// Decodes line-aligned `parts` of `bytes` on the executor's threads, straight into one
    /// shared column store: each part owns the rows its size can hold (`rowCapacity`), which a
    /// part that decodes without an error fills exactly, so the parts meet without gaps and
    /// nothing is copied afterwards. Each part also sets its own slots to NaN, so that work is
    /// spread too. Nil if the parts did not meet.
    private func decodeInParallel(
        _ bytes: UnsafeBufferPointer<UInt8>, parts: [Range<Int>], bodyOffset: Int, layout: CSVLayout, context: InvocationContext?
    ) throws -> CSVDecodedBody? {
        let capacities = parts.map { CSVChunkDecoder.rowCapacity(UnsafeBufferPointer(rebasing: bytes[$0]), columnCount: layout.slots.count) }
        let firstSlots = capacities.indices.map { capacities[..<$0].reduce(0, +) }
        let stride = capacities.reduce(0, +)
        let results = ChunkResults<CSVDecodedPart>(count: parts.count)
        let whole = BorrowedBytes(bytes: bytes)
        var decodedParts: [CSVDecodedPart] = []
        let storage = try [Double](unsafeUninitializedCapacity: max(1, layout.numberCount * stride)) { numbers, initialized in
            numbers[0] = .nan  // the one slot of a schema without numbers; the parts set all others
            initialized = numbers.count
            let shared = SharedBuffer(base: numbers.baseAddress!)
            context?.forEachChunk(parts.count, stage: InvocationContext.inputStage) { index in
                let decoder = CSVChunkDecoder(
                    layout: layout, bytes: UnsafeBufferPointer(rebasing: whole.bytes[parts[index]]), firstRow: 1,
                    firstByte: bodyOffset + parts[index].lowerBound)
                results.store(
                    index, Result { try decoder.decode(into: shared.base + firstSlots[index], stride: stride, capacity: capacities[index]) })
            }
            decodedParts = try results.collect { error, rowsBefore in
                // A part numbers its rows from 1; the rows of the parts before it come first.
                (error as? CSVRowError)?.shifted(by: rowsBefore) ?? error
            }
        }
        guard zip(decodedParts, capacities).allSatisfy({ $0.rowCount == $1 }) else {
            // Not reached by a body that decodes (see `rowCapacity`); should that ever change,
            // the body is decoded again in one piece rather than leave gaps in the columns.
            return nil
        }
        return CSVDecodedBody(numbers: storage, stride: stride, rowCount: stride, texts: decodedParts.map(\.texts))
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

    /// The batch of a decoded body: numeric columns are views into its one store, text
    /// columns are concatenated from its parts in order.
    func batch(_ body: CSVDecodedBody, schema: TabularSchema) -> TabularBatch {
        let columns: [TabularColumn] = slots.map { slot in
            switch slot {
            case .number(let index):
                return .number(NumberColumn(storage: body.numbers, offset: index * body.stride, count: body.rowCount))
            case .text(let index):
                if body.texts.count == 1 { return .text(body.texts[0][index]) }
                var values = TextColumn()
                values.reserveCapacity(
                    valueCount: body.texts.reduce(0) { $0 + $1[index].count }, byteCount: body.texts.reduce(0) { $0 + $1[index].byteCount })
                for part in body.texts { values.append(contentsOf: part[index]) }
                return .text(values)
            case .ignored:
                return .ignored
            }
        }
        return TabularBatch(schema: schema, rowCount: body.rowCount, shape: .lines, columns: columns)
    }
}

/// A whole body's values: numeric column `i` is `numbers[i * stride ..< i * stride + rowCount]`;
/// `texts[p][j]` is text column `j` of the `p`th line-aligned part, in order.
struct CSVDecodedBody {
    var numbers: [Double]
    var stride: Int
    var rowCount: Int
    var texts: [[TextColumn]]
}

/// What decoding one line-aligned part of a body returns: its row count and text columns (its
/// numbers are in the column store it was given).
struct CSVDecodedPart: Sendable {
    var rowCount: Int
    var texts: [TextColumn]
}
