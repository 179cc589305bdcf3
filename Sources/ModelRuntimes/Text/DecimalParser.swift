#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads decimal numbers from UTF-8 bytes, correctly rounded, without allocating.
///
/// Request parsing is the hot path of a 10,000-row CSV batch (160,000 numbers), and `strtod` costs
/// far more than the arithmetic: this parser takes Clinger's exact fast path (at most 19 digits,
/// a power of ten up to 1e22, both exactly representable, so one IEEE operation rounds correctly)
/// and falls back to `strtod` only for the rare long or extreme literal.
public enum DecimalParser {
    /// Which spellings are allowed.
    public enum Grammar: Sendable {
        /// RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        case json
        /// Lenient: an optional `+`, leading zeros, `.5` and `5.` are allowed too.
        case lenient
    }

    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses all of `bytes` as one number; nil if it is not one in `grammar`.
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, grammar: Grammar = .lenient) -> Double? {
        parse(UnsafeRawBufferPointer(bytes), grammar: grammar)
    }

    /// Parses all of `bytes` as one number; nil if it is not one in `grammar`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, grammar: Grammar = .lenient) -> Double? {
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var index = 0
        var negative = false
        if base[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
        } else if base[0] == UInt8(ascii: "+"), grammar == .lenient {
            index = 1
        }
        // Digits accumulate with wrapping arithmetic; the value is used only when there are at
        // most 19 of them, which a UInt64 holds exactly.
        var mantissa: UInt64 = 0
        let integerStart = index
        let integerDigits = accumulateDigits(base, count: count, from: &index, into: &mantissa)
        if grammar == .json, integerDigits == 0 || (integerDigits > 1 && base[integerStart] == UInt8(ascii: "0")) {
            return nil
        }
        var fractionDigits = 0
        if index < count, base[index] == UInt8(ascii: ".") {
            index &+= 1
            fractionDigits = accumulateDigits(base, count: count, from: &index, into: &mantissa)
            if fractionDigits == 0, grammar == .json { return nil }
        }
        if integerDigits == 0 && fractionDigits == 0 { return nil }
        var exponent = -fractionDigits
        if index < count, base[index] | 0x20 == UInt8(ascii: "e") {
            index &+= 1
            var exponentNegative = false
            if index < count, base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index &+= 1
            }
            var written = 0
            let exponentStart = index
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                if digit > 9 { break }
                if written < 100_000 { written = written &* 10 &+ Int(digit) }
                index &+= 1
            }
            if index == exponentStart { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard index == count else { return nil }

        if let value = exactValue(mantissa: mantissa, digits: integerDigits + fractionDigits, exponent: exponent, negative: negative) {
            return value
        }
        return slowPath(bytes, negative: negative)
    }

    /// Clinger's exact fast path: `±mantissa × 10^exponent` in one IEEE operation, correctly
    /// rounded because both operands are exact: at most 19 `digits` with a `mantissa` of at most
    /// 2^53, and a power of ten up to 1e22. Nil where that does not hold (the caller falls back).
    @inline(__always)
    static func exactValue(mantissa: UInt64, digits: Int, exponent: Int, negative: Bool) -> Double? {
        guard digits <= 19, mantissa <= 1 << 53 else { return nil }
        var value = Double(mantissa)
        if exponent == 0 {
        } else if exponent < 0 && exponent >= -22 {
            value /= exactPowers[-exponent]
        } else if exponent > 0 && exponent <= 22 {
            value *= exactPowers[exponent]
        } else if mantissa == 0 {
            value = 0
        } else {
            return nil
        }
        return negative ? -value : value
    }

    /// Reads the decimal digits of `base[index..<count]` from `index` on into `mantissa` (times
    /// ten plus each digit, wrapping: the value is only used for at most 19 digits) and moves
    /// `index` past them; returns how many there were.
    @inline(__always)
    static func accumulateDigits(_ base: UnsafePointer<UInt8>, count: Int, from index: inout Int, into mantissa: inout UInt64) -> Int {
        let start = index
        while index < count {
            let digit = base[index] &- UInt8(ascii: "0")
            if digit > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index &+= 1
        }
        return index - start
    }

    /// `strtod` on a NUL-terminated copy, for literals the fast path cannot round exactly.
    private static func slowPath(_ bytes: UnsafeRawBufferPointer, negative: Bool) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            for index in 0..<bytes.count { buffer[index] = CChar(bitPattern: bytes[index]) }
            buffer[bytes.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == bytes.count else { return nil }
            return value
        }
    }
}

extension DecimalParser {
    /// Why `bytes` is refused, for a message: `"abc" is not a number`, with what to send instead
    /// when it spells a missing or an infinite value the way other tools write them.
    static func refusal(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = quoted(bytes)
        var word = String(decoding: bytes.prefix(12), as: UTF8.self).lowercased()
        if word.hasPrefix("-") || word.hasPrefix("+") { word.removeFirst() }
        switch word {
        case "nan", "null", "none", "na", "n/a", "?":
            return "\(text) is not a number (leave the field empty for a missing value)"
        case "inf", "infinity":
            return "\(text) is not a finite number"
        default:
            return "\(text) is not a number"
        }
    }
}
