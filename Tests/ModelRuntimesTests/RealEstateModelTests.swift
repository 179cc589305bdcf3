import Foundation
import ModelRuntimes
import Testing

@Suite("Real-estate linear regression")
struct RealEstateModelTests {
    let handler: LinearRegressionHandler

    init() throws {
        handler = try LinearRegressionHandler.load(from: TestSupport.modelDirectory("real-estate"))
    }

    @Test("the blog's two points, as JSON objects")
    func blogPoints() throws {
        #expect(try TestSupport.invoke(handler, #"{"distance": 150}"#) == #"{"cost":50.3}"#)
        #expect(try TestSupport.invoke(handler, #"{"distance": 1000}"#) == #"{"cost":33.38}"#)
    }

    @Test("a list in gives a list out; instances give predictions")
    func framing() throws {
        #expect(try TestSupport.invoke(handler, #"[{"distance":150},{"distance":1000}]"#) == #"[{"cost":50.3},{"cost":33.38}]"#)
        #expect(try TestSupport.invoke(handler, #"{"instances":[{"distance":150}]}"#) == #"{"predictions":[{"cost":50.3}]}"#)
        #expect(try TestSupport.invoke(handler, #"{"instances":[[150],{"features":[1000]}]}"#) == #"{"predictions":[{"cost":50.3},{"cost":33.38}]}"#)
        #expect(try TestSupport.invoke(handler, #"[{"distance":150}]"#) == #"[{"cost":50.3}]"#)
    }

    @Test("CSV in, one line per record out; a single line stays one record")
    func csv() throws {
        #expect(try TestSupport.invoke(handler, "150\n1000\n", contentType: .csv, accept: .csv) == "50.3\n33.38\n")
        #expect(try TestSupport.invoke(handler, "150", contentType: .csv, accept: .csv) == "50.3\n")
        #expect(try TestSupport.invoke(handler, "150\r\n1000", contentType: .csv, accept: .csv) == "50.3\n33.38\n")
        #expect(try TestSupport.invoke(handler, "150\n", contentType: .csv, accept: .json) == #"[{"cost":50.3}]"#)
    }

    @Test("JSON Lines in and out")
    func jsonLines() throws {
        let out = try TestSupport.invoke(handler, "{\"distance\":150}\n\n[1000]\n", contentType: .jsonLines, accept: .jsonLines)
        #expect(out == "{\"cost\":50.3}\n{\"cost\":33.38}\n")
    }

    @Test("every golden row, as one JSON list and as CSV")
    func golden() throws {
        let lines = try TestSupport.fixture("real-estate.jsonl").split(separator: "\n")
        var distances: [Double] = []
        var exact: [Double] = []
        var rounded: [Double] = []
        for line in lines {
            let object = try #require(try JSONValue.parse(Array(line.utf8)).objectValue)
            distances.append(try #require(object["request"]?["distance"]?.doubleValue))
            exact.append(try #require(object["expected"]?["cost"]?.doubleValue))
            rounded.append(try #require(object["cost_rounded_2dp"]?.doubleValue))
        }
        #expect(distances.count == 200)
        let csv = distances.map { "\($0)" }.joined(separator: "\n")
        let answers = try TestSupport.invoke(handler, csv, contentType: .csv, accept: .csv).split(separator: "\n").map { Double($0)! }
        #expect(answers == rounded)
        let json = "[" + distances.map { "{\"distance\":\($0)}" }.joined(separator: ",") + "]"
        let jsonAnswers = try JSONValue.parse(Array(try TestSupport.invoke(handler, json).utf8)).arrayValue!.map { $0["cost"]!.doubleValue! }
        #expect(jsonAnswers == rounded)
        let unrounded = LinearRegressionHandler(model: handler.model, outputDecimals: nil)
        let exactAnswers = try TestSupport.invoke(unrounded, csv, contentType: .csv, accept: .csv).split(separator: "\n").map { Double($0)! }
        for (answer, expected) in zip(exactAnswers, exact) { #expect(abs(answer - expected) <= 1e-9) }
    }

    @Test(
        "bad input names the row, column and field",
        arguments: [
            (#"{"distance": -1}"#, MediaType.json, #"field "distance": -1 is not positive"#),
            (#"{"distance": 0}"#, .json, #"field "distance": 0 is not positive"#),
            (#"{"distance": "abc"}"#, .json, #"field "distance": expected a number, found the string "abc""#),
            (#"{"distance": null}"#, .json, #"field "distance": missing value (null)"#),
            (#"{"dist": 150}"#, .json, #"field "distance": missing field"#),
            (#"[{"distance": 150}, {"distance": true}]"#, .json, #"row 2, field "distance": expected a number, found true"#),
            (#"{"distance": 1e999}"#, .json, "not a finite number"),
            (#"{"distance": 150"#, .json, "malformed JSON at byte 16"),
            (#"{"distance": 150, "distance": 3}"#, .json, "given more than once"),
            ("150\nabc\n", .csv, #"row 2, column 1, field "distance": "abc" is not a number"#),
            ("150\n\n", .csv, "row 2, column 1, field \"distance\": missing value"),
            ("150,3\n", .csv, "row 1: expected 1 column, found 2"),
            ("150\n-5\n", .csv, "row 2, column 1, field \"distance\": -5 is not positive"),
            ("", .csv, "empty body: send one CSV record per line"),
            ("[]", .json, "the body holds no records"),
            ("{\"distance\":150}\n{\"distance\":\n", .jsonLines, "row 2, field \"distance\": malformed JSON at byte 29"),
        ])
    func badInput(body: String, type: MediaType, message: String) throws {
        let error = try #require(TestSupport.error(handler, body, contentType: type))
        #expect(error.status == 400)
        #expect(error.code == "invalid_input")
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("invalid UTF-8 and absurd nesting are 400s")
    func hostileBytes() throws {
        let bytes: [UInt8] = Array(#"{"x\#u{0}":1,"distance":150,"n":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        let decode = { (payload: [UInt8]) throws in
            try payload.withUnsafeBytes { try handler.decodeInput($0, contentType: .json, context: InvocationContext()) }
        }
        #expect(throws: ServingError.self) { try decode(bytes) }
        let deep = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        let nested = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: ServingError.self) { try decode(deep) }
        #expect(throws: ServingError.self) { try decode(Array(("{\"x\":" + nested + ",\"distance\":150}").utf8)) }
    }
}
