/// Finds a category's position from its UTF-8 bytes without building a String.
///
/// One-hot columns look up every row's value (10,000 lookups per large request). Categories of
/// up to 7 bytes, like states and area codes, are packed with their length into one `UInt64`
/// key and found in a small open-addressing table with a multiplicative hash (a `Dictionary`
/// hashes each key with SipHash, a third of the lookup's time); longer ones fall back to a
/// String dictionary.
public struct CategoryIndex: Sendable {
    /// The packed keys by slot (`emptySlot` where none), at most half full...
    private var slotKeys: [UInt64]
    /// ...and the position of each slot's category.
    private var slotPositions: [Int]
    private let slotMask: Int
    private var long: [String: Int] = [:]
    public let categories: [String]

    /// No packed key has 0xFF as its length byte.
    private static let emptySlot = UInt64.max

    /// Indexes `categories`; throws naming the first category listed twice.
    public init(_ categories: [String]) throws(DuplicateCategory) {
        self.categories = categories
        var capacity = 8
        while capacity < 2 * categories.count { capacity *= 2 }
        slotKeys = [UInt64](repeating: Self.emptySlot, count: capacity)
        slotPositions = [Int](repeating: 0, count: capacity)
        slotMask = capacity - 1
        for (position, category) in categories.enumerated() {
            let bytes = Array(category.utf8)
            if let key = Self.packedKey(bytes) {
                var slot = Self.firstSlot(of: key, mask: slotMask)
                while slotKeys[slot] != Self.emptySlot {
                    guard slotKeys[slot] != key else { throw DuplicateCategory(position: position, category: category) }
                    slot = (slot + 1) & slotMask
                }
                slotKeys[slot] = key
                slotPositions[slot] = position
            } else {
                guard long.updateValue(position, forKey: category) == nil else { throw DuplicateCategory(position: position, category: category) }
            }
        }
    }

    /// The position of the category spelled exactly by `bytes`, or nil.
    @inline(__always)
    public func position(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if let key = Self.packedKey(bytes) {
            var slot = Self.firstSlot(of: key, mask: slotMask)
            while true {
                let found = slotKeys[slot]
                if found == key { return slotPositions[slot] }
                if found == Self.emptySlot { return nil }
                slot = (slot + 1) & slotMask
            }
        }
        if long.isEmpty { return nil }
        return long[String(decoding: bytes, as: UTF8.self)]
    }

    /// Where a key's probe starts: the high bits of a Fibonacci hash.
    @inline(__always)
    private static func firstSlot(of key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
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
