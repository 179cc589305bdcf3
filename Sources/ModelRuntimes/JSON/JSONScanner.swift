/// A forward-only reader of JSON tokens over a byte buffer (RFC 8259), for request bodies and
/// model artifacts alike.
///
/// It validates as it goes (UTF-8 inside strings, the number grammar, nesting depth) and reports
/// the byte offset of the first problem, so a malformed body becomes a 400 that says where. It
/// allocates only for string values; the tabular decoder uses it to place values straight into
/// columns without building a document tree.
public struct JSONScanner {
    /// The deepest nesting of arrays and objects accepted; deeper input is refused, not recursed into.
    public static let maximumDepth = 64

    public let bytes: UnsafeRawBufferPointer
    /// Offset of the next unread byte.
    public private(set) var offset: Int = 0

    /// - Parameters:
    ///   - bytes: the text to read; it must outlive the scanner.
    ///   - offset: where to start reading (offsets in errors stay offsets in `bytes`).
    public init(_ bytes: UnsafeRawBufferPointer, from offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// True when only whitespace remains.
    public mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return offset >= bytes.count
    }

    /// The next non-whitespace byte, without consuming it.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    /// Skips spaces, tabs, CR and LF.
    @inline(__always)
    public mutating func skipWhitespace() {
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 } else { return }
        }
    }

    /// Consumes `byte` (after whitespace) or throws naming what was expected.
    public mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == byte else { throw error("expected \(what())") }
        offset += 1
    }

    /// Consumes `byte` if it is next (after whitespace).
    public mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == byte {
            offset += 1
            return true
        }
        return false
    }

    /// A syntax error at the current offset.
    public func error(_ message: String) -> JSONSyntaxError {
        let found: String
        if offset >= bytes.count {
            found = "end of input"
        } else {
            let byte = bytes[offset]
            found = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        }
        return JSONSyntaxError(offset: offset, message: "\(message), found \(found)")
    }

    /// Reads an object key without making a String: the byte range of its text when it has no
    /// escapes and is valid UTF-8, or nil (and the scanner unmoved) when it needs `readString`.
    public mutating func readRawKey() throws -> Range<Int>? {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw error("expected a string") }
        var index = offset + 1
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let range = (offset + 1)..<index
                if !ascii, String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil { return nil }
                offset = index + 1
                return range
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        return nil
    }

    /// Reads a string token (the opening quote must be next).
    public mutating func readString() throws -> String {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw error("expected a string") }
        offset += 1
        let start = offset
        // Fast path: no escapes.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
                offset += 1
                guard let text = String(validating: raw, as: UTF8.self) else { throw invalidUTF8(in: start..<(offset - 1)) }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in a string") }
            offset += 1
        }
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                offset += 1
                guard let text = String(validating: decoded, as: UTF8.self) else { throw invalidUTF8(in: start..<(offset - 1)) }
                return text
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                decoded.append(byte)
                offset += 1
                continue
            }
            offset += 1
            guard offset < bytes.count else { break }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""): decoded.append(0x22)
            case UInt8(ascii: "\\"): decoded.append(0x5C)
            case UInt8(ascii: "/"): decoded.append(0x2F)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    offset += 2
                    let low = try readHex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw error("unpaired surrogate in \\u escape")
                }
                decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                offset -= 1
                throw error("invalid escape in a string")
            }
        }
        throw error("unterminated string")
    }

    /// The error for a string whose text (`range`, still escaped) is not UTF-8, at its first bad
    /// byte. Escapes are ASCII and decode to whole sequences, so the same byte is at fault in
    /// the escaped text and in the value.
    private func invalidUTF8(in range: Range<Int>) -> JSONSyntaxError {
        let bad = UTF8Validation.firstInvalidOffset(UnsafeRawBufferPointer(rebasing: bytes[range])) ?? 0
        return JSONSyntaxError(offset: range.lowerBound + bad, message: "invalid UTF-8", isInvalidUTF8: true)
    }

    private mutating func readHex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }

    /// Reads a number token; returns its value and the literal's byte range.
    public mutating func readNumber() throws -> (value: Double, literal: Range<Int>) {
        skipWhitespace()
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            let isNumberByte =
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e")
            if !isNumberByte { break }
            offset += 1
        }
        let literal = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
        guard !literal.isEmpty, let value = DecimalParser.parse(literal, grammar: .json) else {
            offset = start
            throw error("invalid number")
        }
        return (value, start..<offset)
    }

    /// Reads `true`, `false` or `null`.
    public mutating func readLiteral() throws -> Bool? {
        skipWhitespace()
        for (word, value) in [("true", true as Bool?), ("false", false), ("null", nil)] {
            let utf8 = word.utf8
            if offset + utf8.count <= bytes.count,
                zip(utf8, bytes[offset..<(offset + utf8.count)]).allSatisfy({ $0 == $1 })
            {
                offset += utf8.count
                return value
            }
        }
        throw error("expected a value")
    }

    /// Skips one complete value of any kind, checking its syntax.
    public mutating func skipValue(depth: Int = 0) throws {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        switch peek() ?? 0 {
        case UInt8(ascii: "{"):
            offset += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                _ = try readString()
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"), "',' or '}'")
        case UInt8(ascii: "["):
            offset += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"), "',' or ']'")
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try readNumber()
        default:
            _ = try readLiteral()
        }
    }
}

/// Malformed JSON, with the byte offset where reading stopped.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    /// True when the text is well-formed JSON but a string holds bytes that are not UTF-8;
    /// `offset` is then the first bad byte.
    public var isInvalidUTF8: Bool

    /// - Parameters:
    ///   - offset: the byte where reading stopped (the first bad byte, for invalid UTF-8).
    ///   - message: what was expected and found there.
    ///   - isInvalidUTF8: true when the problem is bytes that are not UTF-8 inside a string.
    public init(offset: Int, message: String, isInvalidUTF8: Bool = false) {
        self.offset = offset
        self.message = message
        self.isInvalidUTF8 = isInvalidUTF8
    }

    public var description: String { isInvalidUTF8 ? "invalid UTF-8 at byte \(offset)" : "malformed JSON at byte \(offset): \(message)" }
}
