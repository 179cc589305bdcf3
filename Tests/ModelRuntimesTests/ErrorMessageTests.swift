import Foundation
import ModelRuntimes
import Testing

/// Every way a request body can be refused, with the exact message a client reads: it names the
/// row, the column, the field and the cause, and for bytes that are not UTF-8 the byte.
@Suite("Error messages name the real problem")
struct ErrorMessageTests {
    static let realEstate = try! HandlerRegistry.builtIn.load(TestSupport.modelDirectory("real-estate")).handler as! LinearRegressionHandler
    static let churn = try! HandlerRegistry.builtIn.load(TestSupport.modelDirectory("churn")).handler as! EnsembleHandler
    static let churnRow = "AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"

    /// The message `handler` answers `body` with (decoding, then predicting).
    static func message<H: ModelHandler>(_ handler: H, _ body: [UInt8], _ type: MediaType, context: InvocationContext = InvocationContext())
        -> String?
    {
        do {
            let input = try body.withUnsafeBytes { try handler.decodeInput($0, contentType: type, context: context) }
            _ = try handler.predict(input, context: context)
            return nil
        } catch let error as ServingError {
            #expect(error.status == 400 && error.code == "invalid_input")
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    static func bytes(_ text: String, _ raw: [UInt8] = [], _ tail: String = "") -> [UInt8] {
        Array(text.utf8) + raw + Array(tail.utf8)
    }

    @Test(
        "CSV",
        arguments: [
            ("", "empty body: send one CSV record per line"),
            (" \n\t\r\n", "empty body: send one CSV record per line"),
            ("\u{FEFF}\n", "empty body: send one CSV record per line"),
            ("150\nabc\n", #"row 2, column 1, field "distance": "abc" is not a number"#),
            ("１５０", #"row 1, column 1, field "distance": "１５０" is not a number"#),
            // Long values are shortened at a character boundary, never into a replacement character.
            (String(repeating: "１", count: 17), #"row 1, column 1, field "distance": "１１１１１１１１１１１１１..." is not a number"#),
            ("NaN", #"row 1, column 1, field "distance": "NaN" is not a number (leave the field empty for a missing value)"#),
            ("-inf", #"row 1, column 1, field "distance": "-inf" is not a finite number"#),
            ("1e999", #"row 1, column 1, field "distance": "1e999" is not a finite number"#),
            ("150\n\n", #"row 2, column 1, field "distance": missing value"#),
            ("150\n-5\n", #"row 2, column 1, field "distance": -5 is not positive (the model takes ln(distance))"#),
            ("150,3\n", "row 1: expected 1 column, found 2"),
            ("\"150", #"row 1, column 1, field "distance": unterminated quoted field (its quote opens at byte 0)"#),
            (
                "150\n\"1\"5\n",
                #"row 2, column 1, field "distance": unexpected '5' at byte 7 after the closing quote (a quote inside a quoted field is written twice)"#
            ),
            ("150,\"x", "row 1, column 2: unterminated quoted field (its quote opens at byte 4)"),
        ])
    func csv(body: String, expected: String) {
        #expect(Self.message(Self.realEstate, Self.bytes(body), .csv) == expected)
    }

    @Test("CSV rows of the wrong width, and blank lines between rows")
    func csvWidth() {
        #expect(
            Self.message(Self.churn, Self.bytes("\(Self.churnRow)\n\n\(Self.churnRow)\n"), .csv) == "row 2: expected 20 columns, found an empty line")
        #expect(
            Self.message(Self.churn, Self.bytes("\(Self.churnRow)\n\(Self.churnRow.dropLast(2))\n"), .csv) == "row 2: expected 20 columns, found 19")
    }

    @Test("CSV: invalid UTF-8 is named by its byte in the body, not read as a bad number")
    func csvInvalidUTF8() {
        // The issue's example: `15\xff0` used to read as `"15\u{fffd}0" is not a number`.
        #expect(Self.message(Self.realEstate, Self.bytes("15", [0xFF], "0"), .csv) == #"invalid UTF-8 at byte 2 (row 1, column 1, field "distance")"#)
        // A byte-order mark counts: the offset is the body's.
        #expect(
            Self.message(Self.realEstate, [0xEF, 0xBB, 0xBF] + Self.bytes("150\n15", [0xFF]), .csv)
                == #"invalid UTF-8 at byte 9 (row 2, column 1, field "distance")"#)
        // Text columns, unquoted and quoted (the quoted value is unescaped, the byte is still the body's).
        #expect(
            Self.message(EchoHandler(), Self.bytes("AK,1,x\n", [0xC3], "(,2,y"), .csv) == #"invalid UTF-8 at byte 7 (row 2, column 1, field "state")"#
        )
        #expect(
            Self.message(EchoHandler(), Self.bytes("\"A\"\"", [0xFF], "\",1,x"), .csv) == #"invalid UTF-8 at byte 4 (row 1, column 1, field "state")"#
        )
        // Churn's state, a text column of the transform.
        #expect(
            Self.message(Self.churn, Self.bytes("A", [0xE2, 0x82], Self.churnRow.dropFirst(2) + "\n"), .csv)
                == #"invalid UTF-8 at byte 1 (row 1, column 1, field "state")"#)
    }

    @Test("CSV: a body decoded in parallel chunks names the row and byte in the whole body")
    func csvInvalidUTF8InAChunk() {
        let lines = (1...20_000).map { "S\($0 % 50),\(Double($0) * 0.25),p\($0)\n" }
        let bad = 15_321
        var body: [UInt8] = []
        for (index, line) in lines.enumerated() {
            if index + 1 == bad { body += Self.bytes("S1,12", [0xFF], ",x\n") } else { body += Array(line.utf8) }
        }
        let offset = lines.prefix(bad - 1).reduce(0) { $0 + $1.utf8.count } + 5
        let context = InvocationContext(executor: ConcurrentTestExecutor())
        #expect(
            Self.message(EchoHandler(), body, .csv, context: context) == "invalid UTF-8 at byte \(offset) (row \(bad), column 2, field \"calls\")")
        #expect(Self.message(EchoHandler(), body, .csv) == "invalid UTF-8 at byte \(offset) (row \(bad), column 2, field \"calls\")")
    }

    @Test(
        "JSON",
        arguments: [
            ("", "empty body: send a JSON object or array"),
            (" \r\n\t", "empty body: send a JSON object or array"),
            ("[]", "the body holds no records"),
            (#"{"distance": 150"#, "malformed JSON at byte 16: expected ',' or '}', found end of input"),
            (#"[{"distance": 150}, {"distance": 1.}]"#, #"row 2, field "distance": malformed JSON at byte 33: invalid number, found '1'"#),
            (#"[{"distance": 150}, {"distance" 1}]"#, "row 2: malformed JSON at byte 32: expected ':', found '1'"),
            (#"[{"distance": 1}] x"#, "malformed JSON at byte 18: unexpected data after the document, found 'x'"),
            (#"{"distance": "150"}"#, #"field "distance": expected a number, found the string "150" (write numbers without quotes)"#),
            (#"{"distance": "abc"}"#, #"field "distance": expected a number, found the string "abc""#),
            (#"{"distance": 1e999}"#, #"field "distance": 1e999 is not a finite number"#),
            (#"{"distance": null}"#, #"field "distance": missing value (null)"#),
            (#"{"distance": [1]}"#, #"field "distance": expected a number, found an array"#),
            (#"{"dist": 150}"#, #"field "distance": missing field"#),
            (#"[{"distance": 150}, {"distance": true}]"#, #"row 2, field "distance": expected a number, found true"#),
            (#"{"distance": 150, "distance": 3}"#, #"field "distance": given more than once"#),
            (#"[[150, 2]]"#, "row 1: expected 1 value, found 2"),
            (#"{"instances": 5}"#, #"field "instances": expected an array of records"#),
            (#"{"instances": [{"distance": -1}]}"#, #"row 1, field "distance": -1 is not positive (the model takes ln(distance))"#),
        ])
    func json(body: String, expected: String) {
        #expect(Self.message(Self.realEstate, Self.bytes(body), .json) == expected)
    }

    @Test("JSON: records of the wrong kind, nesting, and invalid UTF-8 in values and keys")
    func jsonRecords() {
        #expect(Self.message(Self.churn, Self.bytes("[1, 2]"), .json) == "row 1: expected a JSON object or array for a record")
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(
            Self.message(Self.realEstate, Self.bytes(#"{"x": \#(deep), "distance": 150}"#), .json)
                == "malformed JSON at byte 68: nesting deeper than 64 levels, found '['")
        #expect(
            Self.message(Self.realEstate, Self.bytes(#"{"distance": "15"#, [0xFF], #"0"}"#), .json) == #"invalid UTF-8 at byte 16 (field "distance")"#
        )
        #expect(
            Self.message(Self.realEstate, Self.bytes(#"[{"distance": 1}, {"dist"#, [0xFF], #"ance": 2}]"#), .json)
                == "invalid UTF-8 at byte 24 (row 2)")
        // In a string with escapes, the byte is still the body's.
        #expect(
            Self.message(EchoHandler(), Self.bytes(#"{"state": "\"\u00e9"#, [0xA9], #"", "calls": 1}"#), .json)
                == #"invalid UTF-8 at byte 19 (field "state")"#)
    }

    @Test(
        "JSON Lines",
        arguments: [
            ("\n \n", "empty body: send one JSON record per line"),
            ("{\"distance\":150}\n{\"distance\":\n", #"row 2, field "distance": malformed JSON at byte 29: expected a value, found end of input"#),
            ("{\"distance\":150} 5\n", "row 1: malformed JSON at byte 17: unexpected data after the record, found '5'"),
            ("{\"distance\":150}\n\n{\"distance\":\"x\"}", #"row 2, field "distance": expected a number, found the string "x""#),
        ])
    func jsonLines(body: String, expected: String) {
        #expect(Self.message(Self.realEstate, Self.bytes(body), .jsonLines) == expected)
    }

    @Test("JSON Lines: invalid UTF-8 after a blank line is named by the body's byte and the record's row")
    func jsonLinesInvalidUTF8() {
        #expect(
            Self.message(Self.realEstate, Self.bytes("{\"distance\":150}\n\n{\"distance\":\"", [0xFF], "\"}"), .jsonLines)
                == #"invalid UTF-8 at byte 31 (row 2, field "distance")"#)
    }
}

/// Broken model files name the file, the field by its path, and what was found.
@Suite("Artifact error messages")
struct ArtifactMessageTests {
    static func loadError(_ files: [String: [UInt8]]) throws -> String {
        let directory = try TemporaryModelDirectory(files: [:])
        defer { directory.remove() }
        for (name, bytes) in files { try Data(bytes).write(to: directory.url.appendingPathComponent(name)) }
        do {
            _ = try HandlerRegistry.builtIn.load(directory.directory)
            return "loaded"
        } catch let error as ModelLoadError {
            return error.problem
        }
    }

    static let manifest = Array(#"{"format": "swerve-model/v1", "name": "m", "handler": "linear-regression", "model": "model.json"}"#.utf8)
    static func model(_ intercept: String, inputs: String = #"[{"name": "x"}]"#) -> [UInt8] {
        Array(
            #"{"format": "linear-regression/v1", "inputs": \#(inputs), "intercept": \#(intercept), "coefficients": [1], "output": {"name": "y"}}"#
                .utf8)
    }

    @Test("empty, not UTF-8, and wrong kinds of value")
    func messages() throws {
        #expect(try Self.loadError(["manifest.json": Array(" \n".utf8)]) == "the file is empty: expected a JSON object")
        #expect(
            try Self.loadError(["manifest.json": Array(#"{"format": "swerve"#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)])
                == "invalid UTF-8 at byte 18")
        #expect(try Self.loadError(["manifest.json": Array(#"{"format": 2}"#.utf8)]) == #"field "format": expected a string, found 2"#)
        #expect(
            try Self.loadError(["manifest.json": Self.manifest, "model.json": Self.model("1e999")])
                == #"field "intercept": expected a finite number, found a number beyond the float64 range"#)
        #expect(
            try Self.loadError(["manifest.json": Self.manifest, "model.json": Self.model(#""1""#)])
                == #"field "intercept": expected a finite number, found the string "1""#)
        #expect(
            try Self.loadError(["manifest.json": Self.manifest, "model.json": Self.model("1", inputs: #"[{"name": "x", "transform": 5}]"#)])
                == #"field "inputs[0].transform": expected a string, found 5"#)
        #expect(
            try Self.loadError(["manifest.json": Self.manifest, "model.json": Self.model("1", inputs: #"[{"nom": "x"}]"#)])
                == #"missing field "inputs[0].name""#)
        #expect(try Self.loadError(["manifest.json": Self.manifest, "model.json": Self.model("1")]) == "loaded")
    }
}
