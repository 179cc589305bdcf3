/// Finds a category's position from its UTF-8 bytes without building a String.
///
/// One-hot columns look up every row's value (10,000 lookups per large request). Categories of
/// up to 7 bytes, like states and area codes, are packed with their length into one `UInt64`
/// key; longer ones fall back to a String dictionary.
public struct CategoryIndex: Sendable {
    private var short: [UInt64: Int] = [:]
    private var long: [String: Int] = [:]
    public let categories: [String]

    /// Indexes `categories`; throws naming the first category listed twice.
    public init(_ categories: [String]) throws(DuplicateCategory) {
        self.categories = categories
        for (position, category) in categories.enumerated() {
            let bytes = Array(category.utf8)
            if let key = Self.packedKey(bytes) {
                guard short.updateValue(position, forKey: key) == nil else { throw DuplicateCategory(position: position, category: category) }
            } else {
                guard long.updateValue(position, forKey: category) == nil else { throw DuplicateCategory(position: position, category: category) }
            }
        }
    }

    /// The position of the category spelled exactly by `bytes`, or nil.
    @inline(__always)
    public func position(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if let key = Self.packedKey(bytes) { return short[key] }
        if long.isEmpty { return nil }
        return long[String(decoding: bytes, as: UTF8.self)]
    }

    @inline(__always)
    private static func packedKey<Bytes: Collection>(_ bytes: Bytes) -> UInt64? where Bytes.Element == UInt8 {
        guard bytes.count <= 7 else { return nil }
        var key = UInt64(bytes.count) << 56
        var shift: UInt64 = 0
        for byte in bytes {
            key |= UInt64(byte) << shift
            shift += 8
        }
        return key
    }
}

/// A category listed twice in a one-hot column.
public struct DuplicateCategory: Error {
    public var position: Int
    public var category: String
}
