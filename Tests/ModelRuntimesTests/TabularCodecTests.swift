import ModelRuntimes
import Testing

/// A model that echoes its input, to test the shared codecs on text and number columns.
struct EchoHandler: TabularModelHandler {
    let inputSchema = TabularSchema(columns: [
        .init(name: "state", kind: .text, isRequired: false),
        .init(name: "calls", kind: .number, isRequired: false),
        .init(name: "phone", kind: .ignored, isRequired: false),
    ])

    static func load(from artifacts: ModelArtifacts) throws -> EchoHandler { EchoHandler() }

    func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable {
        let states = batch.text(0)
        return PredictionTable(
            rowCount: batch.rowCount,
            fields: [
                .init(name: "state", values: .text((0..<batch.rowCount).map { states[$0] })),
                .init(name: "calls", values: .double(batch.numbers(1).values, decimals: nil)),
            ])
    }
}

@Suite("Tabular codecs")
struct TabularCodecTests {
    let handler = EchoHandler()

    @Test("CSV: quotes, spaces, CRLF, empty fields as missing, BOM")
    func csvDetails() throws {
        let body = "\u{FEFF}AK, 55 ,x\r\n\"W,Y\",\"1\"\"\",y\n , ,\n\"\",3,z"
        let error = try #require(TestSupport.error(handler, body, contentType: .csv))
        #expect(error.message == #"row 2, column 2, field "calls": "1"" is not a number"#)
        let out = try TestSupport.invoke(handler, "\u{FEFF}AK, 55 ,x\r\n\"W,Y\",2,y\n , ,\n\"\",3,z", contentType: .csv, accept: .csv)
        #expect(out == "AK,55\n\"W,Y\",2\n,\n,3\n")
        #expect(try TestSupport.invoke(handler, " , ,", contentType: .csv, accept: .json) == #"[{"state":"","calls":null}]"#)
    }

    @Test("JSON: a number in a text column keeps its literal text; strings are unescaped")
    func jsonText() throws {
        let out = try TestSupport.invoke(handler, #"{"state": 415, "calls": 2.50, "phone": {"nested": [1]}}"#)
        #expect(out == #"{"state":"415","calls":2.5}"#)
        #expect(try TestSupport.invoke(handler, #"{"state": "A\"\u00e9\ud83d\ude00"}"#) == "{\"state\":\"A\\\"é😀\",\"calls\":null}")
    }

    @Test("JSON Lines out is one object per line; CSV out quotes text when needed")
    func outputs() throws {
        let out = try TestSupport.invoke(handler, "[[\"a\",1,null],[\"b\\\"c\",2,null]]", accept: .jsonLines)
        #expect(out == "{\"state\":\"a\",\"calls\":1}\n{\"state\":\"b\\\"c\",\"calls\":2}\n")
        #expect(try TestSupport.invoke(handler, "[[\"b\\\"c\",2,null]]", accept: .csv) == "\"b\"\"c\",2\n")
    }

    @Test("invalid UTF-8 in a CSV text field is a 400 naming the place")
    func csvUTF8() throws {
        let bytes: [UInt8] = Array("AK,1,x\n".utf8) + [0xC3, 0x28] + Array(",2,y\n".utf8)
        let error = #expect(throws: ServingError.self) {
            try bytes.withUnsafeBytes { try handler.decodeInput($0, contentType: .csv, context: InvocationContext()) }
        }
        #expect(error?.message == #"invalid UTF-8 at byte 7 (row 2, column 1, field "state")"#)
    }

    @Test("media types parse with parameters and fold aliases")
    func mediaTypes() throws {
        let type = try #require(MediaType(parsing: "Text/CSV; charset=\"UTF-8\" ; header=absent"))
        #expect(type == .csv)
        #expect(type.parameter("charset") == "UTF-8")
        #expect(MediaType(parsing: "application/x-ndjson")?.canonical == .jsonLines)
        #expect(MediaType(parsing: "nonsense") == nil)
        #expect(MediaType(parsing: "text/") == nil)
    }
}

@Suite("CSV decoding in parallel chunks")
struct ParallelCSVTests {
    let handler = EchoHandler()

    private func body(rows: Int, badRow: Int? = nil) -> String {
        (1...rows).map { row in row == badRow ? "XX,oops,\(row)" : "S\(row % 50),\(Double(row) * 0.25),p\(row)" }.joined(separator: "\n") + "\n"
    }

    @Test("a large body decodes the same in chunks as in one piece")
    func sameAsSerial() throws {
        let text = body(rows: 20_000)
        #expect(text.utf8.count > 128 * 1024)
        let serial = try TestSupport.invoke(handler, text, contentType: .csv, accept: .csv)
        let context = InvocationContext(executor: ConcurrentTestExecutor())
        let parallel = try TestSupport.invoke(handler, text, contentType: .csv, accept: .csv, context: context)
        #expect(parallel == serial)
        #expect(parallel.split(separator: "\n").count == 20_000)
        #expect(parallel.hasPrefix("S1,0.25\nS2,0.5\n"))
    }

    @Test("an error deep in a chunked body names its row in the whole body")
    func errorRow() throws {
        let context = InvocationContext(executor: ConcurrentTestExecutor())
        let bytes = Array(body(rows: 20_000, badRow: 15_321).utf8)
        let error = #expect(throws: ServingError.self) {
            try bytes.withUnsafeBytes { try handler.decodeInput($0, contentType: .csv, context: context) }
        }
        #expect(error?.message == #"row 15321, column 2, field "calls": "oops" is not a number"#)
    }
}
