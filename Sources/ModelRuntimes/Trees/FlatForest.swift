/// Decision trees flattened into one contiguous array of 16-byte nodes, laid out so that every
/// tree can be walked without a branch per level.
///
/// Both tree ensembles (XGBoost and the random forest) are evaluated through this one layout:
/// - the two children of a node are adjacent, so the next node is `left + goesRight` (in the
///   walk, nodes are addressed by byte offset: `left + 16 * goesRight`);
/// - a leaf points to itself (its `left` is its own offset minus one node and it always "goes right"),
///   so walking exactly `depth` steps from the root lands on the leaf whatever the path length;
/// - every index in the array was checked when the forest was built (`FlatForestBuilder`), so
///   the walk can read nodes and features without bounds checks.
public final class FlatForest: Sendable {
    /// All nodes of all trees.
    let nodes: [FlatNode]
    /// One entry per tree, in the order the trees are summed.
    let trees: [FlatTree]
    /// Bit sets of categorical splits: at a node's `payload`, a word count, then that many words.
    let categoryWords: [UInt32]
    /// The number of features a row must have; every split reads a feature below this.
    public let featureCount: Int
    /// True when some node is a categorical split, which needs the slower walk.
    public let hasCategoricalSplits: Bool
    /// True when some split sends a missing value left, which costs the walk a NaN test.
    public let hasMissingLeftSplits: Bool
    /// The trees in the form of the AVX-512 walk, where it runs (`MaskForest`).
    let masks: MaskForest?

    init(nodes: [FlatNode], trees: [FlatTree], categoryWords: [UInt32], featureCount: Int) {
        self.nodes = nodes
        self.trees = trees
        self.categoryWords = categoryWords
        self.featureCount = featureCount
        self.hasCategoricalSplits = nodes.contains { $0.isCategorical }
        self.hasMissingLeftSplits = nodes.contains { $0.word & FlatNode.missingRightFlag == 0 }
        self.masks = MaskForest(nodes: nodes, trees: trees, hasCategoricalSplits: hasCategoricalSplits)
    }

    /// The number of trees.
    public var treeCount: Int { trees.count }

    /// The output group (class) that tree `tree` adds to.
    public func group(ofTree tree: Int) -> Int { Int(trees[tree].group) }

    /// The deepest tree's depth (steps from the root to its deepest leaf).
    public var maximumDepth: Int { trees.map { Int($0.depth) }.max() ?? 0 }

    /// The number of nodes in the flattened layout (reachable nodes only).
    public var nodeCount: Int { nodes.count - 1 }
}

/// One flattened node. At a split: the threshold, the feature and the flags, the index of the
/// left child (the right child follows it). At a leaf: a NaN threshold, the "missing goes right"
/// flag, `left` = own offset - 16, and the payload.
struct FlatNode: Sendable {
    /// The split threshold; NaN at leaves, so that every value goes right.
    var threshold: Float
    /// The feature's offset in a lane group (index × `ForestWalker.lanes`) in the low 30 bits,
    /// `categoricalFlag` and `missingRightFlag` above.
    var word: UInt32
    /// Byte offset of the left child in the node array; the right child follows, 16 bytes on.
    /// (Byte offsets save the walk a sign extension and a scaling per step.)
    var left: UInt32
    /// A leaf's value (as the tree model chooses to encode it), or a categorical split's offset
    /// into `categoryWords`.
    var payload: UInt32

    static let featureMask: UInt32 = (1 << 30) - 1
    static let categoricalFlag: UInt32 = 1 << 30
    static let missingRightFlag: UInt32 = 1 << 31

    init(threshold: Float, word: UInt32, left: UInt32, payload: UInt32) {
        self.threshold = threshold
        self.word = word
        self.left = left
        self.payload = payload
    }

    var isCategorical: Bool { word & Self.categoricalFlag != 0 }
}

/// Where a tree starts, how many steps reach any of its leaves, and which output it adds to.
struct FlatTree: Sendable {
    /// Byte offset of the root node.
    var root: UInt32
    var depth: Int32
    var group: Int32
}
