/// The columns a tabular model reads, in the order a CSV row lists them.
///
/// The shared codecs use it to place JSON fields by name and CSV fields by position, to parse
/// each value once into the kind the model wants, and to name the column in every error.
public final class TabularSchema: Sendable {
    /// One input column.
    public struct Column: Sendable {
        /// How a column's values are stored after decoding.
        public enum Kind: Sendable, Equatable {
            /// Parsed to `Double`; a missing value is NaN.
            case number
            /// Kept as text (categories, identifiers); a missing value is empty. A JSON number
            /// in such a column keeps its literal text (`415` becomes `"415"`).
            case text
            /// Read past and not stored (a customer id the model drops).
            case ignored
        }

        /// The JSON field name, and the column's name in messages.
        public var name: String
        public var kind: Kind
        /// When true a missing value (empty CSV field, absent or null JSON field) is a 400.
        public var isRequired: Bool

        public init(name: String, kind: Kind, isRequired: Bool) {
            self.name = name
            self.kind = kind
            self.isRequired = isRequired
        }
    }

    public let columns: [Column]
    private let positionByName: [String: Int]
    private let utf8Names: [[UInt8]]
    /// Where each column's values are stored by the codecs: its index among the number columns
    /// or among the text columns (-1 for ignored columns).
    let storageSlots: [Int]
    let numberColumnCount: Int
    let textColumnCount: Int
    /// How the CSV decoder stores this schema's columns (computed once, used per request).
    let csvLayout: CSVLayout

    public init(columns: [Column]) {
        self.columns = columns
        var positions: [String: Int] = [:]
        for (index, column) in columns.enumerated() where positions[column.name] == nil {
            positions[column.name] = index
        }
        self.positionByName = positions
        self.utf8Names = columns.map { Array($0.name.utf8) }
        var slots: [Int] = []
        var numbers = 0
        var texts = 0
        for column in columns {
            switch column.kind {
            case .number:
                slots.append(numbers)
                numbers += 1
            case .text:
                slots.append(texts)
                texts += 1
            case .ignored:
                slots.append(-1)
            }
        }
        storageSlots = slots
        numberColumnCount = numbers
        textColumnCount = texts
        csvLayout = CSVLayout(columns, storageSlots: slots, numberCount: numbers, textCount: texts)
    }

    /// The column's position, by JSON field name.
    public func position(of name: String) -> Int? { positionByName[name] }

    /// The column's position, by the field name's UTF-8 bytes (no String is made: the JSON
    /// decoder matches keys this way on every record).
    public func position(ofUTF8 name: UnsafeRawBufferPointer) -> Int? {
        guard utf8Names.count <= 64 else {
            return String(validating: name, as: UTF8.self).flatMap { positionByName[$0] }
        }
        for (index, candidate) in utf8Names.enumerated() where candidate.count == name.count {
            if candidate.withUnsafeBytes({ $0.elementsEqual(name) }) { return index }
        }
        return nil
    }

    public var count: Int { columns.count }
}
