import CForestWalk

/// Cuts a batch into blocks of rows for tree evaluation and owns the per-call scratch memory.
///
/// Within a block the trees are walked one after another over all of the block's rows
/// (tree-major): a tree's nodes stay in L1 while every row passes through it, and a block of
/// 64 rows of Float features (18 KB for the churn model's 71) stays there too. Features are
/// stored in groups of `ForestWalker.lanes` rows, feature-major (`FeatureBlockWriter`). The
/// scratch is allocated once per call, never per row.
struct ForestBlock {
    /// Rows of the batch in this block.
    let rows: Range<Int>
    let walker: ForestWalker
    let features: UnsafePointer<Float>
    let groupSize: Int
    private let paddedCount: Int
    let leafBuffer: UnsafeMutablePointer<UInt32>

    init(rows: Range<Int>, walker: ForestWalker, features: UnsafePointer<Float>, groupSize: Int, leafBuffer: UnsafeMutablePointer<UInt32>) {
        self.rows = rows
        self.walker = walker
        self.features = features
        self.groupSize = groupSize
        self.paddedCount = (rows.count + ForestWalker.lanes - 1) / ForestWalker.lanes * ForestWalker.lanes
        self.leafBuffer = leafBuffer
    }

    /// The leaf each row of the block reaches in `tree`; entry `i` is row `rows.lowerBound + i`.
    ///
    /// A block of fewer rows than lanes (a request of a row or two) is walked one row at a time,
    /// instead of eight lanes of which most would be padding.
    @inline(__always)
    func leaves(ofTree tree: Int) -> UnsafePointer<UInt32> {
        if rows.count < ForestWalker.lanes {
            walker.leavesOneByOne(ofTree: tree, groups: features, rowCount: rows.count, into: leafBuffer)
        } else {
            walker.leaves(ofTree: tree, groups: features, groupSize: groupSize, rowCount: paddedCount, into: leafBuffer)
        }
        return UnsafePointer(leafBuffer)
    }

    /// Adds, for every tree in order, the Float value (payload bits) of the leaf each row reaches
    /// to `sums[i * groupCount + the tree's group]` for row `rows.lowerBound + i`, in one call to
    /// the mask walk; the same additions in the same order as adding `leaves(ofTree:)` tree by
    /// tree. `sums` must hold `ForestWalker.lanes`-padded rows. False, and nothing added, when
    /// the mask walk does not cover every tree or the block is too small for it.
    @inline(__always)
    func sumLeafValues(into sums: UnsafeMutablePointer<Float>, groupCount: Int) -> Bool {
        guard walker.masksCoverEveryTree, rows.count >= ForestWalker.lanes, let maskTrees = walker.maskTrees else { return false }
        if groupCount == 1 && walker.masksAreNarrow {
            swerve_forest_sum_narrow_masks(
                walker.maskSplits!, maskTrees, walker.trees.count, walker.maskPayloads!, features, groupSize, paddedCount, sums)
        } else {
            swerve_forest_sum_masks(
                walker.maskSplits!, maskTrees, walker.trees.count, walker.maskPayloads!, features, groupSize, paddedCount, sums, groupCount)
        }
        return true
    }

    /// The payload of a leaf returned by `leaves(ofTree:)`.
    @inline(__always)
    func payload(_ leaf: UInt32) -> UInt32 { walker.payload(leaf) }
}

extension FlatForest {
    /// Rows per block.
    static let blockRows = 64

    /// Converts `rows` of `source` to Float a block at a time and calls `body` for each block.
    @inline(__always)
    func forEachBlock<Source: FeatureSource>(_ source: Source, rows: Range<Int>, _ body: (ForestBlock) -> Void) {
        precondition(source.featureCount >= featureCount, "rows have fewer features than the model reads")
        let groupSize = ForestWalker.lanes * max(source.featureCount, 1)
        let capacity = Self.blockRows / ForestWalker.lanes * groupSize
        withWalker { walker in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { features in
                features.initialize(repeating: 0)
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.blockRows) { leaves in
                    leaves.initialize(repeating: 0)
                    var start = rows.lowerBound
                    while start < rows.upperBound {
                        let block = start..<min(start + Self.blockRows, rows.upperBound)
                        source.fill(block, into: FeatureBlockWriter(base: features.baseAddress!, groupSize: groupSize))
                        body(
                            ForestBlock(
                                rows: block, walker: walker, features: features.baseAddress!, groupSize: groupSize, leafBuffer: leaves.baseAddress!))
                        start = block.upperBound
                    }
                }
            }
        }
    }
}
