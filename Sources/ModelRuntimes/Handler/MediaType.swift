/// A parsed media type (`text/csv; charset=utf-8`), compared case-insensitively.
///
/// Content negotiation needs the type and subtype without parameters, and the parameters
/// (`charset`, `label_size`, `header`) as separate values; the HTTP layer hands header text to
/// `MediaType(parsing:)` once and everything downstream compares these values.
public struct MediaType: Sendable, Hashable, CustomStringConvertible {
    /// Lower-cased main type, e.g. `text`, or `*`.
    public var type: String
    /// Lower-cased subtype, e.g. `csv`, or `*`.
    public var subtype: String
    /// Parameters in the order given; names lower-cased, values as sent (quotes removed).
    public var parameters: [(name: String, value: String)]

    public init(_ type: String, _ subtype: String, parameters: [(name: String, value: String)] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// Parses `type/subtype *(; name=value)`. Returns nil for text that is not a media type.
    public init?(parsing text: some StringProtocol) {
        var pieces = text.split(separator: ";", omittingEmptySubsequences: false).makeIterator()
        guard let essence = pieces.next() else { return nil }
        let typeParts = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard typeParts.count == 2 else { return nil }
        let main = typeParts[0].trimmingASCIISpaces(), sub = typeParts[1].trimmingASCIISpaces()
        guard !main.isEmpty, !sub.isEmpty, main.allSatisfy(\.isMediaTypeTokenCharacter),
            sub.allSatisfy(\.isMediaTypeTokenCharacter)
        else { return nil }
        var parameters: [(String, String)] = []
        while let raw = pieces.next() {
            let parameter = raw.trimmingASCIISpaces()
            if parameter.isEmpty { continue }
            guard let equals = parameter.firstIndex(of: "=") else { return nil }
            let name = parameter[..<equals].trimmingASCIISpaces().lowercased()
            var value = parameter[parameter.index(after: equals)...].trimmingASCIISpaces()
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            parameters.append((name, String(value)))
        }
        self.init(String(main), String(sub), parameters: parameters)
    }

    public static func == (lhs: MediaType, rhs: MediaType) -> Bool {
        lhs.type == rhs.type && lhs.subtype == rhs.subtype
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(subtype)
    }

    /// `type/subtype` without parameters.
    public var essence: String { "\(type)/\(subtype)" }

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
    /// Other spellings of JSON Lines seen in the wild, read as `application/jsonlines`.
    public static let jsonLinesAliases: [MediaType] = [
        MediaType("application", "x-jsonlines"), MediaType("application", "jsonl"),
        MediaType("application", "x-ndjson"), MediaType("application", "ndjson"),
    ]
}

extension Character {
    fileprivate var isMediaTypeTokenCharacter: Bool {
        guard let ascii = asciiValue, ascii > 32, ascii < 127 else { return false }
        return !"()<>@,;:\\\"/[]?={}".utf8.contains(ascii)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> SubSequence {
        var start = startIndex, end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[start..<end]
    }
}
