/// One field as `CSVFieldReader` found it.
struct CSVField {
    /// The unquoted field's bytes (trimmed) in the body; nil for a quoted field, whose unescaped
    /// text is in the reader's scratch buffer.
    var range: Range<Int>?
    /// Where the field's text lies in the body: `range`, or for a quoted field the bytes between
    /// its quotes (still escaped), so a message can name the byte at fault.
    var raw: Range<Int>
    /// True when a comma (rather than a line end or the end) followed the field.
    var endsWithComma: Bool
}

/// Splits CSV bytes into fields, one at a time, tracking line ends and quotes.
struct CSVFieldReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    /// The next field. An unquoted field is returned as its byte range in `bytes`; a quoted one
    /// is unescaped into `scratch`. Errors carry the offset in `bytes`; the caller names the
    /// field and makes the offset absolute.
    @inline(__always)
    mutating func nextField(row: Int, column: Int, scratch: inout [UInt8]) throws -> CSVField {
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
        return CSVField(range: start..<end, raw: start..<end, endsWithComma: endsWithComma)
    }

    /// The next field when it is a plain decimal number (`-?[0-9]+(\.[0-9]*)?`, at most 19
    /// digits) directly followed by a comma, a line end or the end of the bytes: its value and
    /// whether a comma followed, and the reader moves past it. Nil, and the reader stays put,
    /// for anything else, which `nextField` and `DecimalParser` then read (spaces, quotes,
    /// exponents, long literals, text, errors).
    ///
    /// This is most fields of a numeric CSV body, read in one pass instead of two (find the
    /// field's end, then parse it). The value is the one `DecimalParser` gives: its exact fast
    /// path (`DecimalParser.exactValue`), and nil wherever that does not apply.
    @inline(__always)
    mutating func nextPlainNumber() -> (value: Double, endsWithComma: Bool)? {
        let count = bytes.count
        var index = position
        guard index < count else { return nil }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let base = bytes.baseAddress!  // not empty: `position < count`
        var mantissa: UInt64 = 0
        let integerDigits = DecimalParser.accumulateDigits(base, count: count, from: &index, into: &mantissa)
        guard integerDigits > 0 else { return nil }
        var fractionDigits = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = DecimalParser.accumulateDigits(base, count: count, from: &index, into: &mantissa)
        }
        guard
            let value = DecimalParser.exactValue(
                mantissa: mantissa, digits: integerDigits + fractionDigits, exponent: -fractionDigits, negative: negative)
        else { return nil }
        var endsWithComma = false
        if index < count {
            switch bytes[index] {
            case UInt8(ascii: ","): endsWithComma = true
            case 0x0A: break
            case 0x0D where index + 1 < count && bytes[index + 1] == 0x0A: index += 1
            default: return nil
            }
        }
        position = index + 1
        return (value, endsWithComma)
    }

    private mutating func quotedField(from start: Int, row: Int, column: Int, scratch: inout [UInt8]) throws -> CSVField {
        scratch.removeAll(keepingCapacity: true)
        var index = start
        while true {
            guard index < bytes.count else {
                throw CSVRowError(row: row, column: column, problem: .unterminatedQuote, byte: start - 1)
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
        let raw = start..<(index - 1)
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D { index += 1 }
        var endsWithComma = false
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: ","): endsWithComma = true
            case 0x0A: break
            default:
                throw CSVRowError(row: row, column: column, problem: .textAfterQuote(bytes[index]), byte: index)
            }
        }
        position = index + 1
        return CSVField(range: nil, raw: raw, endsWithComma: endsWithComma)
    }
}

/// A byte for a message: `'x'` when printable ASCII, else its hex value.
func describe(byte: UInt8) -> String {
    byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
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

/// A field's text for an error message: quoted, shortened to about 40 bytes (never inside a
/// character, which would show a replacement character the client did not send).
func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    var end = min(bytes.count, 40)
    while end < bytes.count, end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
    return "\"\(text)\(end < bytes.count ? "..." : "")\""
}
