/// Reads `application/json` and `application/jsonlines` bodies into columns, token by token.
///
/// A JSON body is one record (`{"distance": 150}`), a list of records, or SageMaker's
/// `{"instances": [...]}`. A record is an object with named fields, an array of values in schema
/// order, `{"features": [...]}` (SageMaker's common data format), or, for a one-column model,
/// a bare value. Unknown fields are ignored; a field given twice, a wrong type or a missing
/// required field is a 400 naming the record and the field.
struct JSONRecordDecoder {
    let schema: TabularSchema

    private var acceptsFeaturesKey: Bool { schema.position(of: "features") == nil }
    private var acceptsInstancesKey: Bool { schema.position(of: "instances") == nil }

    /// Decodes a whole `application/json` document.
    func decodeDocument(_ payload: UnsafeRawBufferPointer) throws -> TabularBatch {
        var scanner = JSONScanner(payload)
        guard !scanner.isAtEnd() else { throw ServingError.invalidInput("empty body: send a JSON object or array") }
        do {
            var builder = ColumnBuilder(schema: schema)
            let shape: RecordShape
            switch scanner.peek() {
            case UInt8(ascii: "["):
                try readRecordList(&scanner, into: &builder, row: { $0 })
                shape = .list
            case UInt8(ascii: "{"):
                shape = try readTopLevelObject(&scanner, into: &builder)
            default:
                throw scanner.error("expected a JSON object or array")
            }
            guard scanner.isAtEnd() else { throw scanner.error("unexpected data after the document") }
            if builder.rowCount == 0 { throw ServingError.invalidInput("the body holds no records") }
            return builder.build(shape: shape)
        } catch let error as JSONSyntaxError {
            throw Self.located(error, row: nil, field: nil)
        }
    }

    /// Decodes `application/jsonlines`: one record per non-blank line.
    func decodeLines(_ payload: UnsafeRawBufferPointer) throws -> TabularBatch {
        var builder = ColumnBuilder(schema: schema)
        var lineStart = 0
        while lineStart < payload.count {
            var lineEnd = lineStart
            while lineEnd < payload.count, payload[lineEnd] != 0x0A { lineEnd += 1 }
            // The scanner sees the body up to the line end, so the offsets it reports are the body's.
            var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: payload[0..<lineEnd]), from: lineStart)
            if !scanner.isAtEnd() {
                let row = builder.rowCount + 1
                try readRecord(&scanner, row: row, into: &builder)
                guard scanner.isAtEnd() else { throw Self.located(scanner.error("unexpected data after the record"), row: row, field: nil) }
            }
            lineStart = lineEnd + 1
        }
        if builder.rowCount == 0 { throw ServingError.invalidInput("empty body: send one JSON record per line") }
        return builder.build(shape: .lines)
    }

    /// A 400 for malformed JSON or bytes that are not UTF-8, naming the byte and, where known,
    /// the record and the field.
    static func located(_ error: JSONSyntaxError, row: Int?, field: String?) -> ServingError {
        if error.isInvalidUTF8 { return .invalidUTF8(at: error.offset, row: row, field: field) }
        return .invalidInput(row: row, field: field, "malformed JSON at byte \(error.offset): \(error.message)")
    }

    /// `[record, record, ...]`
    private func readRecordList(_ scanner: inout JSONScanner, into builder: inout ColumnBuilder, row: (Int) -> Int) throws {
        try scanner.expect(UInt8(ascii: "["), "'['")
        if scanner.consume(UInt8(ascii: "]")) { return }
        repeat {
            try readRecord(&scanner, row: row(builder.rowCount + 1), into: &builder)
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"), "',' or ']'")
    }

    /// A top-level object: either `{"instances": [...]}` or a single record, read in one pass:
    /// fields are placed as they come, and an `instances` key switches to reading records from
    /// it (the envelope's other keys are then ignored).
    private func readTopLevelObject(_ scanner: inout JSONScanner, into builder: inout ColumnBuilder) throws -> RecordShape {
        try scanner.expect(UInt8(ascii: "{"), "'{'")
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                let key = try Key(&scanner, schema: schema)
                try scanner.expect(UInt8(ascii: ":"), "':'")
                if key.isInstances, acceptsInstancesKey, scanner.peek() == UInt8(ascii: "[") {
                    builder = ColumnBuilder(schema: schema)
                    try readRecordList(&scanner, into: &builder, row: { $0 })
                    while scanner.consume(UInt8(ascii: ",")) {
                        _ = try scanner.readString()
                        try scanner.expect(UInt8(ascii: ":"), "':'")
                        try scanner.skipValue(depth: 1)
                    }
                    try scanner.expect(UInt8(ascii: "}"), "',' or '}'")
                    return .instances
                } else if key.isInstances, acceptsInstancesKey {
                    throw ServingError.invalidInput("field \"instances\": expected an array of records")
                } else {
                    try readField(key, &scanner, row: nil, into: &builder)
                }
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "}"), "',' or '}'")
        }
        if let missing = builder.endRecord() {
            throw ServingError.invalidInput(row: nil, field: schema.columns[missing].name, "missing field")
        }
        return .single
    }

    /// One record; `row` is its 1-based number in a list, nil for a lone object. Malformed JSON
    /// in it is reported with its row (and, inside a value, its field).
    private func readRecord(_ scanner: inout JSONScanner, row: Int?, into builder: inout ColumnBuilder) throws {
        do {
            try readRecordContents(&scanner, row: row, into: &builder)
        } catch let error as JSONSyntaxError {
            throw Self.located(error, row: row, field: nil)
        }
    }

    private func readRecordContents(_ scanner: inout JSONScanner, row: Int?, into builder: inout ColumnBuilder) throws {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            try readObjectRecord(&scanner, row: row, into: &builder)
        case UInt8(ascii: "["):
            try readArrayRecord(&scanner, row: row, into: &builder)
        default:
            guard schema.count == 1 else {
                throw ServingError.invalidInput(row: row, "expected a JSON object or array for a record")
            }
            try readValue(&scanner, row: row, column: 0, into: &builder)
        }
        if let missing = builder.endRecord() {
            throw ServingError.invalidInput(row: row, field: schema.columns[missing].name, "missing field")
        }
    }

    private func readObjectRecord(_ scanner: inout JSONScanner, row: Int?, into builder: inout ColumnBuilder) throws {
        try scanner.expect(UInt8(ascii: "{"), "'{'")
        if scanner.consume(UInt8(ascii: "}")) { return }
        repeat {
            let key = try Key(&scanner, schema: schema)
            try scanner.expect(UInt8(ascii: ":"), "':'")
            try readField(key, &scanner, row: row, into: &builder)
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"), "',' or '}'")
    }

    /// One member of a record object: a schema column's value, SageMaker's `features` array, or
    /// an unknown field, skipped.
    private func readField(_ key: Key, _ scanner: inout JSONScanner, row: Int?, into builder: inout ColumnBuilder) throws {
        if let column = key.column {
            guard !builder.hasValue(column) else {
                throw ServingError.invalidInput(row: row, field: schema.columns[column].name, "given more than once")
            }
            try readValue(&scanner, row: row, column: column, into: &builder)
        } else if key.isFeatures, acceptsFeaturesKey, scanner.peek() == UInt8(ascii: "[") {
            try readArrayRecord(&scanner, row: row, into: &builder)
        } else {
            try scanner.skipValue(depth: 2)
        }
    }

    private func readArrayRecord(_ scanner: inout JSONScanner, row: Int?, into builder: inout ColumnBuilder) throws {
        try scanner.expect(UInt8(ascii: "["), "'['")
        var column = 0
        if !scanner.consume(UInt8(ascii: "]")) {
            repeat {
                if column < schema.count {
                    guard !builder.hasValue(column) else {
                        throw ServingError.invalidInput(row: row, field: schema.columns[column].name, "given more than once")
                    }
                    try readValue(&scanner, row: row, column: column, into: &builder)
                } else {
                    try scanner.skipValue(depth: 2)
                }
                column += 1
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "]"), "',' or ']'")
        }
        guard column == schema.count else {
            throw ServingError.invalidInput(row: row, "expected \(schema.count) value\(schema.count == 1 ? "" : "s"), found \(column)")
        }
    }

    /// One field's value, checked against the column's kind; malformed JSON in it is reported
    /// with its field.
    private func readValue(_ scanner: inout JSONScanner, row: Int?, column: Int, into builder: inout ColumnBuilder) throws {
        do {
            try readValueContents(&scanner, row: row, column: column, into: &builder)
        } catch let error as JSONSyntaxError {
            throw Self.located(error, row: row, field: schema.columns[column].name)
        }
    }

    private func readValueContents(_ scanner: inout JSONScanner, row: Int?, column: Int, into builder: inout ColumnBuilder) throws {
        let spec = schema.columns[column]
        switch scanner.peek() ?? 0 {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (value, literal) = try scanner.readNumber()
            switch spec.kind {
            case .number:
                guard value.isFinite else {
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[literal]).prefix(40), as: UTF8.self)
                    throw ServingError.invalidInput(row: row, field: spec.name, "\(text) is not a finite number")
                }
                builder.setNumber(value, column: column)
            case .text: builder.setText(UnsafeRawBufferPointer(rebasing: scanner.bytes[literal]), column: column)
            case .ignored: builder.setIgnored(column: column)
            }
        case UInt8(ascii: "\""):
            let text = try scanner.readString()
            switch spec.kind {
            case .number:
                let hint =
                    Array(text.utf8).withUnsafeBytes { DecimalParser.parse($0, grammar: .json) } != nil ? " (write numbers without quotes)" : ""
                throw ServingError.invalidInput(row: row, field: spec.name, "expected a number, found the string \"\(text.prefix(40))\"\(hint)")
            case .text:
                if text.isEmpty {
                    guard builder.setMissing(column: column) else { throw ServingError.invalidInput(row: row, field: spec.name, "missing value") }
                } else {
                    builder.setText(text.utf8, column: column)
                }
            case .ignored: builder.setIgnored(column: column)
            }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard spec.kind == .ignored else {
                throw ServingError.invalidInput(
                    row: row, field: spec.name,
                    "expected \(spec.kind == .number ? "a number" : "a string"), found \(scanner.peek() == UInt8(ascii: "{") ? "an object" : "an array")"
                )
            }
            try scanner.skipValue(depth: 2)
            builder.setIgnored(column: column)
        default:
            let literal = try scanner.readLiteral()
            if let literal {
                guard spec.kind == .ignored else {
                    throw ServingError.invalidInput(
                        row: row, field: spec.name, "expected \(spec.kind == .number ? "a number" : "a string"), found \(literal)")
                }
                builder.setIgnored(column: column)
            } else if !builder.setMissing(column: column) {
                throw ServingError.invalidInput(row: row, field: spec.name, "missing value (null)")
            }
        }
    }
}

/// An object key, matched against the schema from its bytes when it has no escapes.
private struct Key {
    var column: Int?
    var isInstances = false
    var isFeatures = false

    init(_ scanner: inout JSONScanner, schema: TabularSchema) throws {
        if let range = try scanner.readRawKey() {
            let bytes = UnsafeRawBufferPointer(rebasing: scanner.bytes[range])
            column = schema.position(ofUTF8: bytes)
            if column == nil {
                isInstances = bytes.elementsEqual("instances".utf8)
                isFeatures = bytes.elementsEqual("features".utf8)
            }
        } else {
            let text = try scanner.readString()
            column = schema.position(of: text)
            isInstances = column == nil && text == "instances"
            isFeatures = column == nil && text == "features"
        }
    }
}
