/// Reads `text/csv` bodies: one record per line, fields separated by commas, no header.
///
/// Every line terminator ends a record, so N lines in is N records out, and a single line is a
/// 1xN batch (never squeezed to a vector, the SageMaker containers' most reported bug). `\r\n`
/// and `\n` both end a line; RFC 4180 quoting is understood (`"a,b"`, `""` for a quote);
/// unquoted fields are trimmed of surrounding spaces and tabs; an empty field is a missing value.
/// Numbers are parsed once, in place, by `DecimalParser`.
struct CSVRecordDecoder {
    let schema: TabularSchema

    func decode(_ payload: UnsafeRawBufferPointer) throws -> TabularBatch {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), !payload.isEmpty else {
            throw ServingError.invalidInput("the body is empty: send one CSV record per line")
        }
        var bytes = UnsafeBufferPointer(start: base, count: payload.count)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes = UnsafeBufferPointer(rebasing: bytes[3...])
        }
        var lineCount = 0
        for byte in bytes where byte == 0x0A { lineCount += 1 }
        var builder = ColumnBuilder(schema: schema, expectedRows: lineCount + 1)
        var reader = CSVFieldReader(bytes: bytes)
        var row = 0
        while !reader.isAtEnd {
            row += 1
            var column = 0
            var scratch: [UInt8] = []
            while true {
                let field = try reader.nextField(row: row, column: column + 1, scratch: &scratch)
                if column < schema.count {
                    if let range = field.range {
                        try store(UnsafeBufferPointer(rebasing: bytes[range]), row: row, column: column, into: &builder)
                    } else {
                        try scratch.withUnsafeBufferPointer { try store($0, row: row, column: column, into: &builder) }
                    }
                }
                column += 1
                if !field.endsWithComma { break }
            }
            guard column == schema.count else {
                throw ServingError.invalidInput(row: row, "expected \(schema.count) column\(schema.count == 1 ? "" : "s"), found \(column)")
            }
            if let missing = builder.endRecord() {
                throw ServingError.invalidInput(row: row, column: missing + 1, field: schema.columns[missing].name, "missing value")
            }
        }
        if row == 0 { throw ServingError.invalidInput("the body holds no records") }
        return builder.build(shape: .lines)
    }

    @inline(__always)
    private func store(_ field: UnsafeBufferPointer<UInt8>, row: Int, column: Int, into builder: inout ColumnBuilder) throws {
        let spec = schema.columns[column]
        if field.isEmpty {
            guard builder.setMissing(column: column) else {
                throw ServingError.invalidInput(row: row, column: column + 1, field: spec.name, "missing value")
            }
            return
        }
        switch spec.kind {
        case .number:
            guard let value = DecimalParser.parse(field) else {
                throw ServingError.invalidInput(row: row, column: column + 1, field: spec.name, "\(quoted(field)) is not a number")
            }
            guard value.isFinite else {
                throw ServingError.invalidInput(row: row, column: column + 1, field: spec.name, "\(quoted(field)) is not a finite number")
            }
            builder.setNumber(value, column: column)
        case .text:
            guard isValidUTF8(field) else {
                throw ServingError.invalidInput(row: row, column: column + 1, field: spec.name, "invalid UTF-8")
            }
            builder.setText(field, column: column)
        case .ignored:
            builder.setIgnored(column: column)
        }
    }
}

/// Splits CSV bytes into fields, one at a time, tracking line ends and quotes.
struct CSVFieldReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    /// The next field and whether a comma (rather than a line end or the end) followed it.
    ///
    /// An unquoted field is returned as its byte range in `bytes`; a quoted one (range nil) is
    /// unescaped into `scratch`.
    @inline(__always)
    mutating func nextField(row: Int, column: Int, scratch: inout [UInt8]) throws -> (range: Range<Int>?, endsWithComma: Bool) {
        let count = bytes.count
        var start = position
        while start < count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        if start < count, bytes[start] == UInt8(ascii: "\"") {
            return try quotedField(from: start + 1, row: row, column: column, scratch: &scratch)
        }
        var index = start
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") || byte == 0x0A { break }
            index += 1
        }
        let endsWithComma = index < count && bytes[index] == UInt8(ascii: ",")
        position = index + 1
        var end = index
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0D { end -= 1 }
        return (start..<end, endsWithComma)
    }

    private mutating func quotedField(from start: Int, row: Int, column: Int, scratch: inout [UInt8]) throws -> (range: Range<Int>?, endsWithComma: Bool) {
        scratch.removeAll(keepingCapacity: true)
        var index = start
        while true {
            guard index < bytes.count else {
                throw ServingError.invalidInput(row: row, column: column, "unterminated quoted field")
            }
            let byte = bytes[index]
            index += 1
            if byte != UInt8(ascii: "\"") {
                scratch.append(byte)
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                scratch.append(byte)
                index += 1
            } else {
                break
            }
        }
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D { index += 1 }
        var endsWithComma = false
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: ","): endsWithComma = true
            case 0x0A: break
            default: throw ServingError.invalidInput(row: row, column: column, "unexpected text after a quoted field")
            }
        }
        position = index + 1
        return (nil, endsWithComma)
    }
}

/// True when `bytes` is valid UTF-8 (ASCII is checked first, cheaply).
@inline(__always)
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var allASCII = true
    for byte in bytes where byte >= 0x80 {
        allASCII = false
        break
    }
    return allASCII || String(validating: bytes, as: UTF8.self) != nil
}

/// A field's text for an error message: quoted, shortened, invalid UTF-8 replaced.
func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let text = String(decoding: bytes.prefix(40), as: UTF8.self)
    return "\"\(text)\(bytes.count > 40 ? "..." : "")\""
}
