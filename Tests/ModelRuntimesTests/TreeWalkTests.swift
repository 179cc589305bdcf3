import Testing

@testable import ModelRuntimes

/// The AVX-512 bit-mask walk (`MaskForest`, `CForestWalk`) must find the leaf the scalar walk
/// finds, for every row and tree: random tree shapes, splits that send missing values either way,
/// values on the thresholds, NaN and infinities, trees too large for a mask, and row counts that
/// are not a multiple of the four groups the walk takes at once. The golden tests then hold for
/// both walks (CI runs them again with `SWERVE_TREE_WALK=scalar`). XGBoost sums a block's leaves over
/// every tree in one call (`swerve_forest_sum_masks`), which must add the same Floats in the same
/// order as the tree-by-tree loop, with 64-bit masks or, for one output and trees of up to 32
/// leaves, 32-bit ones (`swerve_forest_sum_narrow_masks`). The walk's Float input is filled from float64 rows by a C
/// conversion (`swerve_fill_feature_groups`), which must round and impute as Swift does.
@Suite("Tree walks")
struct TreeWalkTests {
    @Test("the bit-mask walk finds the scalar walk's leaves", .whereMasksRun)
    func masksMatchScalarWalk() throws {
        var random = SplitMix(seed: 0x5EED)
        let featureCount = 7
        for forestIndex in 0..<40 {
            let (forest, thresholds) = try Self.randomForest(trees: 12, featureCount: featureCount, random: &random) { index, random in
                // The last tree is always one the masks cannot hold.
                let leaves = index == 11 ? 65 + random.below(40) : [1, 2, 3, 17, 32, 63, 64, 65, 100][random.below(9)]
                return (Self.randomTree(leaves: leaves, featureCount: featureCount, random: &random), 0)
            }
            let masks = try #require(forest.masks)
            #expect(masks.trees.contains { $0.splitCount == -1 }, "trees over 64 leaves keep the scalar walk")
            for rowCount in [8, 16, 24, 32, 40, 56, 64] {
                let values = (0..<rowCount * featureCount).map { _ in Self.randomValue(near: thresholds, random: &random) }
                try compareWalks(forest, FloatRows(values: values, featureCount: featureCount), rowCount: rowCount, forest: forestIndex)
            }
        }
    }

    @Test(
        "summing every tree's leaf values in one call adds what the scalar walk adds, in the same order", .whereMasksRun,
        arguments: zip([3, 1, 1], [64, 64, 32]))
    func summedLeavesMatchScalarWalk(groupCount: Int, mostLeaves: Int) throws {
        var random = SplitMix(seed: 0x5111)
        let featureCount = 5
        for _ in 0..<20 {
            let (forest, thresholds) = try Self.randomForest(trees: 30, featureCount: featureCount, random: &random) { index, random in
                var tree = Self.randomTree(leaves: 1 + random.below(mostLeaves), featureCount: featureCount, random: &random)
                // Leaf values of every size, so that the order of the additions shows in the sums.
                tree.leafPayloads = tree.leafPayloads.map { _ in Float(Double(random.below(2_000_001)) * 1e-3 - 1000).bitPattern }
                return (tree, index % groupCount)
            }
            #expect(forest.masks?.coversEveryTree == true)
            // With one output and trees of up to 32 leaves, the narrow (32-bit) masks run.
            if mostLeaves <= MaskForest.narrowLeaves { #expect(forest.masks?.everyTreeIsNarrow == true) }
            for rowCount in [8, 13, 16, 40, 64, 100] {
                let values = (0..<rowCount * featureCount).map { _ in Self.randomValue(near: thresholds, random: &random) }
                forest.forEachBlock(FloatRows(values: values, featureCount: featureCount), rows: 0..<rowCount) { block in
                    let padded = (block.rows.count + 7) / 8 * 8
                    var summed = [Float](repeating: 0.5, count: padded * groupCount)
                    var added = summed
                    let used = summed.withUnsafeMutableBufferPointer { block.sumLeafValues(into: $0.baseAddress!, groupCount: groupCount) }
                    #expect(used == (block.rows.count >= 8))
                    guard used else { return }
                    let scalar = ForestBlock(
                        rows: block.rows, walker: block.walker.withoutMasks, features: block.features, groupSize: block.groupSize,
                        leafBuffer: block.leafBuffer)
                    for tree in 0..<forest.treeCount {
                        let leaves = scalar.leaves(ofTree: tree)
                        for row in 0..<block.rows.count {
                            added[row * groupCount + forest.group(ofTree: tree)] += Float(bitPattern: scalar.payload(leaves[row]))
                        }
                    }
                    let rows = block.rows.count * groupCount
                    #expect(summed[..<rows].map(\.bitPattern) == added[..<rows].map(\.bitPattern), "\(rowCount) rows")
                }
            }
        }
    }

    @Test("a forest with categorical splits keeps the scalar walk")
    func categoricalForestHasNoMasks() throws {
        var builder = FlatForestBuilder(featureCount: 2)
        var tree = SourceTree(
            leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], features: [0, 0, 0], thresholds: [0, 0, 0],
            missingGoesLeft: [true, true, true], leafPayloads: [0, 1, 2])
        tree.categories = [0: [1, 3]]
        try builder.add(tree, group: 0)
        #expect(builder.build().masks == nil)
    }

    private func compareWalks(_ forest: FlatForest, _ rows: FloatRows, rowCount: Int, forest index: Int) throws {
        forest.forEachBlock(rows, rows: 0..<rowCount) { block in
            let scalar = ForestBlock(
                rows: block.rows, walker: block.walker.withoutMasks, features: block.features, groupSize: block.groupSize,
                leafBuffer: block.leafBuffer)
            for tree in 0..<forest.treeCount {
                let masked = Array(UnsafeBufferPointer(start: block.leaves(ofTree: tree), count: block.rows.count))
                let walked = Array(UnsafeBufferPointer(start: scalar.leaves(ofTree: tree), count: block.rows.count))
                #expect(masked == walked, "forest \(index), tree \(tree), \(rowCount) rows")
            }
        }
    }

    @Test("float64 rows become the walk's Float groups, rounded and imputed as one conversion at a time would")
    func featureGroupsMatchElementByElementConversion() {
        var random = SplitMix(seed: 0xF111)
        let specials: [Double] = [.nan, .infinity, -.infinity, -0.0, 1e300, -1e300, 0x1p-1030, 0.1, 1 + 0x1p-30, 3.4028235677973366e38]
        for width in [1, 3, 8, 71] {
            for rowCount in [1, 7, 8, 9, 16, 63, 64] {
                let values = (0..<rowCount * width).map { _ in
                    random.below(4) == 0 ? specials[random.below(specials.count)] : Double(random.next() >> 11) * 0x1p-40 - 4096
                }
                let matrix = FeatureMatrix(values: values, columnCount: width)
                let impute = (0..<width).map { Float($0) + 0.25 }
                for imputed in [false, true] {
                    let groupSize = ForestWalker.lanes * width
                    var groups = [Float](repeating: -7, count: (rowCount + 7) / 8 * groupSize)
                    groups.withUnsafeMutableBufferPointer { groups in
                        let block = FeatureBlockWriter(base: groups.baseAddress!, groupSize: groupSize)
                        if imputed {
                            ImputedFloats(matrix: matrix, impute: impute).fill(0..<rowCount, into: block)
                        } else {
                            matrix.fill(0..<rowCount, into: block)
                        }
                    }
                    for row in 0..<rowCount {
                        for column in 0..<width {
                            let value = values[row * width + column]
                            let expected = value.isNaN ? (imputed ? impute[column] : .nan) : Float(value)
                            let written = groups[(row / 8) * groupSize + column * ForestWalker.lanes + row % 8]
                            #expect(
                                written.bitPattern == expected.bitPattern || (written.isNaN && expected.isNaN),
                                "row \(row) of \(rowCount), column \(column) of \(width), imputed \(imputed): \(value) became \(written)")
                        }
                    }
                }
            }
        }
    }

    /// A forest of `trees` trees, each made by `makeTree` (from its index: the tree and its output
    /// group), and every threshold in it, for `randomValue(near:)`.
    private static func randomForest(
        trees: Int, featureCount: Int, random: inout SplitMix, _ makeTree: (Int, inout SplitMix) -> (SourceTree, Int)
    ) throws -> (FlatForest, [Float]) {
        var builder = FlatForestBuilder(featureCount: featureCount)
        var thresholds: [Float] = []
        for index in 0..<trees {
            let (tree, group) = makeTree(index, &random)
            thresholds += tree.thresholds
            try builder.add(tree, group: group)
        }
        return (builder.build(), thresholds)
    }

    /// A random binary tree with `leaves` leaves: splits on random features, thresholds from a
    /// small set (so that values land on them), missing values sent either way.
    private static func randomTree(leaves: Int, featureCount: Int, random: inout SplitMix) -> SourceTree {
        var tree = SourceTree(leftChildren: [-1], rightChildren: [-1], features: [0], thresholds: [0], missingGoesLeft: [false], leafPayloads: [0])
        var leafIDs = [0]
        while leafIDs.count < leaves {
            let split = leafIDs.remove(at: random.below(leafIDs.count))
            let left = Int32(tree.leftChildren.count)
            tree.leftChildren[split] = left
            tree.rightChildren[split] = left + 1
            tree.features[split] = Int32(random.below(featureCount))
            tree.thresholds[split] = Float(random.below(9)) - 4
            tree.missingGoesLeft[split] = random.below(2) == 0
            for child in [left, left + 1] {
                tree.leftChildren.append(-1)
                tree.rightChildren.append(-1)
                tree.features.append(0)
                tree.thresholds.append(0)
                tree.missingGoesLeft.append(false)
                tree.leafPayloads.append(UInt32(child))
                leafIDs.append(Int(child))
            }
        }
        return tree
    }

    /// A threshold itself, a value beside one, NaN, or an infinity.
    private static func randomValue(near thresholds: [Float], random: inout SplitMix) -> Float {
        switch random.below(10) {
        case 0: return .nan
        case 1: return random.below(2) == 0 ? .infinity : -.infinity
        case 2...4: return thresholds.isEmpty ? 0 : thresholds[random.below(thresholds.count)]
        default: return Float(random.below(1000)) / 100 - 5
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs a test only where this process walks trees with masks.
    fileprivate static var whereMasksRun: Self {
        .enabled(if: TreeWalkKind.current == .masks, "the CPU has no AVX-512 (or SWERVE_TREE_WALK=scalar)")
    }
}

/// The mutation tests' deterministic generator (SplitMix64), so that a failure repeats.
private typealias SplitMix = XGBoostMutationTests.SplitMix

extension XGBoostMutationTests.SplitMix {
    fileprivate init(seed: UInt64) { self.init(state: seed) }
    fileprivate mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
