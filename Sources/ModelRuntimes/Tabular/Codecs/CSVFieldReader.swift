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
                throw CSVRowError(row: row, column: column, field: nil, problem: "unterminated quoted field")
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
            default: throw CSVRowError(row: row, column: column, field: nil, problem: "unexpected text after a quoted field")
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
