import ModelRuntimes

/// Checks what a refusal says about the body against the body itself: a message that names a
/// byte must name one that is there and is what the message says it is. This is how the
/// fuzzers test the offsets in "invalid UTF-8 at byte N" through byte-order marks, quoted
/// fields, escapes and parallel chunks.
public enum BodyMessages {
    public static func check(_ message: String, body: UnsafeRawBufferPointer) {
        if let byte = number(after: "invalid UTF-8 at byte ", in: message) {
            Refusals.check(byte < body.count && body[byte] >= 0x80, "\(message.debugDescription): byte \(byte) is not a non-ASCII byte of the body")
        }
        if let byte = number(after: "its quote opens at byte ", in: message) {
            Refusals.check(byte < body.count && body[byte] == UInt8(ascii: "\""), "\(message.debugDescription): byte \(byte) is not a quote")
        }
        if let byte = number(after: "malformed JSON at byte ", in: message) {
            Refusals.check(byte <= body.count, "\(message.debugDescription): byte \(byte) is past the body's \(body.count)")
        }
        Refusals.check(
            !message.contains("\u{FFFD}") || body.contains(0xEF), "\(message.debugDescription) shows a replacement character the body did not send")
    }

    /// The decimal number right after the first `prefix` in `message` (no Foundation here).
    private static func number(after prefix: String, in message: String) -> Int? {
        let text = Array(message.utf8)
        let wanted = Array(prefix.utf8)
        guard text.count >= wanted.count else { return nil }
        for start in 0...(text.count - wanted.count) where text[start..<(start + wanted.count)].elementsEqual(wanted) {
            let digits = text[(start + wanted.count)...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            return Int(String(decoding: digits, as: UTF8.self))
        }
        return nil
    }
}
