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
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), !payload.isEmpty else {
            throw ServingError.invalidInput("the body is empty: send one CSV record per line")
        }
        var bytes = UnsafeBufferPointer(start: base, count: payload.count)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes = UnsafeBufferPointer(rebasing: bytes[3...])
        }
        let layout = CSVLayout(schema)
        let parts = chunks(bytes, parallelism: context?.executor.parallelism ?? 1)
        let decoded: [CSVChunk]
        if parts.count == 1 {
            decoded = [try CSVChunkDecoder(layout: layout, bytes: bytes, firstRow: 1).decode()]
        } else {
            let results = ChunkResults<CSVChunk>(count: parts.count)
            let whole = BorrowedBytes(bytes: bytes)
            context?.forEachChunk(parts.count, stage: InvocationContext.inputStage) { index in
                let part = parts[index]
                let piece = UnsafeBufferPointer(rebasing: whole.bytes[part.range])
                results.store(index, Result { try CSVChunkDecoder(layout: layout, bytes: piece, firstRow: part.firstRow).decode() })
            }
            decoded = try results.collect()
        }
        let rowCount = decoded.reduce(0) { $0 + $1.rowCount }
        if rowCount == 0 { throw ServingError.invalidInput("the body holds no records") }
        return layout.batch(merging: decoded, rowCount: rowCount, schema: schema)
    }

    /// Line-aligned pieces of `bytes` and the row number each starts at; one piece when the body
    /// is small, quoted (a quoted field may span lines) or there is no parallelism.
    private func chunks(_ bytes: UnsafeBufferPointer<UInt8>, parallelism: Int) -> [(range: Range<Int>, firstRow: Int)] {
        guard parallelism > 1, bytes.count >= Self.parallelThreshold, !bytes.contains(UInt8(ascii: "\"")) else {
            return [(0..<bytes.count, 1)]
        }
        let wanted = parallelism * 2
        var pieces: [(Range<Int>, Int)] = []
        var start = 0, row = 1
        for piece in 1...wanted {
            var end = piece == wanted ? bytes.count : bytes.count * piece / wanted
            while end < bytes.count, end > start, bytes[end - 1] != 0x0A { end += 1 }
            guard end > start else { continue }
            pieces.append((start..<end, row))
            for byte in bytes[start..<end] where byte == 0x0A { row += 1 }
            start = end
        }
        return pieces
    }
}

/// Where each schema column's values go: numeric columns into flat storage, text columns into
/// `TextColumn`s.
struct CSVLayout: Sendable {
    enum Slot: Sendable { case number(Int), text(Int), ignored }
    let slots: [Slot]
    let required: [Bool]
    let names: [String]
    let numberCount: Int
    let textCount: Int

    init(_ schema: TabularSchema) {
        var slots: [Slot] = []
        var numbers = 0, texts = 0
        for column in schema.columns {
            switch column.kind {
            case .number:
                slots.append(.number(numbers))
                numbers += 1
            case .text:
                slots.append(.text(texts))
                texts += 1
            case .ignored:
                slots.append(.ignored)
            }
        }
        self.slots = slots
        required = schema.columns.map(\.isRequired)
        names = schema.columns.map(\.name)
        numberCount = numbers
        textCount = texts
    }

    /// Concatenates decoded chunks, in order, into one batch.
    func batch(merging chunks: [CSVChunk], rowCount: Int, schema: TabularSchema) -> TabularBatch {
        let columns: [TabularColumn] = slots.map { slot in
            switch slot {
            case .number(let index):
                if chunks.count == 1 { return .number(chunks[0].numbers[index]) }
                var values: [Double] = []
                values.reserveCapacity(rowCount)
                for chunk in chunks { values.append(contentsOf: chunk.numbers[index]) }
                return .number(values)
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

/// The columns decoded from one line-aligned piece of a body.
struct CSVChunk: Sendable {
    var rowCount: Int
    var numbers: [[Double]]
    var texts: [TextColumn]
}

/// The request body, lent to the executor's threads for the duration of `forEachChunk`, which
/// returns before the body goes away; they only read it.
struct BorrowedBytes: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
}

/// Results of parallel chunks, each written once by its own chunk.
final class ChunkResults<Value>: @unchecked Sendable {
    private var results: [Result<Value, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    /// Called once per index, from any thread; indices never collide.
    func store(_ index: Int, _ result: Result<Value, any Error>) {
        results.withUnsafeMutableBufferPointer { $0[index] = result }
    }

    /// The values in order, or the error of the earliest failed chunk (the first bad row).
    func collect() throws -> [Value] {
        try results.map { try $0!.get() }
    }
}
