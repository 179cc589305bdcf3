import Testing

@testable import ModelRuntimes

/// The CSV decoder reads plain decimal fields in one pass (`CSVFieldReader.nextPlainNumber`) and
/// everything else through `nextField` and `DecimalParser`. Whichever path a field takes, its
/// value must be `DecimalParser`'s, bit for bit, and a bad field must be refused the same way.
@Suite("CSV numbers")
struct CSVNumberTests {
    private let schema = TabularSchema(columns: [
        .init(name: "a", kind: .number, isRequired: false), .init(name: "b", kind: .number, isRequired: false),
    ])

    /// Fields the one-pass reader takes, and neighbours it must leave to the general path.
    private static let spellings = [
        "0", "-0", "5", "5.", "007", "-12.5", "265.100000", "0.000001", "123456789012345678", "1234567890123456789",
        "12345678901234567890", "18446744073709551617", "0.00000000000000000000001", "9007199254740992", "9007199254740993", "0.1234567890123456789",
        "1.00000000000000000001",
        "1e5", "1E-3", "+1", ".5", "-.5", "  3.25", "3.25  ", "\t7", "1.7976931348623157e308", "4.9e-324", "\"2.5\"",
    ]

    @Test("every spelling decodes to DecimalParser's value, in the first column, the last, and before CRLF")
    func valuesMatchDecimalParser() throws {
        for spelling in Self.spellings {
            let trimmed = spelling.trimmingCharacters(in: [" ", "\t", "\""])
            let expected = try #require(Array(trimmed.utf8).withUnsafeBufferPointer { DecimalParser.parse($0) }, "\(spelling)")
            for (body, column, row) in [("\(spelling),1\n", 0, 0), ("1,\(spelling)", 1, 0), ("1,\(spelling)\r\n2,\(spelling)\r\n", 1, 1)] {
                let batch = try decode(body)
                #expect(batch.numbers(column)[row].bitPattern == expected.bitPattern, "\(body.debugDescription)")
            }
        }
    }

    @Test("a field that starts like a number and goes on is refused, naming it")
    func almostNumbersAreRefused() throws {
        for field in ["1.2.3", "12a", "-", "1-2", "0x10", "1,5\r5"] {
            let body = "1,\(field)\n"
            #expect(throws: ServingError.self, "\(body.debugDescription)") { try decode(body) }
        }
        let error = try #require(throws: ServingError.self) { try decode("1,2\n3,4.5x\n") }
        #expect("\(error)".contains("row 2"), "\(error)")
        #expect("\(error)".contains("\"4.5x\" is not a number"), "\(error)")
    }

    @Test("a row of plain numbers with a column short or extra is refused as before")
    func columnCounts() throws {
        #expect(throws: ServingError.self) { try decode("1,2\n3\n") }
        #expect(throws: ServingError.self) { try decode("1,2\n3,4,5\n") }
        let error = try #require(throws: ServingError.self) { try decode("1,2\n\n3,4\n") }
        #expect("\(error)".contains("an empty line"), "\(error)")
    }

    private func decode(_ body: String) throws -> TabularBatch {
        try Array(body.utf8).withUnsafeBytes { try TabularDecoding.decode($0, contentType: .csv, schema: schema) }
    }
}
