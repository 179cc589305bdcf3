/// A parsed JSON document, for model artifacts and manifests.
///
/// Request bodies do not go through this tree (the tabular decoder reads tokens straight into
/// columns); artifacts do, once at start-up, where clarity of the loaders matters more.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses a whole document; trailing non-whitespace is an error.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var scanner = JSONScanner(bytes)
        let value = try parseValue(&scanner, depth: 0)
        guard scanner.isAtEnd() else { throw scanner.error("unexpected data after the document") }
        return value
    }

    /// Parses a whole document held in an array.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    private static func parseValue(_ scanner: inout JSONScanner, depth: Int) throws -> JSONValue {
        guard depth < JSONScanner.maximumDepth else {
            throw scanner.error("nesting deeper than \(JSONScanner.maximumDepth) levels")
        }
        switch scanner.peek() ?? 0 {
        case UInt8(ascii: "{"):
            _ = scanner.consume(UInt8(ascii: "{"))
            var object = JSONObject()
            if scanner.consume(UInt8(ascii: "}")) { return .object(object) }
            repeat {
                let key = try scanner.readString()
                try scanner.expect(UInt8(ascii: ":"), "':'")
                object.set(key, try parseValue(&scanner, depth: depth + 1))
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "}"), "',' or '}'")
            return .object(object)
        case UInt8(ascii: "["):
            _ = scanner.consume(UInt8(ascii: "["))
            var elements: [JSONValue] = []
            if scanner.consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat { elements.append(try parseValue(&scanner, depth: depth + 1)) } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "]"), "',' or ']'")
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try scanner.readString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try scanner.readNumber().value)
        default:
            return try scanner.readLiteral().map { .bool($0) } ?? .null
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number, when it is integral and fits an `Int`.
    public var intValue: Int? {
        guard case .number(let value) = self, value == value.rounded(), abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as a message shows what was found instead of what was expected: a number as
    /// written (`1.5`), a string quoted and shortened, otherwise the kind (`an array`).
    public var summary: String {
        switch self {
        case .number(let value):
            return value.isFinite ? NumberText.shortest(value) : "a number beyond the float64 range"
        case .string(let text):
            return "the string \"\(text.prefix(40))\(text.count > 40 ? "..." : "")\""
        default:
            return kindName
        }
    }

    /// A short name of the value's kind, for messages ("expected an array, found a string").
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON object's members in document order; a repeated key keeps its last value.
public struct JSONObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []

    public init() {}

    public subscript(key: String) -> JSONValue? {
        guard let index = keys.lastIndex(of: key) else { return nil }
        return values[index]
    }

    mutating func set(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
    }
}
