/// Chooses the encoder for a response by the negotiated Accept type.
///
/// The shared `output_fn` of every tabular model. JSON mirrors the request's framing: one object
/// answers one object, a list answers a list, `{"instances": ...}` gets `{"predictions": ...}`.
/// CSV and JSON Lines write one line per record, in request order.
public enum TabularEncoding {
    /// Writes `table` as `accept`, framed like the request (`shape`).
    public static func encode(_ table: PredictionTable, shape: RecordShape, as accept: MediaType) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(16 + table.rowCount * 16 * max(1, table.fields.count))
        switch accept.canonical {
        case .csv:
            writeCSV(table, to: &output)
        case .jsonLines:
            for row in 0..<table.rowCount {
                writeObject(table, row: row, to: &output)
                output.append(0x0A)
            }
        case .json:
            switch shape {
            case .single where table.rowCount == 1:
                writeObject(table, row: 0, to: &output)
            case .instances:
                output.append(contentsOf: #"{"predictions":"#.utf8)
                writeArray(table, to: &output)
                output.append(UInt8(ascii: "}"))
            default:
                writeArray(table, to: &output)
            }
        default:
            throw ServingError.notAcceptable(accept.essence, supported: [.json, .csv, .jsonLines])
        }
        return output
    }

    private static func writeArray(_ table: PredictionTable, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for row in 0..<table.rowCount {
            if row > 0 { output.append(UInt8(ascii: ",")) }
            writeObject(table, row: row, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    private static func writeObject(_ table: PredictionTable, row: Int, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, field) in table.fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONText.appendString(field.name, to: &output)
            output.append(UInt8(ascii: ":"))
            field.values.appendJSON(row: row, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    private static func writeCSV(_ table: PredictionTable, to output: inout [UInt8]) {
        // One integer per line (a classifier's 1/0, 10,000 lines for an Aurora batch): two bytes
        // a line where the value is one digit.
        if table.csvFields.count == 1, case .integer(let values) = table.fields[table.csvFields[0]].values {
            for row in 0..<table.rowCount {
                let value = values[row]
                if value >= 0 && value < 10 {
                    output.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
                } else {
                    NumberFormatting.appendInteger(value, to: &output)
                }
                output.append(0x0A)
            }
            return
        }
        for row in 0..<table.rowCount {
            for (position, fieldIndex) in table.csvFields.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                table.fields[fieldIndex].values.appendCSV(row: row, to: &output)
            }
            output.append(0x0A)
        }
    }
}

extension PredictionValues {
    func appendJSON(row: Int, to output: inout [UInt8]) {
        switch self {
        case .text(let values): JSONText.appendString(values[row], to: &output)
        case .bool(let values): output.append(contentsOf: (values[row] ? "true" : "false").utf8)
        default: appendNumber(row: row, to: &output, nonFinite: "null")
        }
    }

    func appendCSV(row: Int, to output: inout [UInt8]) {
        switch self {
        case .text(let values): CSVText.appendField(values[row], to: &output)
        case .bool(let values): output.append(values[row] ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        default: appendNumber(row: row, to: &output, nonFinite: "")
        }
    }

    private func appendNumber(row: Int, to output: inout [UInt8], nonFinite: String) {
        switch self {
        case .double(let values, let decimals):
            let value = decimals.map { NumberFormatting.rounded(values[row], decimals: $0) } ?? values[row]
            NumberFormatting.append(value, to: &output, nonFinite: nonFinite)
        case .float(let values): NumberFormatting.append(values[row], to: &output, nonFinite: nonFinite)
        case .integer(let values): NumberFormatting.appendInteger(values[row], to: &output)
        case .text, .bool: break
        }
    }
}

/// JSON string escaping for writers.
public enum JSONText {
    /// Appends `text` as a JSON string literal.
    public static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// CSV field quoting for writers.
enum CSVText {
    /// Appends `text`, quoted when it holds a comma, quote or line break.
    static func appendField(_ text: String, to output: inout [UInt8]) {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            output.append(contentsOf: text.utf8)
            return
        }
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") { output.append(byte) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }
}
