import Foundation
import ModelRuntimes
import Testing

@Suite("Decimal parsing and number text")
struct DecimalParserTests {
    private func parse(_ text: String, _ grammar: DecimalParser.Grammar = .lenient) -> Double? {
        Array(text.utf8).withUnsafeBytes { DecimalParser.parse($0, grammar: grammar) }
    }

    @Test("agrees with strtod bit for bit on random literals")
    func agreesWithStrtod() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50_000 {
            let digits = Int.random(in: 1...22, using: &generator)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            if Bool.random(using: &generator) {
                text.insert(".", at: text.index(text.startIndex, offsetBy: Int.random(in: 0...digits, using: &generator)))
            }
            if Int.random(in: 0..<4, using: &generator) == 0 { text += "e\(Int.random(in: -330...330, using: &generator))" }
            if Bool.random(using: &generator) { text = "-" + text }
            if text.hasSuffix(".") || text.hasPrefix(".") || text.hasPrefix("-.") || text.contains(".e") { continue }
            let expected = strtod(text, nil)
            #expect(parse(text)?.bitPattern == expected.bitPattern, "\(text)")
        }
        for _ in 0..<20_000 {
            let value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            guard value.isFinite else { continue }
            #expect(parse(value.description)?.bitPattern == value.bitPattern, "\(value)")
        }
    }

    @Test(
        "the JSON grammar is strict; the CSV grammar is lenient",
        arguments: [
            ("01", nil, 1.0), ("+1", nil, 1.0), (".5", nil, 0.5), ("5.", nil, 5.0), ("1e", nil, nil),
            ("-", nil, nil), ("1.5e+2", 150.0, 150.0), ("abc", nil, nil), ("1_000", nil, nil), ("0x10", nil, nil),
            ("265.100000", 265.1, 265.1), ("-0", -0.0, -0.0), ("1e400", Double.infinity, Double.infinity),
        ] as [(String, Double?, Double?)])
    func grammars(text: String, json: Double?, lenient: Double?) {
        #expect(parse(text, .json) == json)
        #expect(parse(text, .lenient) == lenient)
    }

    @Test("rounding matches Python's round() and writes the shortest text")
    func rounding() {
        #expect(NumberFormatting.rounded(50.30427866481142, decimals: 2) == 50.3)
        #expect(NumberFormatting.rounded(33.37525957087459, decimals: 2) == 33.38)
        #expect(NumberFormatting.rounded(2.675, decimals: 2) == 2.67)  // 2.675 is 2.67499999... in binary
        #expect(NumberFormatting.rounded(0.125, decimals: 2) == 0.12)  // an exact tie rounds to even
        #expect(NumberFormatting.rounded(-1.005, decimals: 2) == -1.0)
        var out: [UInt8] = []
        NumberFormatting.append(50.3, to: &out)
        out.append(0x20)
        NumberFormatting.append(1.0, to: &out)
        out.append(0x20)
        NumberFormatting.append(Float(0.1), to: &out)
        out.append(0x20)
        NumberFormatting.append(Double.nan, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "50.3 1 0.1 null")
    }
}
