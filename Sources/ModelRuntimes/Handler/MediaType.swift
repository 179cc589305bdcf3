/// A parsed media type (`text/csv; charset=utf-8`), compared case-insensitively.
///
/// Content negotiation needs the type and subtype without parameters, and the parameters
/// (`charset`, `label_size`, `header`) as separate values; the HTTP layer hands header text to
/// `MediaType(parsing:)` once and everything downstream compares these values.
public struct MediaType: Sendable, Hashable, CustomStringConvertible {
    /// Lower-cased main type, e.g. `text`, or `*`.
    public let type: String
    /// Lower-cased subtype, e.g. `csv`, or `*`.
    public let subtype: String
    /// `type/subtype` without parameters.
    public let essence: String
    /// The well-known types, recognised once so that comparisons on the request path are
    /// integer compares (0 for any other type).
    private let known: UInt8
    /// Parameters in the order given; names lower-cased, values as sent (quotes removed).
    public var parameters: [(name: String, value: String)]

    public init(_ type: String, _ subtype: String, parameters: [(name: String, value: String)] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.essence = "\(self.type)/\(self.subtype)"
        self.parameters = parameters
        switch essence {
        case "application/json": known = 1
        case "text/csv": known = 2
        case "application/jsonlines": known = 3
        // Other spellings of JSON Lines seen in the wild, read as application/jsonlines.
        case "application/x-jsonlines", "application/jsonl", "application/x-ndjson", "application/ndjson": known = 4
        default: known = 0
        }
    }

    /// Parses `type/subtype *(; name=value)`. Returns nil for text that is not a media type.
    ///
    /// Runs on every request (Content-Type, Accept), so it works on UTF-8 bytes, not Characters.
    public init?(parsing text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        guard let parsed = utf8.withUnsafeMutableBufferPointer({ MediaType.parse($0) }) else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeMutableBufferPointer<UInt8>) -> MediaType? {
        var index = 0
        let count = bytes.count
        func skipSpaces() { while index < count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        func token() -> String? {
            let start = index
            while index < count, bytes[index].isMediaTypeTokenByte {
                if bytes[index] >= UInt8(ascii: "A") && bytes[index] <= UInt8(ascii: "Z") { bytes[index] |= 0x20 }
                index += 1
            }
            return index > start ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) : nil
        }
        skipSpaces()
        guard let main = token(), index < count, bytes[index] == UInt8(ascii: "/") else { return nil }
        index += 1
        guard let sub = token() else { return nil }
        skipSpaces()
        var parameters: [(name: String, value: String)] = []
        while index < count {
            guard bytes[index] == UInt8(ascii: ";") else { return nil }
            index += 1
            skipSpaces()
            if index == count { break }
            guard let name = token(), index < count, bytes[index] == UInt8(ascii: "=") else { return nil }
            index += 1
            let value: String
            if index < count, bytes[index] == UInt8(ascii: "\"") {
                let start = index + 1
                index = start
                while index < count, bytes[index] != UInt8(ascii: "\"") { index += 1 }
                guard index < count else { return nil }
                value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
            } else {
                let start = index
                while index < count, bytes[index] != UInt8(ascii: ";"), bytes[index] != 0x20, bytes[index] != 0x09 { index += 1 }
                value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            parameters.append((name, value))
            skipSpaces()
        }
        var type = MediaType(main, sub)
        type.parameters = parameters
        return type
    }

    public static func == (lhs: MediaType, rhs: MediaType) -> Bool {
        if lhs.known != 0 || rhs.known != 0 { return lhs.known == rhs.known && (lhs.known != 4 || lhs.essence == rhs.essence) }
        return lhs.essence == rhs.essence
    }

    /// True for the spellings of JSON Lines other than `application/jsonlines`.
    var isJSONLinesAlias: Bool { known == 4 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(essence)
    }

    public var description: String { essence }

    /// The value of a parameter, by case-insensitive name.
    public func parameter(_ name: String) -> String? {
        let wanted = name.lowercased()
        return parameters.first { $0.name == wanted }?.value
    }

    /// True when this (possibly wildcard) range covers `other`: `*/*` and `text/*` match `text/csv`.
    public func covers(_ other: MediaType) -> Bool {
        (type == "*" || type == other.type) && (subtype == "*" || subtype == other.subtype)
    }

    public static let json = MediaType("application", "json")
    public static let csv = MediaType("text", "csv")
    public static let jsonLines = MediaType("application", "jsonlines")
}

extension UInt8 {
    /// An RFC 9110 `tchar`.
    fileprivate var isMediaTypeTokenByte: Bool {
        guard self > 32, self < 127 else { return false }
        switch self {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
            UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
            UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="),
            UInt8(ascii: "{"), UInt8(ascii: "}"):
            return false
        default:
            return true
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[start..<end]
    }
}
