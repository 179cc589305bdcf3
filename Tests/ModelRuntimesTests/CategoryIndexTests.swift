import Testing

@testable import ModelRuntimes

/// One-hot columns find each row's category in `CategoryIndex`: packed keys of up to 7 bytes in
/// an open-addressing table, longer ones in a dictionary. Every listed category must be found at
/// its position, and nothing else found, whatever the table's collisions.
@Suite("Category index")
struct CategoryIndexTests {
    @Test("every category is found at its position, and near misses are not found", arguments: [0, 1, 5, 51, 300, 5000])
    func findsEveryCategoryAndNothingElse(count: Int) throws {
        // Short and long spellings, the empty string, 7 and 8 bytes, and numbers (area codes).
        let categories = (0..<count).map { index in
            switch index % 5 {
            case 0: return String(index)
            case 1: return "s\(index)"
            case 2: return String(repeating: "x", count: 7 - min(String(index).count, 7)) + String(index).prefix(7)
            case 3: return "long category \(index)"
            default: return index == 4 ? "" : "k\(index)"
            }
        }
        #expect(Set(categories).count == categories.count)
        let index = try CategoryIndex(categories)
        for (position, category) in categories.enumerated() {
            #expect(Array(category.utf8).withUnsafeBufferPointer { index.position(of: $0) } == position, "\(category)")
        }
        for miss in ["absent", "s", "x", "\(count)", "long category", " 1", "1 ", "\u{0}", "long category \(count + 3)"]
        where !categories.contains(miss) {
            #expect(Array(miss.utf8).withUnsafeBufferPointer { index.position(of: $0) } == nil, "\(miss)")
        }
    }

    @Test("a category listed twice is refused, naming the second listing")
    func duplicatesAreRefused() {
        #expect(throws: DuplicateCategory.self) { try CategoryIndex(["CA", "NY", "CA"]) }
        do {
            _ = try CategoryIndex(["a long category", "b", "a long category"])
            Issue.record("a duplicate long category was accepted")
        } catch {
            #expect(error.position == 2 && error.category == "a long category")
        }
        do {
            _ = try CategoryIndex(["", "b", ""])
            Issue.record("a duplicate empty category was accepted")
        } catch {
            #expect(error.position == 2)
        }
    }
}
