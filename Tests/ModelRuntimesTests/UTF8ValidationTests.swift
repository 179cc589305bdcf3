import Testing

@testable import ModelRuntimes

/// The locator behind "invalid UTF-8 at byte N" agrees with the standard library on what is
/// valid, and names the first byte where a valid prefix ends.
@Suite("UTF-8 locator")
struct UTF8ValidationTests {
    static func offset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { UTF8Validation.firstInvalidOffset($0) }
    }

    @Test(
        "known sequences",
        arguments: [
            ([0x31, 0x35, 0xFF, 0x30], 2),  // the 15\xff0
            ([0xC3, 0xA9], nil),  // é
            ([0xC3], 0),  // truncated
            ([0xC0, 0xAF], 0),  // overlong '/'
            ([0xE0, 0x80, 0xAF], 0),  // overlong
            ([0xED, 0xA0, 0x80], 0),  // a surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
            ([0xF0, 0x9F, 0x98, 0x80], nil),  // 😀
            ([0x41, 0xF0, 0x9F, 0x98], 1),  // truncated at the end
            ([0x41, 0x80], 1),  // a stray continuation byte
        ] as [([UInt8], Int?)])
    func known(bytes: [UInt8], expected: Int?) {
        #expect(Self.offset(bytes) == expected)
    }

    @Test("random bytes: valid exactly when the standard library says so, and the prefix before the offset is valid")
    func agreesWithTheStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            [0x41], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xC3], [0xED, 0xA0], [0xFF], [0xF4, 0x90],
        ]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                bytes += Bool.random(using: &generator) ? pieces.randomElement(using: &generator)! : [UInt8.random(in: 0...255, using: &generator)]
            }
            let valid = String(validating: bytes, as: UTF8.self) != nil
            let offset = Self.offset(bytes)
            #expect((offset == nil) == valid, "\(bytes)")
            if let offset {
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "\(bytes) at \(offset)")
            }
        }
    }
}
