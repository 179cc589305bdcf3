import CForestWalk

/// The hot loop of tree evaluation: finds the leaf each row reaches in one tree.
///
/// Rows are walked eight at a time. Each lane is a chain of dependent loads (node, then the
/// feature it reads), so interleaving eight independent chains keeps the core busy while each
/// waits; the walk takes exactly `depth` steps and has no data-dependent branch (leaves loop
/// onto themselves, see `FlatForest`). Pointers are unchecked: the builder validated every
/// child and feature index, and callers pass rows of at least `featureCount` (and ≥ 1) floats.
struct ForestWalker {
    /// Rows walked together; callers pad a block's row count to a multiple of this.
    static let lanes = 8

    let nodes: UnsafePointer<FlatNode>
    let trees: UnsafeBufferPointer<FlatTree>
    let categoryWords: UnsafePointer<UInt32>
    let hasCategoricalSplits: Bool
    let hasMissingLeftSplits: Bool
    /// The trees in bit-mask form (`MaskForest`), when the forest has them.
    let maskSplits: UnsafePointer<swerve_mask_split>?
    let maskLeaves: UnsafePointer<UInt32>?
    let maskPayloads: UnsafePointer<UInt32>?
    let maskTrees: UnsafePointer<MaskForest.Tree>?
    /// True when every tree has the mask form (`sumLeafValues` can score a block in one call).
    let masksCoverEveryTree: Bool
    /// True when, besides, every tree fits 32-bit masks (`MaskForest.everyTreeIsNarrow`).
    let masksAreNarrow: Bool

    /// Writes, for rows `0..<rowCount` (a multiple of `lanes`) laid out in groups of `groupSize`
    /// floats (see `FeatureBlockWriter`), the index of the leaf reached in tree `tree`.
    @inline(__always)
    func leaves(ofTree tree: Int, groups: UnsafePointer<Float>, groupSize: Int, rowCount: Int, into leaves: UnsafeMutablePointer<UInt32>) {
        if let maskTrees, case let masked = maskTrees[tree], masked.splitCount >= 0 {
            swerve_forest_walk_masks(
                maskSplits! + Int(masked.firstSplit), Int(masked.splitCount), maskLeaves! + Int(masked.firstLeaf), groups, groupSize,
                rowCount, leaves)
        } else if hasCategoricalSplits {
            walk(MixedSplits.self, tree: trees[tree], groups: groups, groupSize: groupSize, rowCount: rowCount, into: leaves)
        } else if hasMissingLeftSplits {
            walk(NumericSplits.self, tree: trees[tree], groups: groups, groupSize: groupSize, rowCount: rowCount, into: leaves)
        } else {
            walk(MissingRightSplits.self, tree: trees[tree], groups: groups, groupSize: groupSize, rowCount: rowCount, into: leaves)
        }
    }

    @inline(__always)
    func walk<Rule: SplitRule>(
        _ rule: Rule.Type, tree: FlatTree, groups: UnsafePointer<Float>, groupSize: Int, rowCount: Int,
        into leaves: UnsafeMutablePointer<UInt32>
    ) {
        let depth = Int(tree.depth)
        var row = 0
        var x0 = groups
        while row < rowCount {
            // Lane k of the group reads feature f at x0[f * lanes + k]: one base, constant offsets.
            let x1 = x0 + 1
            let x2 = x0 + 2
            let x3 = x0 + 3
            let x4 = x0 + 4
            let x5 = x0 + 5
            let x6 = x0 + 6
            let x7 = x0 + 7
            var n0 = tree.root
            var n1 = tree.root
            var n2 = tree.root
            var n3 = tree.root
            var n4 = tree.root
            var n5 = tree.root
            var n6 = tree.root
            var n7 = tree.root
            var step = 0
            while step < depth {
                n0 = next(Rule.self, n0, x0)
                n1 = next(Rule.self, n1, x1)
                n2 = next(Rule.self, n2, x2)
                n3 = next(Rule.self, n3, x3)
                n4 = next(Rule.self, n4, x4)
                n5 = next(Rule.self, n5, x5)
                n6 = next(Rule.self, n6, x6)
                n7 = next(Rule.self, n7, x7)
                step += 1
            }
            leaves[row] = n0
            leaves[row + 1] = n1
            leaves[row + 2] = n2
            leaves[row + 3] = n3
            leaves[row + 4] = n4
            leaves[row + 5] = n5
            leaves[row + 6] = n6
            leaves[row + 7] = n7
            row += 8
            x0 += groupSize
        }
    }

    /// The same walker with the scalar walk for every tree (tests compare the two).
    var withoutMasks: ForestWalker {
        ForestWalker(
            nodes: nodes, trees: trees, categoryWords: categoryWords, hasCategoricalSplits: hasCategoricalSplits,
            hasMissingLeftSplits: hasMissingLeftSplits, maskSplits: nil, maskLeaves: nil, maskPayloads: nil, maskTrees: nil,
            masksCoverEveryTree: false, masksAreNarrow: false)
    }

    /// Like `leaves(ofTree:...)` for the first `rowCount` (< `lanes`) rows of the first group,
    /// walking each alone.
    @inline(__always)
    func leavesOneByOne(ofTree tree: Int, groups: UnsafePointer<Float>, rowCount: Int, into leaves: UnsafeMutablePointer<UInt32>) {
        if hasCategoricalSplits {
            walkOneByOne(MixedSplits.self, tree: trees[tree], groups: groups, rowCount: rowCount, into: leaves)
        } else if hasMissingLeftSplits {
            walkOneByOne(NumericSplits.self, tree: trees[tree], groups: groups, rowCount: rowCount, into: leaves)
        } else {
            walkOneByOne(MissingRightSplits.self, tree: trees[tree], groups: groups, rowCount: rowCount, into: leaves)
        }
    }

    @inline(__always)
    func walkOneByOne<Rule: SplitRule>(
        _ rule: Rule.Type, tree: FlatTree, groups: UnsafePointer<Float>, rowCount: Int, into leaves: UnsafeMutablePointer<UInt32>
    ) {
        let depth = Int(tree.depth)
        for lane in 0..<rowCount {
            let x = groups + lane
            var n = tree.root
            for _ in 0..<depth { n = next(Rule.self, n, x) }
            leaves[lane] = n
        }
    }

    /// One step down from the node at byte offset `n` for the lane whose feature 0 is at `x` (a
    /// node's feature field is already multiplied by `lanes`).
    @inline(__always)
    func next<Rule: SplitRule>(_ rule: Rule.Type, _ n: UInt32, _ x: UnsafePointer<Float>) -> UInt32 {
        let node = UnsafeRawPointer(nodes).load(fromByteOffset: Int(n), as: FlatNode.self)
        let value = x[Int(node.word & FlatNode.featureMask)]
        return node.left &+ UInt32(bitPattern: Rule.goesRight(node, value, categoryWords)) &<< 4
    }

    /// The payload of the node at byte offset `n`.
    @inline(__always)
    func payload(_ n: UInt32) -> UInt32 { UnsafeRawPointer(nodes).load(fromByteOffset: Int(n) + 12, as: UInt32.self) }
}

/// How a split decides between its children: 1 for right, 0 for left.
protocol SplitRule {
    static func goesRight(_ node: FlatNode, _ value: Float, _ categoryWords: UnsafePointer<UInt32>) -> Int32
}

/// Numerical splits whose missing values all go right (every churn node): `!(value < threshold)`
/// is already true for NaN, so one comparison decides.
enum MissingRightSplits: SplitRule {
    @inline(__always)
    static func goesRight(_ node: FlatNode, _ value: Float, _ categoryWords: UnsafePointer<UInt32>) -> Int32 {
        value < node.threshold ? 0 : 1
    }
}

/// Numerical splits only: strict `value < threshold` goes left; NaN follows the node's default.
enum NumericSplits: SplitRule {
    @inline(__always)
    static func goesRight(_ node: FlatNode, _ value: Float, _ categoryWords: UnsafePointer<UInt32>) -> Int32 {
        // Written as flag arithmetic, not `if`, so that it compiles to set-on-condition
        // instructions: a data-dependent branch here would be mispredicted half the time.
        let notLess: UInt32 = value < node.threshold ? 0 : 1  // 1 for NaN too
        let missing: UInt32 = value.isNaN ? 1 : 0
        let missingGoesLeft = ~node.word >> 31
        return Int32(bitPattern: notLess ^ (missing & missingGoesLeft))
    }
}

/// Numerical and categorical splits. A categorical split sends a value right iff its category
/// code (truncated toward zero) is in the node's set; negative values, values ≥ 2^24 and codes
/// beyond the set go left; NaN follows the node's default (xgboost's `common::Decision`).
enum MixedSplits: SplitRule {
    @inline(__always)
    static func goesRight(_ node: FlatNode, _ value: Float, _ categoryWords: UnsafePointer<UInt32>) -> Int32 {
        if node.word & FlatNode.categoricalFlag == 0 {
            return NumericSplits.goesRight(node, value, categoryWords)
        }
        if value.isNaN { return Int32(bitPattern: node.word >> 31) }
        if value < 0 || value >= Float(FlatForestBuilder.categoryLimit) { return 0 }
        let code = Int(Int32(value))
        let set = categoryWords + Int(node.payload)
        let word = code >> 5
        guard word < Int(set[0]) else { return 0 }
        return Int32(bitPattern: (set[1 + word] >> UInt32(code & 31)) & 1)
    }
}

extension FlatForest {
    /// Runs `body` with a walker over this forest's storage.
    func withWalker<R>(_ body: (ForestWalker) throws -> R) rethrows -> R {
        try nodes.withUnsafeBufferPointer { nodes in
            try trees.withUnsafeBufferPointer { trees in
                try categoryWords.withUnsafeBufferPointer { words in
                    try withMasks { splits, leaves, payloads, maskTrees in
                        try body(
                            ForestWalker(
                                nodes: nodes.baseAddress!, trees: trees,
                                categoryWords: words.baseAddress!, hasCategoricalSplits: hasCategoricalSplits,
                                hasMissingLeftSplits: hasMissingLeftSplits, maskSplits: splits, maskLeaves: leaves, maskPayloads: payloads,
                                maskTrees: maskTrees, masksCoverEveryTree: masks?.coversEveryTree ?? false,
                                masksAreNarrow: masks?.everyTreeIsNarrow ?? false))
                    }
                }
            }
        }
    }

    private func withMasks<R>(
        _ body: (UnsafePointer<swerve_mask_split>?, UnsafePointer<UInt32>?, UnsafePointer<UInt32>?, UnsafePointer<MaskForest.Tree>?) throws -> R
    ) rethrows -> R {
        guard let masks else { return try body(nil, nil, nil, nil) }
        return try masks.splits.withUnsafeBufferPointer { splits in
            try masks.leafOffsets.withUnsafeBufferPointer { leaves in
                try masks.leafPayloads.withUnsafeBufferPointer { payloads in
                    try masks.trees.withUnsafeBufferPointer { trees in
                        try body(splits.baseAddress, leaves.baseAddress, payloads.baseAddress, trees.baseAddress)
                    }
                }
            }
        }
    }
}
