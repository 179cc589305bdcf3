import Foundation
import ModelRuntimes
import Testing

/// Corrupted models either load (and then predict without crashing) or are refused with a
/// `ModelLoadError`: the loader's checks are what make the unchecked walk safe.
@Suite struct XGBoostMutationTests {
    /// A small deterministic generator (SplitMix64), so every run tries the same corruptions.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let arrays = [
        "left_children", "right_children", "split_indices", "default_left", "split_type",
        "categories_nodes", "categories_segments", "categories_sizes", "categories",
    ]

    @Test func corruptedTreeArraysNeverCrashLoadingOrPrediction() throws {
        let directory = try Fixtures.fixtureDirectory("xgboost")
        let original = try JSONSerialization.jsonObject(with: Data(try directory.read("binary-logitraw-categorical.json"))) as! [String: Any]
        let fixture = try Fixtures.csvRows("xgboost/binary-logitraw-categorical.csv")
        let rows = fixture.rows.map { Array($0[0..<5]) }.flatMap { $0.map { $0.isEmpty ? Double.nan : Double($0)! } }
        let matrix = FeatureMatrix(values: rows, columnCount: 5)
        var generator = SplitMix(state: 2026)
        var refused = 0
        var loaded = 0
        for _ in 0..<300 {
            var learner = original["learner"] as! [String: Any]
            var booster = learner["gradient_booster"] as! [String: Any]
            var model = booster["model"] as! [String: Any]
            var trees = model["trees"] as! [[String: Any]]
            let treeIndex = Int.random(in: 0..<trees.count, using: &generator)
            var tree = trees[treeIndex]
            let name = Self.arrays.randomElement(using: &generator)!
            var values = tree[name] as! [Int]
            if values.isEmpty {
                values = [0]
            } else {
                let position = Int.random(in: 0..<values.count, using: &generator)
                values[position] = [-2, -1, 0, 1, values.count, values.count + 1, 1 << 24, Int(Int32.max)]
                    .randomElement(using: &generator)!
            }
            tree[name] = values
            trees[treeIndex] = tree
            model["trees"] = trees
            booster["model"] = model
            learner["gradient_booster"] = booster
            var document = original
            document["learner"] = learner
            let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
            let scratch = try TemporaryModelDirectory(files: ["m.json": text])
            defer { scratch.remove() }
            do {
                let model = try XGBoostModel.load("m.json", in: scratch.directory)
                _ = model.predict(matrix, rowCount: matrix.rowCount)
                loaded += 1
            } catch is ModelLoadError {
                refused += 1
            }
        }
        #expect(refused > 50, "most corruptions are structural and refused (\(refused) of 300)")
        #expect(loaded > 0, "some corruptions are harmless (a deleted node, a category code) and load")
    }
}
