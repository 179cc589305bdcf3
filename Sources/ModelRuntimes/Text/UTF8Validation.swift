/// Finds where UTF-8 text goes wrong, so a message can say "invalid UTF-8 at byte 7".
///
/// The decoders check validity with the standard library (or not at all, for ASCII numbers) on
/// the hot path; this runs only once something has already failed, to name the byte.
enum UTF8Validation {
    /// The offset of the first byte of the first ill-formed sequence (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or nil when all of `bytes` is valid.
    static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var length = 0
            var lowest: UInt8 = 0x80
            var highest: UInt8 = 0xBF  // the range of the second byte
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, lowest) = (3, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, highest) = (3, 0x9F)
            case 0xF0: (length, lowest) = (4, 0x90)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, highest) = (4, 0x8F)
            default: return index
            }
            guard index + length <= count, bytes[index + 1] >= lowest, bytes[index + 1] <= highest else { return index }
            for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return index }
            index += length
        }
        return nil
    }

    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        firstInvalidOffset(UnsafeRawBufferPointer(bytes))
    }
}
