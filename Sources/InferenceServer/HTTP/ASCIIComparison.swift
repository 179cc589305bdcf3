/// Comparisons of request text (paths, header names) with ASCII literals, on the text's
/// contiguous UTF-8 bytes.
///
/// Every request runs several; the generic algorithms on a string's UTF-8 view went through
/// unspecialised witnesses and were a visible share of a small request's CPU.
enum ASCIIComparison {
    /// True when `text` is `literal`, byte for byte; with `foldingCase`, `text` may use either case
    /// (`literal` must be lower-case).
    @inline(__always)
    static func equal<Text: Collection<UInt8>>(_ text: Text, _ literal: StaticString, foldingCase: Bool = false) -> Bool {
        guard text.count == literal.utf8CodeUnitCount else { return false }
        return text.withContiguousStorageIfAvailable { equal($0, literal, foldingCase: foldingCase) }
            ?? Array(text).withUnsafeBufferPointer { equal($0, literal, foldingCase: foldingCase) }
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString, foldingCase: Bool) -> Bool {
        let expected = literal.utf8Start
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let folded = foldingCase && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != expected[index] { return false }
        }
        return true
    }
}
